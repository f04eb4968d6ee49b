package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"

	"gorm.io/gorm"
)

// The statements of the hottest request paths (issuing, refreshing,
// revoking and reading tokens and codes, the audit chain) are written in SQL
// and run as prepared statements, each prepared once per connection. The
// profile put a third of the server's CPU on those paths in GORM: it builds
// every statement by reflection, and its prepared-statement cache prepares
// anew in every transaction (it binds statements to the transaction that
// first ran them). The SQL uses $n placeholders, which PostgreSQL and SQLite
// both read.

// hotQueries are the hand-written statements, registered by hot where they
// are declared, so that Migrate can prepare them all up front (prepareAll);
// hotPostgresQueries and hotSQLiteQueries those that only one database runs
// (and the other could not prepare).
var hotQueries, hotPostgresQueries, hotSQLiteQueries []string

// hot registers query as a hand-written statement and returns it.
func hot(query string) string {
	hotQueries = append(hotQueries, query)
	return query
}

// hotPostgres registers a statement for PostgreSQL only.
func hotPostgres(query string) string {
	hotPostgresQueries = append(hotPostgresQueries, query)
	return query
}

// hotSQLite registers a statement for SQLite only.
func hotSQLite(query string) string {
	hotSQLiteQueries = append(hotSQLiteQueries, query)
	return query
}

// preparedStatements prepares each query once on a pool and keeps it;
// database/sql prepares it again on each connection of the pool as needed.
type preparedStatements struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newPreparedStatements(db *gorm.DB) (*preparedStatements, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("prepared statements: %w", err)
	}
	return &preparedStatements{db: sqlDB, stmts: map[string]*sql.Stmt{}}, nil
}

// prepareAll prepares every hot query (once the tables exist). A statement
// first needed inside a transaction could not be prepared on the pool
// then: the write pool's one connection is the transaction's.
func (p *preparedStatements) prepareAll(ctx context.Context, queries []string) error {
	for _, q := range queries {
		if _, err := p.prepare(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// get returns the prepared statement of query, bound to tx if not nil. One
// not prepared yet is prepared on the pool, or inside a transaction on the
// transaction alone (and closed with it).
func (p *preparedStatements) get(ctx context.Context, query string, tx *sql.Tx) (*sql.Stmt, error) {
	p.mu.RLock()
	st := p.stmts[query]
	p.mu.RUnlock()
	switch {
	case st != nil && tx != nil:
		return tx.StmtContext(ctx, st), nil
	case st != nil:
		return st, nil
	case tx != nil:
		st, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("prepare %q: %w", query, err)
		}
		return st, nil
	}
	return p.prepare(ctx, query)
}

// prepare prepares query on the pool and keeps it. The queries are
// constants of this package, so the map stays small.
func (p *preparedStatements) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	// Not under the lock: preparing may wait for a connection (the write
	// pool has one), and whoever holds it may need the lock meanwhile.
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if kept := p.stmts[query]; kept != nil {
		_ = st.Close() // another caller prepared it first
		return kept, nil
	}
	p.stmts[query] = st
	return st, nil
}

// sqlTxOf is the database/sql transaction under a GORM transaction.
func sqlTxOf(db *gorm.DB) *sql.Tx {
	switch pool := db.Statement.ConnPool.(type) {
	case *sql.Tx:
		return pool
	case *gorm.PreparedStmtTX:
		if tx, ok := pool.Tx.(*sql.Tx); ok {
			return tx
		}
	}
	return nil
}

// stmt is query's prepared statement, bound to s's transaction if it has one.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	return s.prepared.get(ctx, query, s.sqlTx)
}

// prepareHotStatements prepares the hand-written statements on the pools.
func (s *Store) prepareHotStatements(ctx context.Context) error {
	only := hotSQLiteQueries
	if s.postgres() {
		only = hotPostgresQueries
	}
	queries := append(slices.Clone(hotQueries), only...)
	if err := s.prepared.prepareAll(ctx, queries); err != nil {
		return err
	}
	if s.writePrepared != s.prepared {
		return s.writePrepared.prepareAll(ctx, queries)
	}
	return nil
}

// execSQL runs a prepared statement that returns no rows and reports how
// many rows it changed. Outside a transaction it runs on the write pool (see
// writeConn).
func (s *Store) execSQL(ctx context.Context, query string, args ...any) (int64, error) {
	ctx = s.statementContext(ctx)
	prepared := s.prepared
	if s.tx == nil {
		prepared = s.writePrepared
	}
	st, err := prepared.get(ctx, query, s.sqlTx)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, translateSQL(s.db, err)
	}
	return res.RowsAffected()
}

// queryRowSQL runs a prepared statement for one row and scans it into dest;
// no row is ErrNotFound.
func (s *Store) queryRowSQL(ctx context.Context, query string, args []any, dest ...any) error {
	ctx = s.statementContext(ctx)
	st, err := s.stmt(ctx, query)
	if err != nil {
		return err
	}
	return translateSQL(s.db, st.QueryRowContext(ctx, args...).Scan(dest...))
}

// queryStringsSQL runs a prepared statement that returns one text column.
func (s *Store) queryStringsSQL(ctx context.Context, query string, args ...any) ([]string, error) {
	out := []string{}
	err := s.queryRowsSQL(ctx, query, args, func(rows *sql.Rows) error {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// queryRowsSQL runs a prepared statement and calls scan on each row.
func (s *Store) queryRowsSQL(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	ctx = s.statementContext(ctx)
	st, err := s.stmt(ctx, query)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return translateSQL(s.db, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// translateSQL maps a database/sql or driver error onto the store's errors,
// as GORM's error translation does for statements that go through GORM.
func translateSQL(db *gorm.DB, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	}
	if t, ok := db.Dialector.(gorm.ErrorTranslator); ok {
		return translate(t.Translate(err))
	}
	return err
}
