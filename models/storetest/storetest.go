// Package storetest opens real, migrated stores for tests: on PostgreSQL when
// CONSENTRY_TEST_POSTGRES names a server, on SQLite otherwise.
//
// CONSENTRY_TEST_POSTGRES is the URL of a database on a server the tests may
// create and drop databases on, such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. Each test
// gets a database of its own (consentry_test_<random>), dropped when the
// test ends. .ci/run starts a throwaway server and sets it.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/consentry/consentry/models"
)

// PostgresEnv names the environment variable that points the tests at a
// PostgreSQL server.
const PostgresEnv = "CONSENTRY_TEST_POSTGRES"

// Open returns a migrated store on a fresh database, closed when the test
// ends: a new PostgreSQL database when PostgresEnv is set, else a new SQLite
// file (WAL needs a file, not memory).
func Open(t testing.TB) *models.Store {
	t.Helper()
	if OnPostgres() {
		return OpenDSN(t, NewPostgresDatabase(t))
	}
	return OpenAt(t, filepath.Join(t.TempDir(), "consentry.db"))
}

// OpenAt returns a migrated store on the SQLite file at path, closed when the
// test ends. It is SQLite whatever PostgresEnv says: tests that use it look
// at the file or open it by other means.
func OpenAt(t testing.TB, path string) *models.Store {
	t.Helper()
	return OpenDSN(t, path)
}

// OpenDSN returns a migrated store on the database dsn names (a SQLite path
// or a PostgreSQL URL), closed when the test ends. Opening one dsn twice
// gives two stores on one database, as two processes would have.
func OpenDSN(t testing.TB, dsn string) *models.Store {
	t.Helper()
	ctx := context.Background()
	s, err := models.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate store: %v", err)
	}
	return s
}

// OnPostgres reports whether Open gives PostgreSQL stores.
func OnPostgres() bool { return os.Getenv(PostgresEnv) != "" }

// RequirePostgres skips the test, saying why, unless PostgresEnv is set.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if !OnPostgres() {
		t.Skipf("PostgreSQL test: set %s to a server URL to run it (.ci/run does)", PostgresEnv)
	}
}

// SkipOnPostgres skips a test of SQLite's own behaviour when the suite runs
// on PostgreSQL.
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if OnPostgres() {
		t.Skipf("SQLite only (%s); the suite is running on PostgreSQL", why)
	}
}

// NewPostgresDatabase creates an empty database on the PostgresEnv server,
// drops it when the test ends, and returns its URL. It skips the test when
// PostgresEnv is unset.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	RequirePostgres(t)
	base := os.Getenv(PostgresEnv)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, got %q", PostgresEnv, base)
	}
	var random [8]byte
	_, _ = rand.Read(random[:])
	name := "consentry_test_" + hex.EncodeToString(random[:])
	if err := admin(base, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends connections a test left open (PostgreSQL 13+).
		if err := admin(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// admin runs one statement on the server's maintenance database.
func admin(base, statement string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", PostgresEnv, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, statement); err != nil {
		return fmt.Errorf("%s: %w", statement, err)
	}
	return nil
}
