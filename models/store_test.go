package models_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// newUser stores a user with the given email and returns it.
func newUser(t *testing.T, s *models.Store, email string) models.User {
	t.Helper()
	u := models.User{ID: uuid.NewString(), Email: email, Name: email, PasswordHash: "hash"}
	if err := s.CreateUser(context.Background(), &u); err != nil {
		t.Fatalf("create user %q: %v", email, err)
	}
	return u
}

// newWorkspace stores a workspace created (and so owned) by creator.
func newWorkspace(t *testing.T, s *models.Store, name string, creator models.User) models.Workspace {
	t.Helper()
	w := models.Workspace{ID: uuid.NewString(), Name: name, CreatedByID: creator.ID}
	if err := s.CreateWorkspace(context.Background(), &w); err != nil {
		t.Fatalf("create workspace %q: %v", name, err)
	}
	return w
}

// unreachablePostgresDSNs name PostgreSQL databases, in each form Open
// accepts, on a port where nothing listens.
var unreachablePostgresDSNs = []string{
	"postgres://consentry:pw@127.0.0.1:1/consentry?sslmode=disable&connect_timeout=5",
	"postgresql://consentry:pw@127.0.0.1:1/consentry?sslmode=disable",
	"POSTGRES://consentry:pw@127.0.0.1:1/consentry?sslmode=disable",
	"host=127.0.0.1 port=1 user=consentry password=pw dbname=consentry sslmode=disable",
	"postgres://127.0.0.1:1/consentry?sslmode=disable&password=pw",
}

func TestOpenReportsAnUnreachablePostgreSQLClearly(t *testing.T) {
	for _, dsn := range unreachablePostgresDSNs {
		t.Run(dsn, func(t *testing.T) {
			// A PostgreSQL DSN mistaken for a path would create a SQLite file
			// in the working directory: run there to see it.
			dir := t.TempDir()
			t.Chdir(dir)
			s, err := models.Open(context.Background(), dsn)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", dsn)
			}
			if !strings.Contains(err.Error(), "PostgreSQL") {
				t.Errorf("Open(%q) error = %q, want it to name PostgreSQL", dsn, err)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("Open(%q) error = %q leaks the password", dsn, err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) > 0 {
				t.Errorf("Open(%q) created %s in the working directory", dsn, entries[0].Name())
			}
		})
	}
}

// privateSQLiteDSNs name databases SQLite keeps per connection, which a
// pooled store cannot use.
var privateSQLiteDSNs = []string{"", ":memory:", "file::memory:", "file::memory:?cache=shared", "file:"}

func TestOpenRefusesInMemoryDatabases(t *testing.T) {
	for _, dsn := range privateSQLiteDSNs {
		t.Run(dsn, func(t *testing.T) {
			t.Chdir(t.TempDir())
			s, err := models.Open(context.Background(), dsn)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", dsn)
			}
			if !strings.Contains(err.Error(), "in-memory") {
				t.Errorf("Open(%q) error = %q, want it to say in-memory databases are not supported", dsn, err)
			}
		})
	}
}

func TestOpenFailsForAnUnreachablePath(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "missing-dir", "c.db")
	s, err := models.Open(context.Background(), dsn)
	if err == nil {
		_ = s.Close()
		t.Fatalf("Open(%q) succeeded, want an error", dsn)
	}
}

func TestMigrateIsIdempotentAndDataSurvivesReopening(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	s := storetest.OpenAt(t, path)
	u := newUser(t, s, "keep@example.com")
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	again := storetest.OpenAt(t, path)
	got, err := again.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatalf("UserByID after reopening: %v", err)
	}
	if got.Email != u.Email {
		t.Errorf("email after reopening = %q, want %q", got.Email, u.Email)
	}
}

func TestPing(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping on a closed store succeeded, want an error")
	}
}

var inTxTests = []struct {
	name       string
	fnErr      error
	wantStored bool
}{
	{name: "nil commits", fnErr: nil, wantStored: true},
	{name: "an error rolls back and is returned", fnErr: errors.New("boom"), wantStored: false},
}

func TestInTx(t *testing.T) {
	for _, tt := range inTxTests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t)
			u := models.User{ID: uuid.NewString(), Email: "tx@example.com", Name: "Tx", PasswordHash: "h"}
			err := s.InTx(ctx, func(tx *models.Store) error {
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
				// The transaction sees its own write.
				if _, err := tx.UserByID(ctx, u.ID); err != nil {
					t.Errorf("UserByID inside the transaction: %v", err)
				}
				return tt.fnErr
			})
			if !errors.Is(err, tt.fnErr) {
				t.Fatalf("InTx = %v, want %v", err, tt.fnErr)
			}
			_, err = s.UserByID(ctx, u.ID)
			if gotStored := err == nil; gotStored != tt.wantStored {
				t.Errorf("user stored = %v (err %v), want %v", gotStored, err, tt.wantStored)
			}
		})
	}
}

