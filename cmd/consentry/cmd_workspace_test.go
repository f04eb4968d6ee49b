package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/consentry/consentry/models"
)

// workspaceFixture is a database with three users and one workspace owned by
// alice.
type workspaceFixture struct {
	db          string
	workspaceID string
}

func newWorkspaceFixture(t *testing.T) workspaceFixture {
	t.Helper()
	db := tempDB(t)
	for _, email := range []string{"alice@example.com", "bob@example.com", "carol@example.com"} {
		runJSON(t, "--db", db, "user", "create", "--email", email, "--password", "long-enough")
	}
	out := runJSON(t, "--db", db, "workspace", "create", "--name", "Acme Marketing", "--owner", "alice@example.com")
	return workspaceFixture{db: db, workspaceID: mustString(t, out, "id")}
}

func TestWorkspaceCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newWorkspaceFixture(t)

	r := runCLI(t, "--db", f.db, "workspace", "create", "--name", "Bob's Studio", "--owner", "BOB@example.com")
	if r.code != 0 || !strings.Contains(r.stdout, `"Bob's Studio"`) {
		t.Fatalf("human workspace create: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	store := openStore(t, f.db)
	w, err := store.WorkspaceByID(ctx, f.workspaceID)
	if err != nil {
		t.Fatalf("created workspace not found: %v", err)
	}
	alice, err := store.UserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "Acme Marketing" || w.CreatedByID != alice.ID {
		t.Errorf("stored workspace = %+v, want Acme Marketing created by alice", w)
	}
	m, err := store.MembershipOf(ctx, w.ID, alice.ID)
	if err != nil || m.Role != models.RoleOwner {
		t.Errorf("alice's membership = %+v, %v; want owner", m, err)
	}
}

func TestWorkspaceMembers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newWorkspaceFixture(t)

	out := runJSON(t, "--db", f.db, "workspace", "add-member", "--workspace", f.workspaceID, "--email", "bob@example.com", "--role", "Viewer")
	store := openStore(t, f.db)
	bob, err := store.UserByEmail(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out, (map[string]any{"workspace_id": f.workspaceID, "user_id": bob.ID, "role": "viewer"}); !sameJSON(got, want) {
		t.Errorf("add-member result = %v, want %v", got, want)
	}
	if m, err := store.MembershipOf(ctx, f.workspaceID, bob.ID); err != nil || m.Role != models.RoleViewer {
		t.Errorf("bob's membership = %+v, %v; want viewer", m, err)
	}

	// Adding an existing member changes the role.
	r := runCLI(t, "--db", f.db, "workspace", "add-member", "--workspace", f.workspaceID, "--email", "bob@example.com", "--role", "admin")
	if r.code != 0 || !strings.Contains(r.stdout, "admin") {
		t.Fatalf("human add-member: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if m, err := store.MembershipOf(ctx, f.workspaceID, bob.ID); err != nil || m.Role != models.RoleAdmin {
		t.Errorf("bob's membership = %+v, %v; want admin", m, err)
	}

	out = runJSON(t, "--db", f.db, "workspace", "remove-member", "--workspace", f.workspaceID, "--email", "bob@example.com")
	if want := (map[string]any{"workspace_id": f.workspaceID, "user_id": bob.ID, "removed": true}); !sameJSON(out, want) {
		t.Errorf("remove-member result = %v, want %v", out, want)
	}
	if _, err := store.MembershipOf(ctx, f.workspaceID, bob.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("bob's membership after removal: err = %v, want ErrNotFound", err)
	}
}

// sameJSON compares decoded JSON objects of string and bool values.
func sameJSON(got, want map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

var workspaceRefusals = []struct {
	name      string
	args      func(f workspaceFixture) []string
	fragments []string
}{
	{
		name: "duplicate workspace name for the owner",
		args: func(workspaceFixture) []string {
			return []string{"create", "--name", "acme  MARKETING", "--owner", "alice@example.com"}
		},
		fragments: []string{"already has a workspace with this name"},
	},
	{
		name: "unknown owner email",
		args: func(workspaceFixture) []string {
			return []string{"create", "--name", "Nope", "--owner", "nobody@example.com"}
		},
		fragments: []string{"no user has the email", "nobody@example.com"},
	},
	{
		name:      "create without owner",
		args:      func(workspaceFixture) []string { return []string{"create", "--name", "Nope"} },
		fragments: []string{"workspace create:", `required flag "owner" not set`},
	},
	{
		name:      "create without name and owner",
		args:      func(workspaceFixture) []string { return []string{"create"} },
		fragments: []string{"name", "owner", "not set"},
	},
	{
		name: "bad role",
		args: func(f workspaceFixture) []string {
			return []string{"add-member", "--workspace", f.workspaceID, "--email", "bob@example.com", "--role", "superuser"}
		},
		fragments: []string{`unknown role "superuser"`, "owner, admin, member or viewer"},
	},
	{
		name: "unknown workspace",
		args: func(workspaceFixture) []string {
			return []string{"add-member", "--workspace", "no-such-id", "--email", "bob@example.com", "--role", "member"}
		},
		fragments: []string{"no workspace has the id", "no-such-id"},
	},
	{
		name: "unknown member email",
		args: func(f workspaceFixture) []string {
			return []string{"add-member", "--workspace", f.workspaceID, "--email", "nobody@example.com", "--role", "member"}
		},
		fragments: []string{"no user has the email", "nobody@example.com"},
	},
	{
		name: "add-member without role",
		args: func(f workspaceFixture) []string {
			return []string{"add-member", "--workspace", f.workspaceID, "--email", "bob@example.com"}
		},
		fragments: []string{`required flag "role" not set`},
	},
	{
		name: "demoting the last owner",
		args: func(f workspaceFixture) []string {
			return []string{"add-member", "--workspace", f.workspaceID, "--email", "alice@example.com", "--role", "admin"}
		},
		fragments: []string{"without an owner"},
	},
	{
		name: "removing the last owner",
		args: func(f workspaceFixture) []string {
			return []string{"remove-member", "--workspace", f.workspaceID, "--email", "alice@example.com"}
		},
		fragments: []string{"remove alice@example.com", "without an owner"},
	},
	{
		name: "removing a non-member",
		args: func(f workspaceFixture) []string {
			return []string{"remove-member", "--workspace", f.workspaceID, "--email", "carol@example.com"}
		},
		fragments: []string{"not a member"},
	},
	{
		name: "removing from an unknown workspace",
		args: func(workspaceFixture) []string {
			return []string{"remove-member", "--workspace", "no-such-id", "--email", "carol@example.com"}
		},
		fragments: []string{"no workspace has the id"},
	},
	{
		name:      "remove-member without workspace",
		args:      func(workspaceFixture) []string { return []string{"remove-member", "--email", "carol@example.com"} },
		fragments: []string{`required flag "workspace" not set`},
	},
}

func TestWorkspaceRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newWorkspaceFixture(t)
	for _, tc := range workspaceRefusals {
		t.Run(tc.name, func(t *testing.T) {
			wantFailure(t, runCLI(t, append([]string{"--db", f.db, "workspace"}, tc.args(f)...)...), tc.fragments...)
		})
	}
	// Nothing the refusals tried changed alice's ownership or added members.
	store := openStore(t, f.db)
	ws, err := store.WorkspacesOf(ctx, mustUserID(t, store, "alice@example.com"))
	if err != nil || len(ws) != 1 || ws[0].Role != models.RoleOwner {
		t.Errorf("alice's workspaces = %+v, %v; want only Acme Marketing as owner", ws, err)
	}
	for _, email := range []string{"bob@example.com", "carol@example.com"} {
		if ws, err := store.WorkspacesOf(ctx, mustUserID(t, store, email)); err != nil || len(ws) != 0 {
			t.Errorf("%s's workspaces = %+v, %v; want none", email, ws, err)
		}
	}
}

func mustUserID(t *testing.T, store *models.Store, email string) string {
	t.Helper()
	u, err := store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
