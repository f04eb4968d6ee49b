package models

import "context"

// StopEpochPollerForTest stops the store's poller, so that a test sees
// what the PostgreSQL notifications alone do.
func (s *Store) StopEpochPollerForTest() { s.stopEpochPoller() }

// EpochListenerConnectsForTest counts the LISTENs that took effect.
func (s *Store) EpochListenerConnectsForTest() int64 {
	if s.pg == nil || s.pg.listener == nil {
		return 0
	}
	return s.pg.listener.connects.Load()
}

// EpochListenerPIDForTest is the server process of the listening
// connection, 0 when there is none, for tests that cut it.
func (s *Store) EpochListenerPIDForTest() uint32 {
	if s.pg == nil || s.pg.listener == nil {
		return 0
	}
	if c := s.pg.listener.conn.Load(); c != nil {
		return c.PgConn().PID()
	}
	return 0
}

// ScanForTest runs a raw query and scans its result into dest.
func (s *Store) ScanForTest(dest any, sql string, args ...any) error {
	return s.conn(context.Background()).Raw(sql, args...).Scan(dest).Error
}
