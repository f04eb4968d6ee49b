package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// Group commit. SQLite has one writer at a time, and on this workload the
// commit is the largest single cost of a write transaction: the WAL frames of
// every page it changed, written to the file. Transactions that arrive while
// another is running queue up, and the next of them to run takes the whole
// queue into one database transaction, each in a savepoint of its own. The
// pages they share (the ends of the audit log and of the token tables, the
// epoch row) are then written once per batch instead of once per request.
//
// Each caller still gets exactly its own outcome: a failure rolls back to
// its savepoint and is returned to it alone, the others go on. Every caller
// returns only after the commit, so nothing anyone wrote is visible to its
// own caller before it is durable in the WAL, as before. A failed commit
// fails every transaction of the batch. Alone in the queue, a transaction
// runs as it always did, without a savepoint.

// maxBatch bounds one batch, so that the first to arrive does not wait
// behind an unbounded number of others.
const maxBatch = 64

// writeBatcher queues one SQLite Store's write transactions.
type writeBatcher struct {
	mu      sync.Mutex
	queue   []*writeJob
	leading bool
}

// WriteStats counts a Store's top-level write transactions (InTx) and the
// database transactions they ran in: on SQLite fewer, when they arrived
// together; on PostgreSQL as many.
type WriteStats struct {
	Transactions, Batches uint64
}

// writeCounters is where a Store counts WriteStats.
type writeCounters struct {
	transactions, batches atomic.Uint64
}

func (c *writeCounters) record(transactions int) {
	c.transactions.Add(uint64(transactions))
	c.batches.Add(1)
}

// WriteStats reports the write transactions run so far.
func (s *Store) WriteStats() WriteStats {
	return WriteStats{Transactions: s.writeCounts.transactions.Load(), Batches: s.writeCounts.batches.Load()}
}

// batchState is what the transactions of a batch that have succeeded so
// far did, for those after them: their writes stand unless the whole batch
// fails, and then every one of them fails with it.
type batchState struct {
	// epochMoved says one of them moved the token epoch counter row, which
	// the batch's commit moves once for all (see tokensChanged).
	epochMoved bool
	// audit is where they have taken the audit chain (see AppendAudit),
	// nil when none appended an event; the batch writes the head row once,
	// before it commits.
	audit *chainMove
}

// writeJob is one caller's transaction.
type writeJob struct {
	ctx      context.Context
	fn       func(tx *Store) error
	state    txState
	err      error
	panicked any
	// wake tells a queued caller that its transaction is done (false) or
	// that it is to run the next batch (true).
	wake chan bool
}

// errBatchAborted is the error of the transactions of a batch whose runner
// never finished it.
var errBatchAborted = errors.New("write transaction abandoned: the batch it was in did not finish")

