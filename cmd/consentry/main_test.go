package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// result is what one CLI invocation left behind.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command line args (without the program name) in process.
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"consentry"}, args...), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// runJSON runs args with --json, requires success and decodes stdout into a map.
func runJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	r := runCLI(t, append(args, "--json")...)
	if r.code != 0 {
		t.Fatalf("consentry %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("consentry %s: stdout %q is not JSON: %v", strings.Join(args, " "), r.stdout, err)
	}
	return out
}

// wantFailure requires a non-zero exit with every fragment on stderr and
// nothing on stdout.
func wantFailure(t *testing.T, r result, fragments ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("exit code 0, want failure; stdout %q", r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "consentry: ") && !strings.HasPrefix(r.stderr, `{"error":`) {
		t.Errorf("stderr %q does not start with \"consentry: \" or {\"error\":", r.stderr)
	}
	for _, f := range fragments {
		if !strings.Contains(r.stderr, f) {
			t.Errorf("stderr %q does not mention %q", r.stderr, f)
		}
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

// tempDB is the path of a fresh database file.
func tempDB(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "consentry.db")
}

// openStore opens the database a command wrote, to check what it stored.
func openStore(t *testing.T, db string) *models.Store {
	t.Helper()
	return storetest.OpenAt(t, db)
}

// mustString reads a string field of a JSON result.
func mustString(t *testing.T, out map[string]any, key string) string {
	t.Helper()
	s, ok := out[key].(string)
	if !ok || s == "" {
		t.Fatalf("result %v: %q is not a non-empty string", out, key)
	}
	return s
}

// syncBuffer is a bytes.Buffer safe for a server goroutine and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var helpCases = []struct {
	args  []string
	flags []string
}{
	{nil, []string{"--db", "--scopes", "--json", "serve", "demo", "user", "workspace", "client"}},
	{[]string{"serve"}, []string{"--addr", "--issuer", "--session-key", "--scopes", "CONSENTRY_ADDR", "CONSENTRY_ISSUER", "CONSENTRY_SESSION_KEY", "--db"}},
	{[]string{"demo"}, []string{"--addr", "--issuer", "--session-key", "--scopes"}},
	{[]string{"user"}, []string{"create"}},
	{[]string{"user", "create"}, []string{"--email", "--password", "--name", "--platform-admin", "--json", "--db"}},
	{[]string{"workspace"}, []string{"create", "add-member", "remove-member"}},
	{[]string{"workspace", "create"}, []string{"--name", "--owner"}},
	{[]string{"workspace", "add-member"}, []string{"--workspace", "--email", "--role"}},
	{[]string{"workspace", "remove-member"}, []string{"--workspace", "--email"}},
	{[]string{"client"}, []string{"create", "disable"}},
	{[]string{"client", "create"}, []string{"--name", "--redirect-uri", "--scopes", "--public", "--resource-server", "--logo-url", "--homepage-url", "--workspace"}},
	{[]string{"client", "disable"}, []string{"ID", "--json"}},
}

func TestHelp(t *testing.T) {
	for _, tc := range helpCases {
		name := strings.Join(append([]string{"consentry"}, tc.args...), " ")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, help := range []string{"--help", "-h"} {
				r := runCLI(t, append(tc.args, help)...)
				if r.code != 0 {
					t.Fatalf("%s %s: exit %d, stderr %q", name, help, r.code, r.stderr)
				}
				for _, f := range tc.flags {
					if !strings.Contains(r.stdout, f) {
						t.Errorf("%s %s does not mention %q:\n%s", name, help, f, r.stdout)
					}
				}
			}
		})
	}
}

func TestUnknownCommandIsRefused(t *testing.T) {
	t.Parallel()
	wantFailure(t, runCLI(t, "nosuch"), `unknown command "nosuch"`)
	wantFailure(t, runCLI(t, "user", "delete"), `user: unknown command "delete"`)
}

func TestUnknownFlagIsRefused(t *testing.T) {
	t.Parallel()
	wantFailure(t, runCLI(t, "user", "create", "--bogus"), "user create:", "bogus", "--help")
}

func TestErrorsAsJSON(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	for _, args := range [][]string{
		{"--db", db, "--json", "client", "disable", "nope"},
		{"--db", db, "client", "disable", "nope", "--json"},
	} {
		r := runCLI(t, args...)
		if r.code != 1 {
			t.Fatalf("%v: exit %d, want 1", args, r.code)
		}
		var out map[string]string
		if err := json.Unmarshal([]byte(r.stderr), &out); err != nil {
			t.Fatalf("%v: stderr %q is not JSON: %v", args, r.stderr, err)
		}
		if got := out["error"]; !strings.Contains(got, `no client has the id "nope"`) {
			t.Errorf("%v: error = %q, want it to name the unknown client", args, got)
		}
	}
}

func TestDatabaseFromEnvironment(t *testing.T) {
	db := tempDB(t)
	t.Setenv("CONSENTRY_DB", db)
	out := runJSON(t, "user", "create", "--email", "env@example.com", "--password", "env-password")
	u, err := openStore(t, db).UserByEmail(context.Background(), "env@example.com")
	if err != nil {
		t.Fatalf("user not stored in $CONSENTRY_DB: %v", err)
	}
	if got, want := u.ID, mustString(t, out, "id"); got != want {
		t.Errorf("stored id = %q, want %q", got, want)
	}
}

// badCatalog has a destructive scope that is on by default, in entry 2.
const badCatalog = `{"scopes": [
  {"name": "openid", "title": "Account ID", "description": "your unique account ID", "default": "on"},
  {"name": "files:delete", "title": "Delete files", "description": "delete your files", "default": "on", "destructive": true, "warning": "Gone for good."}
]}`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadCatalogFailsNamingTheEntry(t *testing.T) {
	catalog := writeFile(t, "scopes.json", badCatalog)
	db := tempDB(t)
	for _, args := range [][]string{
		{"--db", db, "--scopes", catalog, "user", "create", "--email", "a@example.com", "--password", "a-password"},
		{"--db", db, "serve", "--scopes", catalog, "--addr", "127.0.0.1:0"},
		{"--db", db, "--scopes", catalog, "demo", "--addr", "127.0.0.1:0"},
	} {
		wantFailure(t, runCLI(t, args...), catalog, `entry 2 ("files:delete")`, "destructive")
	}
	t.Setenv("CONSENTRY_SCOPES", catalog)
	wantFailure(t, runCLI(t, "--db", db, "client", "create", "--name", "X", "--redirect-uri", "https://x.example/cb", "--scopes", "openid"),
		`entry 2 ("files:delete")`)
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("database file exists after a bad catalog (err %v): the catalog must be checked first", err)
	}
}

func TestMissingCatalogFile(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.json")
	wantFailure(t, runCLI(t, "--db", tempDB(t), "--scopes", missing, "user", "create", "--email", "a@example.com", "--password", "a-password"),
		"scope catalog", "nope.json")
}
