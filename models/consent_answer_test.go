package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

func answered(t *testing.T, store *models.Store, id string, expires time.Time) error {
	t.Helper()
	return store.InTx(context.Background(), func(tx *models.Store) error {
		return tx.RecordConsentAnswer(context.Background(), id, expires)
	})
}

// TestConsentAnswersAreRecordedOnce: the second answer to a request is a
// conflict, and the purge deletes exactly the answers whose requests have
// expired, after which nothing else changed.
func TestConsentAnswersAreRecordedOnce(t *testing.T) {
	ctx := context.Background()
	store := storetest.Open(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	answers := []struct {
		id      string
		expires time.Time
	}{
		{"01900000-0000-7000-8000-000000000001", now.Add(-time.Minute)},
		{"01900000-0000-7000-8000-000000000002", now},
		{"01900000-0000-7000-8000-000000000003", now.Add(time.Nanosecond * 1000)},
		{"01900000-0000-7000-8000-000000000004", now.Add(10 * time.Minute)},
	}
	for _, a := range answers {
		if err := answered(t, store, a.id, a.expires); err != nil {
			t.Fatalf("first answer to %s: %v", a.id, err)
		}
		if err := answered(t, store, a.id, a.expires.Add(time.Hour)); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second answer to %s = %v, want ErrConflict", a.id, err)
		}
	}
	n, err := store.PurgeConsentAnswers(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("purge = %d, %v; want the 2 answers expired by now", n, err)
	}
	for i, a := range answers {
		err := answered(t, store, a.id, a.expires)
		if purged := i < 2; purged != (err == nil) {
			t.Errorf("answer %s after the purge: record again = %v (purged: %v)", a.id, err, purged)
		}
	}
}