// inBatch runs fn as one transaction of the next batch and returns its
// outcome once that batch has committed or rolled back.
func (s *Store) inBatch(ctx context.Context, fn func(tx *Store) error) error {
	b := s.batches
	job := &writeJob{ctx: ctx, fn: fn, wake: make(chan bool, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, job)
	lead := !b.leading
	b.leading = true
	b.mu.Unlock()
	if !lead {
		lead = <-job.wake
	}
	if lead {
		s.runBatch()
	}
	if job.panicked != nil {
		panic(job.panicked)
	}
	return job.err
}

// runBatch takes the queue (up to maxBatch) and runs it as one transaction.
// The caller's own job is the first of it: only the first queued job is
// ever made to lead, and a job leaves the queue only in a batch. Then it
// hands the queue on to the first of those who arrived meanwhile and wakes
// the batch's other callers.
func (s *Store) runBatch() {
	b := s.batches
	// Let the requests that are ready run until they queue here too: with
	// one CPU, or all CPUs busy, they would otherwise wait for this batch
	// to finish before even reaching the queue, and every batch would hold
	// one transaction.
	runtime.Gosched()
	// The queue is taken once the write lock is ours, so that those who
	// arrive while a checkpoint holds it join this batch.
	s.writes.Lock()
	b.mu.Lock()
	n := min(len(b.queue), maxBatch)
	batch := slices.Clone(b.queue[:n])
	b.queue = slices.Delete(b.queue, 0, n)
	b.mu.Unlock()

	finished := false
	defer func() {
		// Runs also when a transaction's function ended this goroutine
		// (runtime.Goexit): nobody may be left waiting.
		s.writes.Unlock()
		if !finished {
			failAll(batch, errBatchAborted)
		}
		s.writeCounts.record(len(batch))
		b.mu.Lock()
		if len(b.queue) > 0 {
			b.queue[0].wake <- true
		} else {
			b.leading = false
		}
		b.mu.Unlock()
		for _, job := range batch[1:] {
			job.wake <- false
		}
	}()
	s.commitBatch(batch)
	finished = true
}

// commitBatch runs the jobs in one transaction on the write connection,
// whose lock the caller holds, and records each one's outcome in it.
func (s *Store) commitBatch(batch []*writeJob) {
	// The transaction belongs to no single request: none of their contexts
	// may end it (see statementContext).
	tx := s.writer.WithContext(context.Background()).Begin()
	if tx.Error != nil {
		failAll(batch, fmt.Errorf("begin transaction: %w", tx.Error))
		return
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	sqlTx := sqlTxOf(tx)
	savepoints := len(batch) > 1
	succeeded := 0
	state := &batchState{}
	for _, job := range batch {
		ok, err := s.runJob(tx, sqlTx, job, savepoints, state)
		if err != nil {
			failAll(batch, err)
			return
		}
		if ok {
			succeeded++
		}
	}
	if succeeded == 0 {
		return
	}
	if state.audit != nil {
		ctx := context.Background()
		if err := s.inBatchTx(tx.WithContext(ctx), sqlTx, &txState{}, state).writeChainHead(ctx, state.audit); err != nil {
			failAll(batch, err)
			return
		}
	}
	if err := tx.Commit().Error; err != nil {
		failAll(batch, err)
		return
	}
	committed = true
	var changed txState
	for _, job := range batch {
		if job.err == nil && job.panicked == nil {
			changed.merge(job.state)
		}
	}
	if changed.changed {
		s.epoch.local.Add(1)
	}
	if changed.directoryChanged {
		s.epoch.directory.Add(1)
	}
}

// runJob runs one job inside the batch's transaction, in a savepoint when
// others share it, and reports whether it succeeded. A job that fails or
// panics leaves nothing behind: its savepoint is rolled back (alone in the
// batch, the whole transaction is). An error from the savepoint statements
// themselves leaves the transaction in an unknown state: runJob returns it,
// and the batch is not committed.
func (s *Store) runJob(tx *gorm.DB, sqlTx *sql.Tx, job *writeJob, savepoint bool, batch *batchState) (ok bool, err error) {
	if job.err = job.ctx.Err(); job.err != nil {
		return false, nil // its caller gave up before it began
	}
	ctx := context.WithoutCancel(job.ctx)
	job.state.audit = batch.audit
	jobTx := s.inBatchTx(tx.WithContext(ctx), sqlTx, &job.state, batch)
	if savepoint {
		if _, err := jobTx.execSQL(ctx, savepointSQL); err != nil {
			return false, fmt.Errorf("begin savepoint: %w", err)
		}
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				job.panicked = r
			}
		}()
		job.err = job.fn(jobTx)
	}()
	ok = job.err == nil && job.panicked == nil
	if ok && job.state.changed {
		batch.epochMoved = true
	}
	if ok {
		batch.audit = job.state.audit
	}
	if !savepoint {
		return ok, nil
	}
	if !ok {
		if _, err := jobTx.execSQL(ctx, rollbackToSavepointSQL); err != nil {
			return false, fmt.Errorf("roll back savepoint: %w", err)
		}
	}
	if _, err := jobTx.execSQL(ctx, releaseSavepointSQL); err != nil {
		return false, fmt.Errorf("release savepoint: %w", err)
	}
	return ok, nil
}

// inBatchTx is the Store that runs statements in a batch's transaction,
// recording what they change in state.
func (s *Store) inBatchTx(tx *gorm.DB, sqlTx *sql.Tx, state *txState, batch *batchState) *Store {
	return &Store{db: tx, epoch: s.epoch, tx: state, prepared: s.writePrepared, sqlTx: sqlTx, detached: true, batch: batch}
}

// The savepoint statements, prepared once like the other hot statements:
// they run two or three times per transaction of a batch.
var (
	savepointSQL           = hotSQLite(`SAVEPOINT batch_job`)
	rollbackToSavepointSQL = hotSQLite(`ROLLBACK TO batch_job`)
	releaseSavepointSQL    = hotSQLite(`RELEASE batch_job`)
)

// failAll gives every job of a batch the same error, except those that
// already failed on their own.
func failAll(batch []*writeJob, err error) {
	for _, job := range batch {
		if job.err == nil && job.panicked == nil {
			job.err = err
		}
	}
}
