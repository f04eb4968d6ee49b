package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

func TestAPIKeyCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newWorkspaceFixture(t)

	out := runJSON(t, "--db", f.db, "api-key", "create", "--workspace", f.workspaceID, "--name", "  CI deploys ")
	if len(out) != 2 {
		t.Errorf("result %v, want exactly id and key", out)
	}
	id, plain := mustString(t, out, "id"), mustString(t, out, "key")
	if !strings.HasPrefix(plain, secret.PrefixAPIKey) {
		t.Errorf("key %q lacks the %q prefix", plain, secret.PrefixAPIKey)
	}

	store := openStore(t, f.db)
	k, err := store.APIKeyByID(ctx, id)
	if err != nil {
		t.Fatalf("created key not found: %v", err)
	}
	if !secret.Matches(k.Hash, plain) {
		t.Error("printed key does not match the stored hash")
	}
	if k.Name != "CI deploys" || k.WorkspaceID != f.workspaceID || k.CreatedByID != nil || k.Revoked() {
		t.Errorf("stored key = %+v, want a trimmed name, the workspace, no creating user, active", k)
	}
	var last models.AuditEvent
	if err := store.EachAuditEvent(ctx, time.Time{}, func(ev models.AuditEvent) error { last = ev; return nil }); err != nil {
		t.Fatal(err)
	}
	if last.Action != "api_key.created" || last.ActorType != models.ActorCLI || last.WorkspaceIDs != f.workspaceID {
		t.Errorf("last audit event = %+v, want api_key.created by the CLI", last)
	}
}

func TestAPIKeyCreateHumanOutputShowsKeyOnce(t *testing.T) {
	t.Parallel()
	f := newWorkspaceFixture(t)
	r := runCLI(t, "--db", f.db, "api-key", "create", "--workspace", f.workspaceID, "--name", "Zapier")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{`Created API key "Zapier"`, "id:", "key:  osk_", "shown only once", "full access", "keep it secret"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output %q does not contain %q", r.stdout, want)
		}
	}
}

var apiKeyCreateRefusals = []struct {
	name      string
	args      func(workspaceID string) []string
	fragments []string
}{
	{"unknown workspace", func(string) []string { return []string{"--workspace", "no-such-workspace", "--name", "CI"} },
		[]string{"no workspace has this id", "no-such-workspace"}},
	{"empty name", func(ws string) []string { return []string{"--workspace", ws, "--name", ""} },
		[]string{"create API key", "the name is empty"}},
	{"blank name", func(ws string) []string { return []string{"--workspace", ws, "--name", "   "} },
		[]string{"the name is empty"}},
	{"name too long", func(ws string) []string { return []string{"--workspace", ws, "--name", strings.Repeat("x", 101)} },
		[]string{"longer than 100 characters"}},
	{"missing name", func(ws string) []string { return []string{"--workspace", ws} },
		[]string{"api-key create:", `required flag "name" not set`}},
	{"missing workspace", func(string) []string { return []string{"--name", "CI"} },
		[]string{`required flag "workspace" not set`}},
	{"unquoted name", func(ws string) []string { return []string{"--workspace", ws, "--name", "CI", "deploys"} },
		[]string{`unexpected argument "deploys"`}},
}

func TestAPIKeyCreateRefusals(t *testing.T) {
	t.Parallel()
	f := newWorkspaceFixture(t)
	for _, tc := range apiKeyCreateRefusals {
		t.Run(tc.name, func(t *testing.T) {
			wantFailure(t, runCLI(t, append([]string{"--db", f.db, "api-key", "create"}, tc.args(f.workspaceID)...)...), tc.fragments...)
			wantJSONFailure(t, runCLI(t, append([]string{"--db", f.db, "--json", "api-key", "create"}, tc.args(f.workspaceID)...)...), tc.fragments...)
		})
	}
	keys, err := openStore(t, f.db).APIKeysOf(context.Background(), f.workspaceID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("refused creations left %d keys", len(keys))
	}
}

func TestAPIKeyRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newWorkspaceFixture(t)
	out := runJSON(t, "--db", f.db, "api-key", "create", "--workspace", f.workspaceID, "--name", "CI")
	id, plain := mustString(t, out, "id"), mustString(t, out, "key")

	got := runJSON(t, "--db", f.db, "api-key", "revoke", id)
	if want := (map[string]any{"id": id, "revoked": true}); !sameJSON(got, want) {
		t.Errorf("revoke result = %v, want %v", got, want)
	}
	store := openStore(t, f.db)
	if _, err := store.ActiveAPIKeyByHash(ctx, secret.Hash(plain)); err == nil {
		t.Error("the revoked key is still active")
	}
	k, err := store.APIKeyByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Revoked() {
		t.Error("key is not revoked in the store")
	}

	// Revoking again is an error that says why.
	wantFailure(t, runCLI(t, "--db", f.db, "api-key", "revoke", id), "already revoked", id)
	if _, err := store.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit: %v", err)
	}
}

func TestAPIKeyRevokeHumanOutput(t *testing.T) {
	t.Parallel()
	f := newWorkspaceFixture(t)
	id := mustString(t, runJSON(t, "--db", f.db, "api-key", "create", "--workspace", f.workspaceID, "--name", "CI"), "id")
	r := runCLI(t, "--db", f.db, "api-key", "revoke", id)
	if r.code != 0 || !strings.Contains(r.stdout, "Revoked API key "+id) {
		t.Errorf("revoke: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestAPIKeyRevokeRefusals(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	wantFailure(t, runCLI(t, "--db", db, "api-key", "revoke", "no-such-key"), `revoke API key "no-such-key"`, "no active API key has this id")
	wantJSONFailure(t, runCLI(t, "--db", db, "--json", "api-key", "revoke", "no-such-key"), `revoke API key "no-such-key"`, "no active API key has this id")
	wantFailure(t, runCLI(t, "--db", db, "api-key", "revoke"), "missing API key ID")
	wantFailure(t, runCLI(t, "--db", db, "api-key", "revoke", "a", "b"), `unexpected argument "b"`)
}

// wantJSONFailure is wantFailure for --json: stderr is one JSON object whose
// "error" holds every fragment.
func wantJSONFailure(t *testing.T, r result, fragments ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("exit code 0, want failure; stdout %q", r.stdout)
	}
	var out struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stderr), &out); err != nil || out.Error == "" {
		t.Fatalf("stderr %q is not {\"error\": …}: %v", r.stderr, err)
	}
	for _, f := range fragments {
		if !strings.Contains(out.Error, f) {
			t.Errorf("error %q does not mention %q", out.Error, f)
		}
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}
