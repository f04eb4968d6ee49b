package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// The audit log's filters by person, app and action are answered from
// audit_event_keys, written behind the log rather than with each event.
//
// An event's keys are "user:" and its subject, "user:" and its actor when
// the actor is another person, "client:" and its app, and "action:" and its
// action; the table is ordered by key and then event id, so a filter reads
// its events newest first without sorting. A background indexer adds the
// keys of the events appended since its last run in one write transaction,
// and moves audit_index_marks.indexed_through to the last event it indexed.
//
// Appending an event then writes its row, its workspaces' rows (the tenant
// boundary, always written with the event) and the time index, and no
// index by person, app or action. Those were one b-tree page each per
// commit, and on the hottest audited write, token revocation, they cost a
// fifth of its time. The indexer writes the same keys hundreds of events at
// a time, a few pages for all of them.
//
// Reads are exact whatever the indexer's lag: the events after
// indexed_through, at most a few hundred while the indexer keeps up, are
// read from their rows (auditPageIDs). Event ids commit in order (the chain
// head serialises appends), so the indexed events are always a prefix of
// the log.

// auditIndexEvery is how often the indexer looks for new events: the most
// events a filtered read finds by their rows is what the server appends in
// this time.
const auditIndexEvery = 100 * time.Millisecond

// auditIndexBatch bounds the events one indexer transaction indexes, so that
// catching up on a long log holds the write lock in short turns: at one
// batch a run, the indexer keeps up with 50,000 events a second.
const auditIndexBatch = 5000

// auditIndexMarkID is the id of the single row of audit_index_marks.
const auditIndexMarkID = 1

// AuditEventKey files an event under one key (see above).
type AuditEventKey struct {
	Key     string `gorm:"primaryKey;size:300"`
	EventID int64  `gorm:"primaryKey;autoIncrement:false"`
}

// AuditIndexMark is the single row that says how far the keys reach: every
// event with an id up to IndexedThrough has its keys, and none after it.
type AuditIndexMark struct {
	ID             int   `gorm:"primaryKey;autoIncrement:false"`
	IndexedThrough int64 `gorm:"not null"`
}

// The prefixes of the keys, for the indexer's SQL and the reads'.
const (
	auditUserKey   = "user:"
	auditClientKey = "client:"
	auditActionKey = "action:"
)

// auditFilterKey is the key a filter reads through: the person, else the
// app, else the action; "" when it names none of them, or names a
// workspace, whose own rows (written with each event) are read instead. The
// other filters are checked on each event found.
func auditFilterKey(f AuditFilter) string {
	switch {
	case f.WorkspaceID != "":
		return ""
	case f.UserID != "":
		return auditUserKey + f.UserID
	case f.ClientID != "":
		return auditClientKey + f.ClientID
	case f.Action != "":
		return auditActionKey + f.Action
	}
	return ""
}

// The indexer's statements. insertAuditKeysSQL writes the keys of the
// events with ids in ($1, $2], in key order; it is also how schema step 8
// indexed the log it found.
var (
	auditIndexMarkSQL          = hot(`SELECT indexed_through FROM audit_index_marks WHERE id = $1`)
	auditIndexMarkForUpdateSQL = hotPostgres(`SELECT indexed_through FROM audit_index_marks WHERE id = $1 FOR UPDATE`)
	lastAuditEventIDSQL        = hot(`SELECT COALESCE(MAX(id), 0) FROM audit_events`)
	insertAuditKeysSQL         = hot(`INSERT INTO audit_event_keys (key, event_id)
		SELECT key, id FROM (
			SELECT '` + auditUserKey + `' || subject_user_id AS key, id FROM audit_events
				WHERE id > $1 AND id <= $2 AND subject_user_id <> ''
			UNION ALL
			SELECT '` + auditUserKey + `' || actor_id, id FROM audit_events
				WHERE id > $1 AND id <= $2 AND actor_type = '` + ActorUser + `' AND actor_id <> '' AND actor_id <> subject_user_id
			UNION ALL
			SELECT '` + auditClientKey + `' || client_id, id FROM audit_events
				WHERE id > $1 AND id <= $2 AND client_id <> ''
			UNION ALL
			SELECT '` + auditActionKey + `' || action, id FROM audit_events
				WHERE id > $1 AND id <= $2
		) AS keys ORDER BY key, id`)
	moveAuditIndexMarkSQL = hot(`UPDATE audit_index_marks SET indexed_through = $1 WHERE id = $2 AND indexed_through = $3`)
)

// auditIndexedThrough is the id of the last event whose keys are written.
// An indexer reads it to move it (forUpdate, in its transaction): on
// PostgreSQL, indexers on several instances then take turns on the row.
func (s *Store) auditIndexedThrough(ctx context.Context, forUpdate bool) (int64, error) {
	query := auditIndexMarkSQL
	if forUpdate && s.postgres() {
		query = auditIndexMarkForUpdateSQL
	}
	var through int64
	if err := s.queryRowSQL(ctx, query, []any{auditIndexMarkID}, &through); err != nil {
		return 0, fmt.Errorf("read audit index mark: %w", err)
	}
	return through, nil
}

// IndexAudit writes the keys of up to auditIndexBatch events appended since
// the last call, in one transaction, and reports how many it indexed.
func (s *Store) IndexAudit(ctx context.Context) (int64, error) {
	return s.indexAudit(ctx, auditIndexBatch)
}