func TestInTxRollsBackOnPanic(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := models.User{ID: uuid.NewString(), Email: "panic@example.com", Name: "P", PasswordHash: "h"}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the caller")
			}
		}()
		_ = s.InTx(ctx, func(tx *models.Store) error {
			if err := tx.CreateUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
			panic("boom")
		})
	}()
	if _, err := s.UserByID(ctx, u.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("UserByID after a panicking transaction: err = %v, want ErrNotFound", err)
	}
	// The connection went back to the pool usable.
	newUser(t, s, "after@example.com")
}

func TestInTxNestedRollsBackOnlyTheInnerPart(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	outer := models.User{ID: uuid.NewString(), Email: "outer@example.com", Name: "O", PasswordHash: "h"}
	inner := models.User{ID: uuid.NewString(), Email: "inner@example.com", Name: "I", PasswordHash: "h"}
	errInner := errors.New("inner fails")
	err := s.InTx(ctx, func(tx *models.Store) error {
		if err := tx.CreateUser(ctx, &outer); err != nil {
			return err
		}
		err := tx.InTx(ctx, func(tx2 *models.Store) error {
			if err := tx2.CreateUser(ctx, &inner); err != nil {
				return err
			}
			return errInner
		})
		if !errors.Is(err, errInner) {
			t.Errorf("inner InTx = %v, want %v", err, errInner)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("outer InTx: %v", err)
	}
	if _, err := s.UserByID(ctx, outer.ID); err != nil {
		t.Errorf("outer write: %v, want committed", err)
	}
	if _, err := s.UserByID(ctx, inner.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("inner write: err = %v, want ErrNotFound (rolled back)", err)
	}
}

func TestEnsureSetting(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	calls := 0
	generate := func(v string) func() ([]byte, error) {
		return func() ([]byte, error) {
			calls++
			return []byte(v), nil
		}
	}

	first, err := s.EnsureSetting(ctx, "session-key", generate("first"))
	if err != nil {
		t.Fatalf("first EnsureSetting: %v", err)
	}
	if got, want := string(first), "first"; got != want {
		t.Errorf("first value = %q, want %q", got, want)
	}
	second, err := s.EnsureSetting(ctx, "session-key", generate("second"))
	if err != nil {
		t.Fatalf("second EnsureSetting: %v", err)
	}
	if got, want := string(second), "first"; got != want {
		t.Errorf("second value = %q, want the stored %q", got, want)
	}
	if calls != 1 {
		t.Errorf("generate called %d times, want 1", calls)
	}

	other, err := s.EnsureSetting(ctx, "other-key", generate("other"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(other), "other"; got != want {
		t.Errorf("another key = %q, want %q (keys are independent)", got, want)
	}
}

func TestEnsureSettingGenerateFailureStoresNothing(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	errGen := errors.New("no entropy")
	_, err := s.EnsureSetting(ctx, "k", func() ([]byte, error) { return nil, errGen })
	if !errors.Is(err, errGen) {
		t.Fatalf("EnsureSetting = %v, want %v", err, errGen)
	}
	got, err := s.EnsureSetting(ctx, "k", func() ([]byte, error) { return []byte("v"), nil })
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "v" {
		t.Errorf("value after a failed generation = %q, want %q", got, "v")
	}
}

func TestEnsureSettingRaceKeepsOneValue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	// Two stores on one file stand for two processes.
	stores := []*models.Store{storetest.OpenAt(t, path), storetest.OpenAt(t, path)}
	const n = 8
	results := make(chan string, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			v, err := stores[i%2].EnsureSetting(ctx, "k", func() ([]byte, error) { return []byte(uuid.NewString()), nil })
			errs <- err
			results <- string(v)
		}()
	}
	seen := map[string]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatalf("EnsureSetting: %v", err)
		}
		seen[<-results] = true
	}
	if len(seen) != 1 {
		t.Errorf("concurrent EnsureSetting returned %d different values, want 1", len(seen))
	}
}

func TestForeignKeysAreEnforced(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "fk@example.com")
	if err := s.PutMembership(ctx, "no-such-workspace", u.ID, models.RoleMember); err == nil {
		t.Fatal("PutMembership for an unknown workspace succeeded, want a foreign key error")
	}
	if got, err := s.WorkspacesOf(ctx, u.ID); err != nil || len(got) != 0 {
		t.Errorf("WorkspacesOf = %v, %v; want none", got, err)
	}
	w := newWorkspace(t, s, "Real", u)
	if err := s.PutMembership(ctx, w.ID, "no-such-user", models.RoleMember); err == nil {
		t.Error("PutMembership for an unknown user succeeded, want a foreign key error")
	}
	orphan := models.Workspace{ID: uuid.NewString(), Name: "Orphan", CreatedByID: "no-such-user"}
	if err := s.CreateWorkspace(ctx, &orphan); err == nil {
		t.Error("CreateWorkspace by an unknown user succeeded, want a foreign key error")
	}
	if _, err := s.WorkspaceByID(ctx, orphan.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("WorkspaceByID(orphan) err = %v, want ErrNotFound (nothing half-created)", err)
	}
}
