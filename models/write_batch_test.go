package models

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
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

// epochRow is the value of the token epoch counter row.
func epochRow(t *testing.T, s *Store) int64 {
	t.Helper()
	var v int64
	if err := s.queryRowSQL(context.Background(), `SELECT value FROM token_epoches WHERE id = $1`, []any{tokenEpochID}, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// checkOutcomes checks that each job's InTx returned the error want names
// for it, and nil for the jobs want does not name.
func checkOutcomes(t *testing.T, jobs []*batchJob, want map[string]error) {
	t.Helper()
	for _, j := range jobs {
		if w := want[j.name]; !errors.Is(j.err, w) || (w == nil && j.err != nil) {
			t.Errorf("%s: InTx = %v, want %v", j.name, j.err, w)
		}
	}
}

// runQueued runs first alone and holds its batch open (its body waits)
// while the others queue behind it in order; then it lets everything run:
// the others commit as one batch, run by the goroutine of the first of them.
// It returns when every job's InTx has returned (or its goroutine ended).
func runQueued(t *testing.T, s *Store, first *batchJob, others []*batchJob) {
	t.Helper()
	runQueuedWithContexts(t, s, first, others, nil)
}

// runQueuedWithContexts is runQueued with the contexts some jobs' InTx is
// called with, by job name (context.Background for the others).
func runQueuedWithContexts(t *testing.T, s *Store, first *batchJob, others []*batchJob, contexts map[string]context.Context) {
	t.Helper()
	var wg sync.WaitGroup
	start := func(j *batchJob, fn func(ctx context.Context, tx *Store) error) {
		ctx := contexts[j.name]
		if ctx == nil {
			ctx = context.Background()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { j.panicked = recover() }()
			j.err = s.InTx(ctx, func(tx *Store) error { return fn(ctx, tx) })
			j.returned = true
		}()
	}
	queued := func(n int) bool {
		s.batches.mu.Lock()
		defer s.batches.mu.Unlock()
		return s.batches.leading && len(s.batches.queue) == n
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
	running, release := make(chan struct{}), make(chan struct{})
	start(first, func(ctx context.Context, tx *Store) error {
		close(running)
		<-release
		return first.fn(ctx, tx)
	})
	<-running
	for i, j := range others {
		start(j, j.fn)
		waitFor(j.name+" is queued", func() bool { return queued(i + 1) })
	}
	close(release)
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

func TestACancelledCallerFailsOnlyItsOwnTransaction(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	gone, cancelGone := context.WithCancel(ctx)
	cancelGone()
	// A body whose caller goes away midway: the driver would interrupt its
	// next statement, and SQLite would roll back the whole batch with it.
	midway, cancelMidway := context.WithCancel(ctx)
	defer cancelMidway()

	first := &batchJob{name: "first", fn: createUser("u1", "one@example.com")}
	others := []*batchJob{
		{name: "ok before", fn: createUser("u2", "two@example.com")},
		{name: "caller gone before it began", fn: func(_ context.Context, tx *Store) error {
			return createUser("u3", "three@example.com")(gone, tx)
		}},
		{name: "caller gone midway", fn: func(_ context.Context, tx *Store) error {
			cancelMidway()
			return createUser("u4", "four@example.com")(midway, tx)
		}},
		{name: "ok after", fn: createUser("u5", "five@example.com")},
	}
	// The jobs' own contexts: InTx is given gone for the third.
	runQueuedWithContexts(t, s, first, others, map[string]context.Context{"caller gone before it began": gone})

	for _, j := range append([]*batchJob{first}, others...) {
		want := error(nil)
		if j.name == "caller gone before it began" {
			want = context.Canceled
		}
		if !errors.Is(j.err, want) || (want == nil && j.err != nil) {
			t.Errorf("%s: InTx = %v, want %v", j.name, j.err, want)
		}
	}
	for id, want := range map[string]bool{"u1": true, "u2": true, "u3": false, "u4": true, "u5": true} {
		_, err := s.UserByID(ctx, id)
		if got := err == nil; got != want {
			t.Errorf("user %s stored = %v, want %v (err %v)", id, got, want, err)
		}
	}
}

func TestANestedTransactionRolledBackLeavesItsParentToMoveTheEpoch(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	row := func() int64 { return epochRow(t, s) }
	rowBefore, localBefore := row(), s.TokenEpoch()
	err := s.InTx(ctx, func(tx *Store) error {
		nestedErr := tx.InTx(ctx, func(nested *Store) error {
			if err := nested.tokensChanged(ctx); err != nil {
				return err
			}
			return errors.New("nested change abandoned")
		})
		if nestedErr == nil {
			t.Error("nested InTx succeeded")
		}
		return tx.tokensChanged(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := row(); got != rowBefore+1 {
		t.Errorf("epoch row %d → %d, want it moved once by the parent's own change", rowBefore, got)
	}
	if s.TokenEpoch() == localBefore {
		t.Error("the process's token epoch did not move")
	}
}

// The transactions of one batch move the token epoch counter row once:
// the first that succeeds moves it, those after it need not. One that moved
// it and then failed leaves it to the next.
func TestABatchMovesTheTokenEpochRowOnce(t *testing.T) {
	s, _ := openMigrated(t)
	row := func() int64 { return epochRow(t, s) }
	rowBefore, localBefore := row(), s.TokenEpoch()
	gaveUp := errors.New("gave up")
	moves := func(ctx context.Context, tx *Store) error { return tx.tokensChanged(ctx) }
	first := &batchJob{name: "first", fn: createUser("u1", "one@example.com")}
	others := []*batchJob{
		{name: "moves, then fails", fn: func(ctx context.Context, tx *Store) error {
			if err := tx.tokensChanged(ctx); err != nil {
				return err
			}
			return gaveUp
		}},
		{name: "moves", fn: moves},
		{name: "moves too", fn: moves},
	}
	runQueued(t, s, first, others)
	checkOutcomes(t, append([]*batchJob{first}, others...), map[string]error{"moves, then fails": gaveUp})
	if got := row(); got != rowBefore+1 {
		t.Errorf("epoch row %d → %d, want it moved once for the batch", rowBefore, got)
	}
	if s.TokenEpoch() == localBefore {
		t.Error("the process's token epoch did not move")
	}
}

// Transactions of one batch append to the audit chain after one another,
// each from the head the one before it left (carried by the batch: the head
// row is written once, before the commit); one that appended and then
// failed leaves no trace, nor does a nested transaction that failed, and
// the chain verifies.
func TestABatchKeepsTheAuditChainWhole(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	gaveUp := errors.New("gave up")
	appendEvent := func(action string) func(ctx context.Context, tx *Store) error {
		return func(ctx context.Context, tx *Store) error {
			_, err := tx.AppendAudit(ctx, Actor{Type: ActorSystem}, AuditRecord{Action: action}, time.Now())
			return err
		}
	}
	first := &batchJob{name: "first", fn: appendEvent("first")}
	others := []*batchJob{
		{name: "second", fn: appendEvent("second")},
		{name: "appends, then fails", fn: func(ctx context.Context, tx *Store) error {
			if err := appendEvent("rolled back")(ctx, tx); err != nil {
				return err
			}
			return gaveUp
		}},
		{name: "appends twice", fn: func(ctx context.Context, tx *Store) error {
			if err := appendEvent("third")(ctx, tx); err != nil {
				return err
			}
			return appendEvent("fourth")(ctx, tx)
		}},
		{name: "appends in a nested transaction", fn: func(ctx context.Context, tx *Store) error {
			return tx.InTx(ctx, func(nested *Store) error { return appendEvent("fifth")(ctx, nested) })
		}},
		{name: "appends around a nested transaction that fails", fn: func(ctx context.Context, tx *Store) error {
			if err := appendEvent("sixth")(ctx, tx); err != nil {
				return err
			}
			err := tx.InTx(ctx, func(nested *Store) error {
				if err := appendEvent("rolled back with its nested transaction")(ctx, nested); err != nil {
					return err
				}
				return gaveUp
			})
			if !errors.Is(err, gaveUp) {
				return fmt.Errorf("nested InTx = %v, want %v", err, gaveUp)
			}
			return appendEvent("seventh")(ctx, tx)
		}},
		{name: "last", fn: appendEvent("eighth")},
	}
	runQueued(t, s, first, others)
	checkOutcomes(t, append([]*batchJob{first}, others...), map[string]error{"appends, then fails": gaveUp})
	var actions []string
	if err := s.EachAuditEvent(ctx, time.Time{}, func(ev AuditEvent) error {
		actions = append(actions, ev.Action)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("audit events %v, want %v", actions, want)
	}
	// VerifyAudit also checks the head row, which the batch wrote once.
	if n, err := s.VerifyAudit(ctx); err != nil || n != int64(len(want)) {
		t.Errorf("VerifyAudit = %d, %v; want the %d events, unbroken", n, err, len(want))
	}
}

// A batch writes the audit chain head row once, before its commit. If the
// row is no longer where the batch read it (another writer extended the
// chain; here a statement of one of the transactions stands in for it),
// committing would fork the chain: every transaction of the batch fails,
// and none of their writes stays.
func TestABatchWhoseChainHeadMovedCommitsNothing(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	first := &batchJob{name: "first", fn: createUser("u1", "one@example.com")}
	others := []*batchJob{
		{name: "appends", fn: func(ctx context.Context, tx *Store) error {
			_, err := tx.AppendAudit(ctx, Actor{Type: ActorSystem}, AuditRecord{Action: "appended"}, time.Now())
			return err
		}},
		{name: "moves the head row", fn: func(ctx context.Context, tx *Store) error {
			_, err := tx.execSQL(ctx, `UPDATE audit_chain_heads SET last_event_id = last_event_id + 1`)
			return err
		}},
		{name: "creates a user", fn: createUser("u2", "two@example.com")},
	}
	runQueued(t, s, first, others)
	if first.err != nil {
		t.Errorf("first (a batch of its own): %v", first.err)
	}
	for _, j := range others {
		if j.err == nil || !strings.Contains(j.err.Error(), "moved concurrently") {
			t.Errorf("%s: InTx = %v, want the batch's chain head move refused", j.name, j.err)
		}
	}
	if _, err := s.UserByEmail(ctx, "two@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the user of a failed batch: %v, want ErrNotFound", err)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 0 {
		t.Errorf("VerifyAudit = %d, %v; want no event and the head where it was", n, err)
	}
}
