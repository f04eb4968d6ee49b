package models

import "context"

// ExecForTest runs raw SQL, for tests that tamper with stored rows.
func (s *Store) ExecForTest(sql string) error {
	return s.conn(context.Background()).Exec(sql).Error
}
