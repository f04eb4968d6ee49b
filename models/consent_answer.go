package models

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ConsentAnswer records that the consent request with this id was answered.
// The consent form carries its request signed by the server (app/grants)
// rather than as a row written when the screen is shown; the answer is the
// one row, written with the decision, that makes a request answerable once.
// It is needed only until the request itself expires, after which the
// janitor deletes it.
type ConsentAnswer struct {
	RequestID string    `gorm:"primaryKey;size:36"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

var (
	insertConsentAnswerSQL = hot(`INSERT INTO consent_answers (request_id, expires_at) VALUES ($1, $2)`)
	purgeConsentAnswersSQL = hot(`DELETE FROM consent_answers WHERE expires_at <= $1`)
)

// RecordConsentAnswer records the answer to request id, which stays
// answerable until expiresAt. A request answered before is ErrConflict.
// Call it in the transaction that carries out the decision, so that the
// decision and its record commit together.
func (s *Store) RecordConsentAnswer(ctx context.Context, id string, expiresAt time.Time) error {
	if _, err := s.execSQL(ctx, insertConsentAnswerSQL, id, expiresAt.UTC()); err != nil {
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("record consent answer: request %q: %w", id, ErrConflict)
		}
		return fmt.Errorf("record consent answer: %w", err)
	}
	return nil
}

// PurgeConsentAnswers deletes the answers to requests expired by now and
// reports how many it deleted: an expired request is refused for its age
// whether or not it was answered.
func (s *Store) PurgeConsentAnswers(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		n, err = tx.execSQL(ctx, purgeConsentAnswersSQL, now.UTC())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge consent answers: %w", err)
	}
	return n, nil
}
