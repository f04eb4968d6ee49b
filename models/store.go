// Package models holds Consentry's persistent records and the store that reads
// and writes them. Every query on user- or workspace-owned rows takes the user
// or workspace explicitly, so tenant isolation is enforced where data is read.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Errors the store returns in place of driver errors, so callers never depend
// on GORM or on a particular database.
var (
	// ErrNotFound means the row asked for does not exist (or is not visible to
	// the user or workspace the query was scoped to).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a uniqueness rule would be broken.
	ErrConflict = errors.New("already exists")
)

// Store is the database behind Consentry. A Store obtained from InTx runs every
// call inside that transaction.
type Store struct {
	db *gorm.DB
	// writer is the SQLite connection write transactions run on, set on
	// the Store that Open returned; nil on PostgreSQL and inside a
	// transaction. See Open.
	writer *gorm.DB
	// checkpoints, janitor and auditIndexer are set on the Store that Open
	// returned (not on those of InTx): see checkpoint.go, janitor.go and
	// audit_index.go.
	checkpoints, janitor, auditIndexer *backgroundLoop
	// auditIndexCounts is what the audit indexer reports (AuditIndexStatus).
	auditIndexCounts *auditIndexCounters
	// epoch is shared with the Stores of transactions; tx is set on those
	// only: see epoch.go.
	epoch *epoch
	tx    *txState
	// prepared holds the hand-written statements of the pool s reads from
	// (sqlstmt.go); writePrepared those of the pool write transactions run
	// on, which a transaction's Store has as prepared. sqlTx is set inside a
	// transaction: the database/sql transaction under db.
	prepared, writePrepared *preparedStatements
	sqlTx                   *sql.Tx
	// detached is set on the Stores of a batch's transactions (and those
	// nested in them): see statementContext.
	detached bool
	// batch is set on the Stores of a batch's transactions: what the
	// batch's committed-so-far transactions have done (write_batch.go).
	batch *batchState
	// clients and users are set on the Store that Open returned (not on
	// those of InTx, which must see their own writes): see record_cache.go.
	clients     *recordCache[Client]
	users       *recordCache[User]
	memberships *recordCache[[]UserWorkspace]
	// pg is set on PostgreSQL only: see postgres.go.
	pg *pgState
	// writes is held on SQLite while a batch of write transactions runs
	// (batches queues them: write_batch.go) and while a checkpoint finishes
	// (checkpoint.go). Waiting here wakes the next writer at once, where
	// SQLite's busy handler would sleep 1, 2, 5, 10… ms.
	writes  *sync.Mutex
	batches *writeBatcher
	// writeCounts counts top-level transactions (WriteStats).
	writeCounts *writeCounters
}

// Open connects to the database named by dsn: a PostgreSQL URL
// (postgres://…) or key=value string, or else a SQLite file path (or "file:"
// URI).
//
// SQLite is opened in WAL mode with foreign keys on, a busy timeout and
// immediate write transactions, so concurrent writers queue instead of
// failing with upgrade deadlocks; checkpoints run in the background until
// Close. Write transactions run on one connection of their own: SQLite has
// one writer at a time anyway, and a connection that sees no other writer
// keeps its page cache across transactions, where each commit empties the
// caches of the others. Reads outside transactions use a pool. PostgreSQL is opened with a bounded pool and UTC sessions, and
// listens for token epoch changes made by other instances (postgres.go).
func Open(ctx context.Context, dsn string) (*Store, error) {
	if isPostgresDSN(dsn) {
		return openPostgres(ctx, dsn)
	}
	if isPrivateSQLite(dsn) {
		return nil, fmt.Errorf("open database %q: in-memory and temporary SQLite databases are not supported; use a file path", dsn)
	}
	readers, err := openSQLitePool(dsn, 8, readerPragmas)
	if err != nil {
		return nil, err
	}
	writer, err := openSQLitePool(dsn, 1, writerPragmas)
	if err != nil {
		_ = closeDB(readers)
		return nil, err
	}
	s := &Store{db: readers.WithContext(ctx), writer: writer.WithContext(ctx), epoch: &epoch{},
		clients: newRecordCache(cloneClient), users: newRecordCache(cloneUser),
		memberships: newRecordCache(cloneMemberships), writes: &sync.Mutex{}, batches: &writeBatcher{}, writeCounts: &writeCounters{}}
	if s.prepared, err = newPreparedStatements(readers); err == nil {
		s.writePrepared, err = newPreparedStatements(writer)
	}
	if err != nil {
		_ = s.closeConnections()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.closeConnections()
		return nil, fmt.Errorf("open database %q: %w", dsn, err)
	}
	s.startCheckpoints(checkpointEvery)
	s.startEpochPoller(EpochPollEvery)
	s.startJanitor(janitorEvery)
	s.startAuditIndexer(auditIndexEvery)
	return s, nil
}

// gormConfig is the same for both databases: driver errors translated,
// times written in UTC, and no implicit transaction around single writes.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		TranslateError:         true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		PrepareStmt:            true,
	}
}

