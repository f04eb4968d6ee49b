package models

import (
	"context"
	"time"
)

// janitorEvery is how often a Store deletes rows nothing needs any more.
const janitorEvery = time.Minute

// startJanitor deletes expired consent answers every interval until
// stopJanitor. Every instance sharing a database runs one; their deletes
// are idempotent.
func (s *Store) startJanitor(interval time.Duration) {
	s.janitor = every(interval, func() {
		// A failed purge (before Migrate has made the table, or a busy
		// database) leaves the rows for the next tick: expired answers are
		// never read, only kept.
		_, _ = s.PurgeConsentAnswers(context.Background(), time.Now())
	})
}

// stopJanitor ends the janitor and waits for a purge under way.
func (s *Store) stopJanitor() { s.janitor.halt() }
