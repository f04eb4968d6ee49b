package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

var auditActor = models.Actor{Type: models.ActorUser, ID: "u1", IP: "192.0.2.1", UserAgent: "test"}

func appendEvents(t *testing.T, s *models.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		err := s.InTx(ctx, func(tx *models.Store) error {
			_, err := tx.AppendAudit(ctx, auditActor, models.AuditRecord{
				Action: "grant.created", SubjectUserID: "u1", ClientID: "c1", WorkspaceIDs: []string{"w2", "w1"},
				Details: map[string]any{"n": i},
			}, time.Now())
			return err
		})
		if err != nil {
			t.Fatalf("append event %d: %v", i, err)
		}
	}
}

func TestAuditChainVerifies(t *testing.T) {
	s := storetest.Open(t)
	n, err := s.VerifyAudit(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("empty chain: VerifyAudit() = %d, %v", n, err)
	}
	appendEvents(t, s, 25)
	if n, err := s.VerifyAudit(context.Background()); err != nil || n != 25 {
		t.Fatalf("VerifyAudit() = %d, %v, want 25, nil", n, err)
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
		wantAt int64
	}{
		{"edited action", "UPDATE audit_events SET action = 'grant.revoked' WHERE id = 4", 4},
		{"edited details", `UPDATE audit_events SET details = '{"n":99}' WHERE id = 7`, 7},
		{"edited time", "UPDATE audit_events SET occurred_at = '2020-01-01 00:00:00' WHERE id = 2", 2},
		{"deleted middle event", "DELETE FROM audit_events WHERE id = 5", 5},
		{"deleted newest event", "DELETE FROM audit_events WHERE id = 10", 10},
		{"rewritten hash", "UPDATE audit_events SET hash = prev_hash WHERE id = 3", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storetest.Open(t)
			appendEvents(t, s, 10)
			if err := s.ExecForTest(tt.tamper); err != nil {
				t.Fatal(err)
			}
			_, err := s.VerifyAudit(context.Background())
			var brk *models.ChainBreak
			if !errors.As(err, &brk) || !errors.Is(err, models.ErrChainBroken) {
				t.Fatalf("VerifyAudit() after %q = %v, want a *ChainBreak", tt.tamper, err)
			}
			if brk.EventID != tt.wantAt {
				t.Errorf("break reported at event %d, want %d (%s)", brk.EventID, tt.wantAt, brk.Reason)
			}
		})
	}
}

func TestAuditChainStaysOneChainUnderConcurrentWriters(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx, func(tx *models.Store) error {
				_, err := tx.AppendAudit(ctx, auditActor, models.AuditRecord{Action: fmt.Sprintf("test.%d", i)}, time.Now())
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent append: %v", err)
		}
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 40 {
		t.Fatalf("VerifyAudit() = %d, %v, want 40 events in one intact chain", n, err)
	}
}

func TestAuditEventRolledBackWithItsChange(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	boom := errors.New("change failed")
	err := s.InTx(ctx, func(tx *models.Store) error {
		if _, err := tx.AppendAudit(ctx, auditActor, models.AuditRecord{Action: "grant.revoked"}, time.Now()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	appendEvents(t, s, 1)
	if n, err := s.VerifyAudit(ctx); err != nil || n != 1 {
		t.Fatalf("VerifyAudit() = %d, %v: the rolled-back event must leave no trace", n, err)
	}
}

// A transaction writes the chain head row when it ends, from where it read
// it. If the row moved meanwhile (another writer extended the chain; here a
// tampering statement stands in for it), committing would fork the chain:
// the whole transaction fails and leaves nothing.
func TestAuditAppendFailsWhenTheChainHeadMovedMeanwhile(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	appendEvents(t, s, 1)
	err := s.InTx(ctx, func(tx *models.Store) error {
		if _, err := tx.AppendAudit(ctx, auditActor, models.AuditRecord{Action: "grant.revoked"}, time.Now()); err != nil {
			return err
		}
		return tx.ExecForTest("UPDATE audit_chain_heads SET last_event_id = last_event_id + 1")
	})
	if err == nil || !strings.Contains(err.Error(), "moved concurrently") {
		t.Fatalf("InTx = %v, want the chain head's move refused", err)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 1 {
		t.Fatalf("VerifyAudit() = %d, %v: the refused transaction must leave no trace", n, err)
	}
}

// Called outside a transaction, AppendAudit runs in one of its own: the
// event is appended and the head row moved with it.
func TestAuditAppendOutsideATransaction(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	appendEvents(t, s, 1)
	ev, err := s.AppendAudit(ctx, auditActor, models.AuditRecord{Action: "grant.revoked"}, time.Now())
	if err != nil || ev.ID != 2 {
		t.Fatalf("AppendAudit = event %d, %v; want event 2", ev.ID, err)
	}
	appendEvents(t, s, 1)
	if n, err := s.VerifyAudit(ctx); err != nil || n != 3 {
		t.Fatalf("VerifyAudit() = %d, %v, want 3 events in one intact chain", n, err)
	}
}

// An event about many workspaces (revoking an app granted 50) is indexed
// under every one of them, however many INSERTs that takes, and under no
// other.
func TestAuditEventIsFoundUnderEachOfItsWorkspaces(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	for _, n := range []int{1, 16, 17, 50} {
		var ws []string
		for i := range n {
			ws = append(ws, fmt.Sprintf("ws-%d-%02d", n, i))
		}
		var ev models.AuditEvent
		err := s.InTx(ctx, func(tx *models.Store) error {
			var err error
			ev, err = tx.AppendAudit(ctx, auditActor, models.AuditRecord{Action: "grant.revoked", WorkspaceIDs: ws}, time.Now())
			return err
		})
		if err != nil {
			t.Fatalf("%d workspaces: %v", n, err)
		}
		for _, w := range append(ws, fmt.Sprintf("ws-%d-none", n)) {
			page, _, err := s.AuditPage(ctx, models.AuditFilter{WorkspaceID: w})
			if err != nil {
				t.Fatal(err)
			}
			found := len(page) == 1 && page[0].ID == ev.ID
			if want := w != fmt.Sprintf("ws-%d-none", n); found != want {
				t.Errorf("%d workspaces: event found under %s = %v, want %v", n, w, found, want)
			}
		}
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}
