package models

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// PostgreSQL is for deployments that outgrow one machine: several instances
// behind a load balancer share one database. What differs from SQLite is
// kept here and in the few places that ask s.postgres(): the connection pool,
// the session time zone, migrations under an advisory lock (migrate.go) and
// token epoch notifications (epoch_notify.go).

// Pool defaults for PostgreSQL. Each instance holds at most
// DefaultPostgresMaxConns connections plus one for epoch notifications
// (and, while it migrates, one for the migration lock), so ten instances
// stay well inside PostgreSQL's default max_connections of 100.
const (
	DefaultPostgresMaxConns        = 10
	DefaultPostgresMaxConnIdleTime = 5 * time.Minute
	DefaultPostgresMaxConnLifetime = 30 * time.Minute
)

// poolParams are the DSN parameters that set the pool rather than the
// connection. They are pgxpool's names, which PostgreSQL users may know;
// they are taken out before the rest reaches the server.
const (
	paramMaxConns        = "pool_max_conns"
	paramMaxConnIdleTime = "pool_max_conn_idle_time"
	paramMaxConnLifetime = "pool_max_conn_lifetime"
)

// postgresPool is the pool configuration read from a DSN.
type postgresPool struct {
	maxConns        int
	maxConnIdleTime time.Duration
	maxConnLifetime time.Duration
}

// pgState is what a PostgreSQL Store keeps beside its GORM handle.
type pgState struct {
	// config opens the connections that must not come from the pool: the
	// epoch listener's and the migration lock's.
	config *pgx.ConnConfig
	// listener is the epoch notification goroutine, set on the Store Open
	// returned.
	listener *epochListener
}

// postgres reports whether s runs on PostgreSQL.
func (s *Store) postgres() bool { return s.db.Dialector.Name() == "postgres" }

// openPostgres opens a pool on the PostgreSQL database named by dsn (a URL or
// key=value string). Errors name the database without its password.
func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	name := redactDSN(dsn)
	config, pool, err := parsePostgresDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL database %s: %w", name, err)
	}
	sqlDB := stdlib.OpenDB(*config, stdlib.OptionAfterConnect(utcTimestamps))
	sqlDB.SetMaxOpenConns(pool.maxConns)
	sqlDB.SetMaxIdleConns(pool.maxConns)
	sqlDB.SetConnMaxIdleTime(pool.maxConnIdleTime)
	sqlDB.SetConnMaxLifetime(pool.maxConnLifetime)
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open PostgreSQL database %s: %w", name, err)
	}
	s := &Store{db: db.WithContext(ctx), epoch: &epoch{}, clients: newRecordCache(cloneClient), users: newRecordCache(cloneUser), memberships: newRecordCache(cloneMemberships), pg: &pgState{config: config},
		writeCounts: &writeCounters{}}
	if s.prepared, err = newPreparedStatements(db); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open PostgreSQL database %s: %w", name, err)
	}
	s.writePrepared = s.prepared
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open PostgreSQL database %s: %w", name, err)
	}
	s.startEpochPoller(EpochPollEvery)
	s.startJanitor(janitorEvery)
	s.startAuditIndexer(auditIndexEvery)
	s.startEpochListener()
	return s, nil
}

// parsePostgresDSN reads the connection settings and the pool parameters.
// Every session runs in UTC, so timestamps PostgreSQL formats (and now())
// agree with the UTC times the store writes.
func parsePostgresDSN(dsn string) (*pgx.ConnConfig, postgresPool, error) {
	pool := postgresPool{
		maxConns:        DefaultPostgresMaxConns,
		maxConnIdleTime: DefaultPostgresMaxConnIdleTime,
		maxConnLifetime: DefaultPostgresMaxConnLifetime,
	}
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes the DSN, password and all.
		return nil, pool, fmt.Errorf("cannot parse the connection string (%s)", parseErrorReason(err))
	}
	// pgx passes parameters it does not know to the server as settings; the
	// pool parameters are ours.
	params := config.RuntimeParams
	if v, ok := params[paramMaxConns]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, pool, fmt.Errorf("%s=%q: want a whole number of at least 1", paramMaxConns, v)
		}
		pool.maxConns = n
	}
	for _, d := range []struct {
		param string
		into  *time.Duration
	}{{paramMaxConnIdleTime, &pool.maxConnIdleTime}, {paramMaxConnLifetime, &pool.maxConnLifetime}} {
		if v, ok := params[d.param]; ok {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed < 0 {
				return nil, pool, fmt.Errorf("%s=%q: want a duration such as 30m", d.param, v)
			}
			*d.into = parsed
		}
	}
	for _, p := range []string{paramMaxConns, paramMaxConnIdleTime, paramMaxConnLifetime} {
		delete(params, p)
	}
	params["timezone"] = "UTC"
	return config, pool, nil
}

// parseErrorReason keeps the part of a pgx parse error that does not repeat
// the connection string.
func parseErrorReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return "invalid syntax"
}

// utcTimestamps makes a connection scan timestamptz values in UTC (pgx's
// default is the process's local zone), as SQLite gives them back.
func utcTimestamps(_ context.Context, conn *pgx.Conn) error {
	conn.TypeMap().RegisterType(&pgtype.Type{
		Name: "timestamptz", OID: pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
	})
	return nil
}

// redactDSN names a PostgreSQL database for messages: the URL with its
// password replaced, or host and database of a key=value string.
func redactDSN(dsn string) string {
	if u, err := url.Parse(strings.TrimSpace(dsn)); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return strconv.Quote(u.Redacted())
	}
	var kept []string
	for _, field := range strings.Fields(dsn) {
		key, _, _ := strings.Cut(field, "=")
		switch strings.ToLower(key) {
		case "host", "port", "dbname", "user":
			kept = append(kept, field)
		}
	}
	return strconv.Quote(strings.Join(kept, " "))
}
