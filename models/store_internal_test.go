package models

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"
)

// pragmaTests are the connection settings every pooled SQLite connection must
// carry. A PRAGMA run through db.Exec would set them on one connection only.
var pragmaTests = []struct {
	pragma string
	want   string
}{
	{"journal_mode", "wal"},
	{"foreign_keys", "1"},
	{"busy_timeout", "5000"},
	{"synchronous", "1"}, // NORMAL
	// Checkpoints run in the background, never inside a commit.
	{"wal_autocheckpoint", "0"},
	// A reader's cache is emptied after every commit: kept small, so that
	// emptying it is cheap (checkpoint.go).
	{"cache_size", "-512"},
}

// dsnForms are the ways an operator may name the SQLite file; path is the file
// the store must then create.
var dsnForms = []struct {
	name string
	dsn  func(dir string) string
	path func(dir string) string
}{
	{
		name: "plain path",
		dsn:  func(dir string) string { return filepath.Join(dir, "c.db") },
		path: func(dir string) string { return filepath.Join(dir, "c.db") },
	},
	{
		name: "file URI",
		dsn:  func(dir string) string { return "file:" + filepath.Join(dir, "c.db") },
		path: func(dir string) string { return filepath.Join(dir, "c.db") },
	},
	{
		name: "path with spaces and a hash",
		dsn:  func(dir string) string { return filepath.Join(dir, "my data #1", "c.db") },
		path: func(dir string) string { return filepath.Join(dir, "my data #1", "c.db") },
	},
	{
		name: "caller parameters cannot switch the safety settings off",
		dsn: func(dir string) string {
			return "file:" + filepath.Join(dir, "c.db") + "?_journal_mode=DELETE&_foreign_keys=off&_busy_timeout=1"
		},
		path: func(dir string) string { return filepath.Join(dir, "c.db") },
	},
}

func TestOpenSetsPragmasOnEveryPooledConnection(t *testing.T) {
	skipOnPostgres(t, "connection pragmas")
	for _, form := range dsnForms {
		t.Run(form.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Dir(form.path(dir)), 0o700); err != nil {
				t.Fatal(err)
			}
			s, err := Open(ctx, form.dsn(dir))
			if err != nil {
				t.Fatalf("Open(%q): %v", form.dsn(dir), err)
			}
			t.Cleanup(func() { _ = s.Close() })
			if _, err := os.Stat(form.path(dir)); err != nil {
				t.Fatalf("database file not where it was asked for: %v", err)
			}

			sqlDB, err := s.db.DB()
			if err != nil {
				t.Fatal(err)
			}
			// Holding every connection at once forces the pool to open as
			// many distinct connections as it may ever hold.
			const poolSize = 8
			conns := make([]*sql.Conn, poolSize)
			for i := range conns {
				c, err := sqlDB.Conn(ctx)
				if err != nil {
					t.Fatalf("connection %d: %v", i, err)
				}
				defer c.Close()
				conns[i] = c
			}
			if got := sqlDB.Stats().OpenConnections; got != poolSize {
				t.Fatalf("open connections = %d, want %d distinct ones", got, poolSize)
			}
			for i, c := range conns {
				for _, p := range pragmaTests {
					var got string
					if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
						t.Fatalf("connection %d: PRAGMA %s: %v", i, p.pragma, err)
					}
					if got != p.want {
						t.Errorf("connection %d: PRAGMA %s = %q, want %q", i, p.pragma, got, p.want)
					}
				}
			}
			// The write connection keeps its cache between transactions.
			var writerCache string
			if err := s.writer.WithContext(ctx).Raw("PRAGMA cache_size").Row().Scan(&writerCache); err != nil {
				t.Fatal(err)
			}
			if writerCache != "-16384" {
				t.Errorf("write connection: PRAGMA cache_size = %q, want -16384", writerCache)
			}
		})
	}
}

func TestForeignKeyViolationIsReportedAsSuch(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := User{ID: "u1", Email: "a@example.com", Name: "A", PasswordHash: "x"}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	err = s.PutMembership(ctx, "no-such-workspace", u.ID, RoleMember)
	if !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Fatalf("PutMembership for an unknown workspace: err = %v, want a foreign key violation", err)
	}
}

// TestJanitorPurgesExpiredConsentAnswers: the janitor a Store runs deletes
// answers expired for longer than the grace on its own, and keeps the rest.
func TestJanitorPurgesExpiredConsentAnswers(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	record := func(id string, expires time.Time) {
		t.Helper()
		if err := s.InTx(ctx, func(tx *Store) error { return tx.RecordConsentAnswer(ctx, id, expires) }); err != nil {
			t.Fatal(err)
		}
	}
	record("expired long ago", time.Now().Add(-consentAnswerGrace-time.Minute))
	record("expired within the grace", time.Now().Add(-time.Minute))
	record("live", time.Now().Add(time.Hour))
	s.stopJanitor()
	s.startJanitor(10 * time.Millisecond)
	count := func() (n int64) {
		if err := s.conn(ctx).Model(&ConsentAnswer{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(5 * time.Second)
	for count() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d answers after 5 s of janitor, want the 2 not expired for the grace", count())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A database this build creates keeps the tables earlier builds use, so
// that one of them can still run on it (a rollback, a rolling upgrade).
func TestMigrateKeepsTheTablesOfEarlierBuilds(t *testing.T) {
	s, _ := openMigrated(t)
	for _, table := range []string{"pending_authorizations", "consent_answers"} {
		if !s.conn(context.Background()).Migrator().HasTable(table) {
			t.Errorf("a new database has no %s table", table)
		}
	}
}
