package models

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// The token epoch lets a process cache what tokens may do without asking the
// database on every request, and still see every change at once.
//
// Every transaction that may take power away from a token (a revocation, a
// narrowed grant, a disabled client, a changed membership, a revoked API
// key) increments a counter row in the same transaction. So does every
// change to a client or a user, which the record caches follow
// (record_cache.go).
// When it commits, the process that made it bumps its in-memory epoch
// before returning, so its own next request misses the cache. A cache entry is good only while
// the epoch it was read at is still current.
//
// Other processes (the CLI, other instances) learn of the change two ways.
// On PostgreSQL the same statement that moves the counter sends a
// notification, which PostgreSQL delivers when the transaction commits; every
// instance listens for it (epoch_notify.go) and moves its epoch on receipt,
// typically a millisecond after the commit. On both databases a background
// poller reads the counter every EpochPollEvery: on SQLite that is how other
// processes' changes are seen, on PostgreSQL it is the bound when a
// notification is missed (the listening connection dropped, or a pooler in
// between does not pass notifications on).

// EpochPollEvery bounds how long a change made by another process can go
// unnoticed by this one.
const EpochPollEvery = 200 * time.Millisecond

// epochChannel is the PostgreSQL notification channel of the token epoch;
// the payload is the counter's new value.
const epochChannel = "consentry_epoch"

// TokenEpoch is the single counter row.
type TokenEpoch struct {
	ID    int   `gorm:"primaryKey;autoIncrement:false"`
	Value int64 `gorm:"not null"`
}

const tokenEpochID = 1

// TableName is the table's name as GORM has always derived it, spelled out
// for the raw statement of tokensChanged.
func (TokenEpoch) TableName() string { return "token_epoches" }

// epoch is shared by a Store and the Stores of its transactions.
type epoch struct {
	local atomic.Uint64
	// directory is the record caches' epoch: it moves with the changes
	// this process makes to clients and users and with every change to the
	// counter row it observes (another process's, which may be to a client
	// or a user, or its own coming back through the poller or a
	// notification), but not when this process's own revocations commit, so
	// that revoking tokens does not empty the caches on every request.
	directory atomic.Uint64
	seen      atomic.Int64
	// poller is set on the epoch of a Store that Open returned.
	poller *backgroundLoop
}

// txState is one transaction's record of whether it changed token power,
// and of where it has taken the audit chain (see AppendAudit).
type txState struct {
	changed, directoryChanged bool
	audit                     *chainMove
}

// nested is the state a nested transaction starts from: nothing changed
// yet, the chain where its parent has taken it.
func (t *txState) nested() *txState {
	return &txState{audit: t.audit}
}

// merge adds a committed nested transaction's record to its parent's.
func (t *txState) merge(nested txState) {
	t.changed = t.changed || nested.changed
	t.directoryChanged = t.directoryChanged || nested.directoryChanged
	t.audit = nested.audit
}

// TokenEpoch is the current epoch. It only ever grows.
func (s *Store) TokenEpoch() uint64 { return s.epoch.local.Load() }

// tokensChanged records that the current change may take power away from
// tokens. Inside a transaction the counter row moves once, with the change;
// outside one it moves at once.
func (s *Store) tokensChanged(ctx context.Context) error {
	if s.tx != nil && s.tx.changed {
		return nil
	}
	// In a batch, a transaction that succeeded earlier in the same database
	// transaction moved the counter row already: whatever commits with it
	// commits with that move, and one move tells other processes all.
	if s.tx != nil && s.batch != nil && s.batch.epochMoved {
		s.tx.changed = true
		return nil
	}
	var err error
	if s.postgres() {
		// One statement, so that outside a transaction too the counter and
		// the notification go together; NOTIFY is delivered at commit.
		var sent int
		err = s.queryRowSQL(ctx, advanceEpochNotifySQL, []any{tokenEpochID, epochChannel}, &sent)
	} else {
		_, err = s.execSQL(ctx, advanceEpochSQL, tokenEpochID)
	}
	if err != nil {
		return fmt.Errorf("advance token epoch: %w", err)
	}
	if s.tx != nil {
		s.tx.changed = true
	} else {
		s.epoch.local.Add(1)
	}
	return nil
}

var (
	advanceEpochSQL       = hot(`UPDATE token_epoches SET value = value + 1 WHERE id = $1`)
	advanceEpochNotifySQL = hotPostgres(`WITH moved AS (UPDATE token_epoches SET value = value + 1 WHERE id = $1 RETURNING value)
		SELECT count(pg_notify($2, value::text)) FROM moved`)
)

// moveAll moves the token epoch and the directory epoch, for a change whose
// kind is unknown (another process's).
func (e *epoch) moveAll() {
	e.local.Add(1)
	e.directory.Add(1)
}

func (s *Store) ensureTokenEpoch(ctx context.Context) error {
	err := s.conn(ctx).Where(TokenEpoch{ID: tokenEpochID}).FirstOrCreate(&TokenEpoch{ID: tokenEpochID}).Error
	if err != nil {
		return fmt.Errorf("create token epoch: %w", translate(err))
	}
	return nil
}

// startEpochPoller watches the counter row for changes made by other
// processes.
func (s *Store) startEpochPoller(interval time.Duration) {
	s.epoch.poller = every(interval, func() { s.pollEpoch(context.Background()) })
}

// pollEpoch bumps the local epoch when the stored counter moved. A failed
// read changes nothing; the next tick tries again.
func (s *Store) pollEpoch(ctx context.Context) {
	var row TokenEpoch
	if err := s.conn(ctx).Where("id = ?", tokenEpochID).Take(&row).Error; err != nil {
		return
	}
	s.epoch.observe(row.Value)
}

// observe records a value of the stored counter, read by the poller or
// carried by a notification, and moves the local epoch when it differs from
// the last one seen. Any difference counts, not only a larger value: a
// database restored from a backup may count again from lower down. An
// overtaken value (a poll that read just before a notification arrived)
// costs at most an extra cache miss.
func (e *epoch) observe(value int64) {
	if old := e.seen.Swap(value); old != value {
		e.moveAll()
	}
}

func (s *Store) stopEpochPoller() {
	if s.epoch != nil {
		s.epoch.poller.halt()
	}
}