// indexAudit is IndexAudit for up to most events.
func (s *Store) indexAudit(ctx context.Context, most int64) (int64, error) {
	var indexed int64
	err := s.InTx(ctx, func(tx *Store) (err error) {
		indexed, err = tx.indexAuditInTx(ctx, most)
		return err
	})
	return indexed, err
}

// indexAuditInTx writes the keys of up to most events after the mark, and
// moves the mark, in the caller's transaction.
func (s *Store) indexAuditInTx(ctx context.Context, most int64) (int64, error) {
	through, err := s.auditIndexedThrough(ctx, true)
	if err != nil {
		return 0, err
	}
	last, err := s.lastAuditEventID(ctx)
	if err != nil || last <= through {
		return 0, err
	}
	upTo := last
	if last-through > most {
		upTo = through + most
	}
	if _, err := s.execSQL(ctx, insertAuditKeysSQL, through, upTo); err != nil {
		return 0, fmt.Errorf("index audit events %d-%d: %w", through+1, upTo, err)
	}
	n, err := s.execSQL(ctx, moveAuditIndexMarkSQL, upTo, auditIndexMarkID, through)
	if err != nil {
		return 0, fmt.Errorf("move audit index mark: %w", err)
	}
	if n != 1 {
		return 0, errors.New("move audit index mark: it moved concurrently")
	}
	return upTo - through, nil
}

// lastAuditEventID is the id of the newest event (0 for none).
func (s *Store) lastAuditEventID(ctx context.Context) (int64, error) {
	var last int64
	if err := s.queryRowSQL(ctx, lastAuditEventIDSQL, nil, &last); err != nil {
		return 0, fmt.Errorf("read the last audit event id: %w", err)
	}
	return last, nil
}

// IndexAllAudit indexes every event appended so far, a batch per
// transaction.
func (s *Store) IndexAllAudit(ctx context.Context) error {
	for {
		n, err := s.IndexAudit(ctx)
		if err != nil {
			return err
		}
		if n < auditIndexBatch {
			return nil
		}
	}
}

// AuditIndexStatus is how the background indexer is doing, for /metrics.
type AuditIndexStatus struct {
	// Behind is how many events were left for later runs at the end of
	// the last run: reads find them from their rows meanwhile.
	Behind int64
	// Failures counts the runs whose transaction failed.
	Failures uint64
}

// auditIndexCounters is where the indexer records an AuditIndexStatus.
type auditIndexCounters struct {
	behind   atomic.Int64
	failures atomic.Uint64
}

// AuditIndexStatus reports the background indexer's last run.
func (s *Store) AuditIndexStatus() AuditIndexStatus {
	if s.auditIndexCounts == nil {
		return AuditIndexStatus{}
	}
	return AuditIndexStatus{Behind: s.auditIndexCounts.behind.Load(), Failures: s.auditIndexCounts.failures.Load()}
}

// startAuditIndexer indexes new events every interval until
// stopAuditIndexer, one transaction of up to auditIndexBatch events a run
// (a long log is caught up with in short turns of the write lock, and
// stopping never waits for more than one). It opens a write transaction
// only when there is something to index. A run that cannot read the mark
// (before the schema has its tables, say) does nothing; one whose
// transaction fails changes nothing and is counted, and the next tries
// again.
func (s *Store) startAuditIndexer(interval time.Duration) {
	counts := &auditIndexCounters{}
	s.auditIndexCounts = counts
	s.auditIndexer = every(interval, func() {
		ctx := context.Background()
		through, err := s.auditIndexedThrough(ctx, false)
		if err != nil {
			return
		}
		last, err := s.lastAuditEventID(ctx)
		if err != nil || last <= through {
			counts.behind.Store(0)
			return
		}
		n, err := s.IndexAudit(ctx)
		if err != nil {
			counts.failures.Add(1)
		}
		counts.behind.Store(last - through - n)
	})
}

// stopAuditIndexer ends the indexer and waits for a run under way.
func (s *Store) stopAuditIndexer() { s.auditIndexer.halt() }

// createAuditIndex is schema step 8: the keys and their mark, the keys of
// the events already in the log, and the indexes by person, app and action
// dropped.
func (s *Store) createAuditIndex(ctx context.Context) error {
	if err := s.conn(ctx).AutoMigrate(&AuditEventKey{}, &AuditIndexMark{}); err != nil {
		return err
	}
	if !s.postgres() {
		if err := s.rebuildWithoutRowID(ctx, "audit_event_keys"); err != nil {
			return err
		}
	}
	if err := s.conn(ctx).Exec(`INSERT INTO audit_index_marks (id, indexed_through) VALUES (?, 0)
		ON CONFLICT (id) DO NOTHING`, auditIndexMarkID).Error; err != nil {
		return err
	}
	// In one statement, not the indexer's batches: each would be a nested
	// transaction, a savepoint (on PostgreSQL, a subtransaction) of its own.
	if _, err := s.indexAuditInTx(ctx, math.MaxInt64); err != nil {
		return err
	}
	for _, index := range []string{"idx_audit_events_actor_id", "idx_audit_events_subject_user_id",
		"idx_audit_events_client_id", "idx_audit_events_action"} {
		if err := s.conn(ctx).Exec("DROP INDEX IF EXISTS " + index).Error; err != nil {
			return err
		}
	}
	return nil
}
