package models

import (
	"context"
	"time"
)

// janitorEvery is how often a Store deletes rows nothing needs any more.
const janitorEvery = time.Minute

// consentAnswerGrace is how long past its request's expiry an answer is
// kept. Decide checks the expiry on its own clock before its transaction
// records the answer; without the grace, a janitor (on any instance, on its
// own clock) could delete the first answer between a replay's check and
// its insert, and the request would be answered twice.
const consentAnswerGrace = time.Hour

// startJanitor deletes the consent answers expired for longer than
// consentAnswerGrace, every interval until stopJanitor. Every instance
// sharing a database runs one; their deletes are idempotent.
func (s *Store) startJanitor(interval time.Duration) {
	s.janitor = every(interval, func() {
		// A failed purge (before Migrate has made the table, or a busy
		// database) leaves the rows for the next tick: expired answers are
		// never read, only kept.
		_, _ = s.PurgeConsentAnswers(context.Background(), time.Now().Add(-consentAnswerGrace))
	})
}

// stopJanitor ends the janitor and waits for a purge under way.
func (s *Store) stopJanitor() { s.janitor.halt() }
