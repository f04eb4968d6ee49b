package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/consentry/consentry/models/storetest"
)

// migrateJSON runs migrate with args and --json, and decodes the answer.
func migrateJSON(t *testing.T, args ...string) migrateResult {
	t.Helper()
	r := runCLI(t, append(args, "--json")...)
	if r.code != 0 {
		t.Fatalf("consentry %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	var out migrateResult
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("stdout %q is not migrate's JSON: %v", r.stdout, err)
	}
	return out
}

// migrateDatabases are the kinds of database migrate is tried on.
var migrateDatabases = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"SQLite", tempDB},
	{"PostgreSQL", func(t *testing.T) string { return storetest.NewPostgresDatabase(t) }},
}

func TestMigrate(t *testing.T) {
	for _, kind := range migrateDatabases {
		t.Run(kind.name, func(t *testing.T) {
			db := kind.dsn(t)

			status := migrateJSON(t, "--db", db, "migrate", "--status")
			if len(status.Applied) != 0 || len(status.Steps) == 0 {
				t.Fatalf("migrate --status on an empty database = %+v, want every step pending and none applied", status)
			}
			for _, s := range status.Steps {
				if s.AppliedAt != "" {
					t.Errorf("step %d applied at %s on an empty database", s.Version, s.AppliedAt)
				}
			}

			first := migrateJSON(t, "--db", db, "migrate")
			if len(first.Applied) != len(first.Steps) {
				t.Fatalf("first migrate applied %d of %d steps", len(first.Applied), len(first.Steps))
			}
			again := migrateJSON(t, "--db", db, "migrate")
			if len(again.Applied) != 0 {
				t.Errorf("second migrate applied %+v, want nothing", again.Applied)
			}
			for _, s := range again.Steps {
				if s.AppliedAt == "" {
					t.Errorf("step %d (%s) not recorded after migrate", s.Version, s.Name)
				}
			}

			r := runCLI(t, "--db", db, "migrate", "--status")
			if r.code != 0 || strings.Contains(r.stdout, "pending") || !strings.Contains(r.stdout, "baseline schema") {
				t.Errorf("migrate --status after migrating: exit %d, stdout %q", r.code, r.stdout)
			}
			r = runCLI(t, "--db", db, "migrate")
			if r.code != 0 || !strings.Contains(r.stdout, "up to date") {
				t.Errorf("human migrate: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestCommandsRunOnPostgreSQL drives the administration commands against a
// PostgreSQL database, as an operator of a multi-instance deployment would.
func TestCommandsRunOnPostgreSQL(t *testing.T) {
	db := storetest.NewPostgresDatabase(t)
	migrateJSON(t, "--db", db, "migrate")
	runJSON(t, "--db", db, "user", "create", "--email", "alice@example.com", "--password", "long-enough")
	runJSON(t, "--db", db, "user", "create", "--email", "bob@example.com", "--password", "long-enough")
	ws := mustString(t, runJSON(t, "--db", db, "workspace", "create", "--name", "Acme", "--owner", "alice@example.com"), "id")
	runJSON(t, "--db", db, "workspace", "add-member", "--workspace", ws, "--email", "bob@example.com", "--role", "admin")
	runJSON(t, "--db", db, "workspace", "remove-member", "--workspace", ws, "--email", "bob@example.com")
	verified := runJSON(t, "--db", db, "audit", "verify")
	if verified["ok"] != true {
		t.Fatalf("audit verify on PostgreSQL = %v", verified)
	}
}
