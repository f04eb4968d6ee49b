package models

import "context"

// ExecForTest runs raw SQL, for tests that tamper with stored rows.
func (s *Store) ExecForTest(sql string) error {
	return s.conn(context.Background()).Exec(sql).Error
}

// SchemaSQLForTest is the stored CREATE statement of a table or index ("" for
// none), on SQLite.
func (s *Store) SchemaSQLForTest(name string) (string, error) {
	var out []string
	err := s.conn(context.Background()).Raw("SELECT sql FROM sqlite_master WHERE name = ?", name).Scan(&out).Error
	if len(out) == 0 {
		return "", err
	}
	return out[0], err
}