// isPostgresDSN reports whether dsn names a PostgreSQL database, as a URL or
// in the key=value form, so that it is never taken for a SQLite file name (and
// a new, empty database created under that name).
func isPostgresDSN(dsn string) bool {
	lower := strings.ToLower(strings.TrimSpace(dsn))
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		return true
	}
	for _, field := range strings.Fields(lower) {
		if key, _, ok := strings.Cut(field, "="); ok && (key == "host" || key == "dbname" || key == "user") {
			return true
		}
	}
	return false
}

// isPrivateSQLite reports whether dsn names an in-memory or temporary SQLite
// database. SQLite gives each connection of the pool its own private one of
// those, so tables and rows would seem to come and go.
func isPrivateSQLite(dsn string) bool {
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	return path == "" || path == ":memory:"
}

// sqliteDSN turns a path into a mattn/go-sqlite3 DSN with the pragmas Consentry
// relies on. They are connection parameters (not PRAGMA statements) so that
// every pooled connection gets them.
func sqliteDSN(path string) string {
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_busy_timeout", "5000")
	params.Set("_foreign_keys", "on")
	params.Set("_synchronous", "NORMAL")
	params.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params.Encode()
}

// openSQLitePool opens a pool of at most size connections to the SQLite
// database at dsn, each set up with pragmas.
func openSQLitePool(dsn string, size int, pragmas []string) (*gorm.DB, error) {
	pool := sql.OpenDB(newSQLiteConnector(sqliteDSN(dsn), pragmas))
	pool.SetMaxOpenConns(size)
	pool.SetMaxIdleConns(size)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db, err := gorm.Open(sqlite.New(sqlite.Config{Conn: pool}), gormConfig())
	if err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("open database %q: %w", dsn, err)
	}
	return db, nil
}

// Close stops the background work (checkpoints, the janitor, the audit
// indexer, the epoch poller and listener) and releases the database
// connections; on SQLite, closing the last one checkpoints the WAL a final
// time.
func (s *Store) Close() error {
	s.stopCheckpoints()
	s.stopJanitor()
	s.stopAuditIndexer()
	s.stopEpochPoller()
	s.stopEpochListener()
	return s.closeConnections()
}

// closeConnections closes the pools: the writer first, so that the last
// connection closed is a reader, after every write.
func (s *Store) closeConnections() error {
	var errs []error
	if s.writer != nil {
		errs = append(errs, closeDB(s.writer))
	}
	errs = append(errs, closeDB(s.db))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// closeDB closes the pool behind db.
func closeDB(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// InTx runs fn in one database transaction: it commits when fn returns nil
// and rolls back otherwise.
// When the transaction changed what tokens may do, the process's token
// epoch moves on as soon as it commits (see epoch.go). A nested InTx hands
// its record to its parent when it commits. On SQLite, transactions that arrive together commit
// together (write_batch.go), each with its own outcome.
//
// fn must do all its reading and writing through tx: the write connection
// is the transaction's until it ends, so a write through s from inside fn
// waits for it forever, and a read through s does not see fn's writes.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.tx == nil && s.batches != nil {
		return s.inBatch(ctx, fn)
	}
	// A nested transaction records its changes apart and hands them to its
	// parent only if it commits: rolled back, its epoch increment is undone
	// too, and the parent must still make its own.
	state := &txState{}
	if s.tx != nil {
		state = s.tx.nested()
	}
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		txStore := &Store{db: tx, epoch: s.epoch, tx: state, prepared: s.prepared, sqlTx: sqlTxOf(tx), detached: s.detached}
		if err := fn(txStore); err != nil {
			return err
		}
		if s.tx == nil && state.audit != nil {
			return txStore.writeChainHead(ctx, state.audit)
		}
		return nil
	})
	if s.tx != nil {
		if err == nil {
			s.tx.merge(*state)
		}
		return err
	}
	s.writeCounts.record(1)
	if err == nil && state.changed {
		s.epoch.local.Add(1)
	}
	if err == nil && state.directoryChanged {
		s.epoch.directory.Add(1)
	}
	return err
}

// conn is the handle for one call, bound to ctx.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	return s.db.WithContext(s.statementContext(ctx))
}

// statementContext is the context a statement runs with. In a batch of
// write transactions (write_batch.go) it keeps ctx's values but not its
// cancellation: the driver interrupts a statement whose context ends, and an
// interrupted write makes SQLite roll back the whole transaction, which
// would fail every other caller's transaction of the batch. A transaction
// that has begun runs to its end; a caller whose context ended before it
// began is not run at all.
func (s *Store) statementContext(ctx context.Context) context.Context {
	if s.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// writeConn is the handle for a write made outside a transaction by a
// request path: on SQLite the write connection, so that writes never queue
// on SQLite's lock (whose busy handler sleeps) nor empty the write
// connection's page cache.
func (s *Store) writeConn(ctx context.Context) *gorm.DB {
	if s.tx == nil && s.writer != nil {
		return s.writer.WithContext(ctx)
	}
	return s.conn(ctx)
}

// translate maps driver errors onto the store's own errors, keeping the
// original in the chain for logs.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	default:
		return err
	}
}
