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

// StopAuditIndexerForTest stops the background audit indexer, so that a
// test decides how far the index reaches (IndexAuditForTest).
func (s *Store) StopAuditIndexerForTest() { s.stopAuditIndexer() }

// IndexAuditForTest indexes up to most more events.
func (s *Store) IndexAuditForTest(most int64) (int64, error) {
	return s.indexAudit(context.Background(), most)
}

// AuditIndexedThroughForTest is the index mark: the last event whose keys
// are written.
func (s *Store) AuditIndexedThroughForTest() int64 {
	through, err := s.auditIndexedThrough(context.Background(), false)
	if err != nil {
		panic(err)
	}
	return through
}

// CountForTest runs a SELECT count(*) … and returns the count.
func (s *Store) CountForTest(query string) int64 {
	var n int64
	if err := s.conn(context.Background()).Raw(query).Scan(&n).Error; err != nil {
		panic(err)
	}
	return n
}

// The statements whose query plans the token index test checks.
var (
	RevokeFamilySQLForTest           = revokeFamilySQL
	CountLiveTokensOfGrantSQLForTest = countLiveTokensOfGrantSQL
)
