package models

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// batchJob is one concurrent InTx of a test: what it does inside the
// transaction, and what it got back.
type batchJob struct {
	name     string
	fn       func(ctx context.Context, tx *Store) error
	err      error
	panicked any
	returned bool
}

// createUser is a transaction body that adds one user.
func createUser(id, email string) func(ctx context.Context, tx *Store) error {
	return func(ctx context.Context, tx *Store) error {
		return tx.CreateUser(ctx, &User{ID: id, Email: email, Name: id, PasswordHash: "x"})
	}
}

// runQueued runs first alone, waits until it holds the batch (blocked on
// the write lock the test holds), queues the others behind it in order, and
// then lets everything run: the others commit as one batch, run by the
// goroutine of the first of them. It returns when every
// job's InTx has returned (or its goroutine ended).
func runQueued(t *testing.T, s *Store, first *batchJob, others []*batchJob) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	start := func(j *batchJob) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { j.panicked = recover() }()
			j.err = s.InTx(ctx, func(tx *Store) error { return j.fn(ctx, tx) })
			j.returned = true
		}()
	}
	queued := func(leading bool, n int) bool {
		s.batches.mu.Lock()
		defer s.batches.mu.Unlock()
		return s.batches.leading == leading && len(s.batches.queue) == n
	}
	waitFor := func(what string, cond func() bool) {
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	s.writes.Lock()
	start(first)
	waitFor("the first transaction leads", func() bool { return queued(true, 0) })
	for i, j := range others {
		start(j)
		waitFor(j.name+" is queued", func() bool { return queued(true, i+1) })
	}
	s.writes.Unlock()
	wg.Wait()
}

func TestWriteTransactionsThatArriveTogetherCommitTogether(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	before := s.WriteStats()
	epochBefore := s.TokenEpoch()
	changedMind := errors.New("changed my mind")
	first := &batchJob{name: "first", fn: createUser("u1", "one@example.com")}
	others := []*batchJob{
		{name: "ok", fn: createUser("u2", "two@example.com")},
		{name: "fails after writing", fn: func(ctx context.Context, tx *Store) error {
			if err := createUser("u3", "three@example.com")(ctx, tx); err != nil {
				return err
			}
			if err := tx.tokensChanged(ctx); err != nil {
				return err
			}
			return changedMind
		}},
		{name: "conflicts with one earlier in the batch", fn: createUser("u4", "TWO@example.com")},
		{name: "panics after writing", fn: func(ctx context.Context, tx *Store) error {
			if err := createUser("u5", "five@example.com")(ctx, tx); err != nil {
				return err
			}
			panic("boom")
		}},
		{name: "ok after the failures, sees the batch's writes", fn: func(ctx context.Context, tx *Store) error {
			if _, err := tx.UserByID(ctx, "u2"); err != nil {
				return fmt.Errorf("u2 written earlier in the batch: %w", err)
			}
			if _, err := tx.UserByID(ctx, "u3"); !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("u3 was rolled back, got %v", err)
			}
			return createUser("u6", "six@example.com")(ctx, tx)
		}},
	}
	runQueued(t, s, first, others)

	wantErr := map[string]error{"fails after writing": changedMind, "conflicts with one earlier in the batch": ErrConflict}
	for _, j := range append([]*batchJob{first}, others...) {
		switch {
		case j.name == "panics after writing":
			if j.panicked != "boom" {
				t.Errorf("%s: InTx panicked with %v, want the transaction's own panic", j.name, j.panicked)
			}
		case j.panicked != nil:
			t.Errorf("%s: panicked: %v", j.name, j.panicked)
		case !errors.Is(j.err, wantErr[j.name]) || (wantErr[j.name] == nil && j.err != nil):
			t.Errorf("%s: InTx = %v, want %v", j.name, j.err, wantErr[j.name])
		}
	}
	for id, want := range map[string]bool{"u1": true, "u2": true, "u3": false, "u4": false, "u5": false, "u6": true} {
		_, err := s.UserByID(ctx, id)
		if got := err == nil; got != want {
			t.Errorf("user %s stored = %v, want %v (err %v)", id, got, want, err)
		}
	}
	after := s.WriteStats()
	if got := after.Transactions - before.Transactions; got != 6 {
		t.Errorf("write transactions counted: %d, want 6", got)
	}
	if got := after.Batches - before.Batches; got != 2 {
		t.Errorf("database transactions: %d, want 2 (the first alone, then the five queued behind it)", got)
	}
	// Only the rolled-back transaction changed token power.
	if s.TokenEpoch() != epochBefore {
		t.Errorf("token epoch moved from %d to %d for a rolled-back change", epochBefore, s.TokenEpoch())
	}
}

func TestAWriteBatchWhoseRunnerExitsReleasesEveryone(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	// The goroutine running the batch is that of the first queued job; a
	// later job's body ends it (as t.FailNow would). Nobody else may be
	// left waiting, nothing of the batch may be committed, and the store
	// must go on working.
	first := &batchJob{name: "first", fn: createUser("u1", "one@example.com")}
	others := []*batchJob{
		{name: "runner", fn: createUser("u2", "two@example.com")},
		{name: "exits", fn: func(context.Context, *Store) error { runtime.Goexit(); return nil }},
		{name: "after", fn: createUser("u3", "three@example.com")},
	}
	runQueued(t, s, first, others)
	if first.err != nil {
		t.Errorf("first: %v", first.err)
	}
	if others[0].returned {
		t.Errorf("the runner's InTx returned %v; its goroutine was to end", others[0].err)
	}
	for _, j := range others[1:] {
		if !j.returned || !errors.Is(j.err, errBatchAborted) {
			t.Errorf("%s: returned %v, InTx = %v, want %v", j.name, j.returned, j.err, errBatchAborted)
		}
	}
	for id, want := range map[string]bool{"u1": true, "u2": false, "u3": false} {
		_, err := s.UserByID(ctx, id)
		if got := err == nil; got != want {
			t.Errorf("user %s stored = %v, want %v (err %v)", id, got, want, err)
		}
	}
	if err := s.InTx(ctx, func(tx *Store) error { return createUser("u4", "four@example.com")(ctx, tx) }); err != nil {
		t.Fatalf("write after the abandoned batch: %v", err)
	}
}
