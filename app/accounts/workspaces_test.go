package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/models"
)

var createWorkspaceTests = []struct {
	name     string
	wsName   string
	owner    string
	wantErr  error
	wantName string
}{
	{name: "valid", wsName: "Acme", owner: "alice@example.com", wantName: "Acme"},
	{name: "spacing is tidied", wsName: "  Acme \t  Labs ", owner: "alice@example.com", wantName: "Acme Labs"},
	{name: "owner email in any case", wsName: "Acme", owner: " ALICE@example.com", wantName: "Acme"},
	{name: "name of exactly 200 bytes", wsName: strings.Repeat("a", 200), owner: "alice@example.com", wantName: strings.Repeat("a", 200)},
	{name: "empty name", wsName: "", owner: "alice@example.com", wantErr: errAny},
	{name: "blank name", wsName: " \t ", owner: "alice@example.com", wantErr: errAny},
	{name: "name over 200 bytes", wsName: strings.Repeat("a", 201), owner: "alice@example.com", wantErr: errAny},
	{name: "unknown owner", wsName: "Acme", owner: "nobody@example.com", wantErr: accounts.ErrUnknownEmail},
	{name: "owner already has the name", wsName: "Existing", owner: "alice@example.com", wantErr: accounts.ErrWorkspaceNameTaken},
	{name: "owner already has the name in other case and spacing", wsName: " EXISTING  ", owner: "alice@example.com", wantErr: accounts.ErrWorkspaceNameTaken},
	{name: "another owner's name is free", wsName: "Bobs", owner: "alice@example.com", wantName: "Bobs"},
}

func TestCreateWorkspace(t *testing.T) {
	for _, tt := range createWorkspaceTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t)
			alice := e.user(t, "alice@example.com")
			bob := e.user(t, "bob@example.com")
			if _, err := e.svc.CreateWorkspace(ctx, "Existing", alice.Email); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.CreateWorkspace(ctx, "Bobs", bob.Email); err != nil {
				t.Fatal(err)
			}

			w, err := e.svc.CreateWorkspace(ctx, tt.wsName, tt.owner)
			checkErr(t, "CreateWorkspace", err, tt.wantErr)
			all, listErr := e.store.WorkspacesOf(ctx, alice.ID)
			if listErr != nil {
				t.Fatal(listErr)
			}
			if tt.wantErr != nil {
				if len(all) != 1 {
					t.Errorf("alice's workspaces after a refusal = %+v, want only Existing", all)
				}
				return
			}
			if w.Name != tt.wantName {
				t.Errorf("name = %q, want %q", w.Name, tt.wantName)
			}
			if w.CreatedByID != alice.ID {
				t.Errorf("created by %q, want %q", w.CreatedByID, alice.ID)
			}
			m, err := e.store.MembershipOf(ctx, w.ID, alice.ID)
			if err != nil || m.Role != models.RoleOwner {
				t.Errorf("owner membership = %+v, %v; want owner", m, err)
			}
			if len(all) != 2 {
				t.Errorf("alice's workspaces = %+v, want 2", all)
			}
		})
	}
}

// memberEnv is a workspace owned by alice, with bob and carol signed up but
// not members, and dave a member.
type memberEnv struct {
	env
	ws models.Workspace
}

var memberEmails = []string{"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"}

func newMemberEnv(t *testing.T) memberEnv {
	t.Helper()
	e := newEnv(t)
	for _, email := range memberEmails {
		e.user(t, email)
	}
	w, err := e.svc.CreateWorkspace(context.Background(), "Acme", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.PutMembership(context.Background(), w.ID, mustUser(t, e, "dave@example.com").ID, models.RoleMember); err != nil {
		t.Fatal(err)
	}
	return memberEnv{env: e, ws: w}
}

func mustUser(t *testing.T, e env, email string) models.User {
	t.Helper()
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// roles maps each test user to their role in the workspace, "" for none.
func (e memberEnv) roles(t *testing.T) map[string]models.Role {
	t.Helper()
	out := make(map[string]models.Role, len(memberEmails))
	for _, email := range memberEmails {
		m, err := e.store.MembershipOf(context.Background(), e.ws.ID, mustUser(t, e.env, email).ID)
		switch {
		case errors.Is(err, models.ErrNotFound):
			out[email] = ""
		case err != nil:
			t.Fatal(err)
		default:
			out[email] = m.Role
		}
	}
	return out
}

func assertRoles(t *testing.T, got map[string]models.Role, want map[string]models.Role) {
	t.Helper()
	for _, email := range memberEmails {
		if got[email] != want[email] {
			t.Errorf("role of %s = %q, want %q", email, got[email], want[email])
		}
	}
}

// startRoles is the workspace before each step: alice owns it, dave is a member.
var startRoles = map[string]models.Role{"alice@example.com": models.RoleOwner, "dave@example.com": models.RoleMember}

// withRoles returns startRoles with some roles changed ("" removes).
func withRoles(changes map[string]models.Role) map[string]models.Role {
	out := map[string]models.Role{}
	for k, v := range startRoles {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

// membershipStep is one AddMember (or RemoveMember when remove is set) call.
type membershipStep struct {
	email     string
	role      models.Role
	remove    bool
	unknownWS bool
	wantErr   error
}

var membershipTests = []struct {
	name      string
	steps     []membershipStep
	wantRoles map[string]models.Role
}{
	{
		name:      "add a member",
		steps:     []membershipStep{{email: "bob@example.com", role: models.RoleMember}},
		wantRoles: withRoles(map[string]models.Role{"bob@example.com": models.RoleMember}),
	},
	{
		name:      "add by email in any case",
		steps:     []membershipStep{{email: " BOB@Example.com", role: models.RoleViewer}},
		wantRoles: withRoles(map[string]models.Role{"bob@example.com": models.RoleViewer}),
	},
	{
		name:      "bad role",
		steps:     []membershipStep{{email: "bob@example.com", role: "boss", wantErr: errAny}},
		wantRoles: startRoles,
	},
	{
		name:      "role names are exact",
		steps:     []membershipStep{{email: "bob@example.com", role: "Admin", wantErr: errAny}},
		wantRoles: startRoles,
	},
	{
		name:      "unknown workspace",
		steps:     []membershipStep{{email: "bob@example.com", role: models.RoleMember, unknownWS: true, wantErr: accounts.ErrUnknownWorkspace}},
		wantRoles: startRoles,
	},
	{
		name:      "unknown email",
		steps:     []membershipStep{{email: "nobody@example.com", role: models.RoleMember, wantErr: accounts.ErrUnknownEmail}},
		wantRoles: startRoles,
	},
	{
		name:      "change a member's role",
		steps:     []membershipStep{{email: "dave@example.com", role: models.RoleAdmin}},
		wantRoles: withRoles(map[string]models.Role{"dave@example.com": models.RoleAdmin}),
	},
	{
		name:      "demoting the last owner is refused",
		steps:     []membershipStep{{email: "alice@example.com", role: models.RoleAdmin, wantErr: accounts.ErrLastOwner}},
		wantRoles: startRoles,
	},
	{
		name:      "re-adding the last owner as owner is fine",
		steps:     []membershipStep{{email: "alice@example.com", role: models.RoleOwner}},
		wantRoles: startRoles,
	},
	{
		name: "an owner can be demoted once there is another",
		steps: []membershipStep{
			{email: "dave@example.com", role: models.RoleOwner},
			{email: "alice@example.com", role: models.RoleViewer},
			{email: "dave@example.com", role: models.RoleMember, wantErr: accounts.ErrLastOwner},
		},
		wantRoles: map[string]models.Role{"alice@example.com": models.RoleViewer, "dave@example.com": models.RoleOwner},
	},
	{
		name:      "remove a member",
		steps:     []membershipStep{{email: "dave@example.com", remove: true}},
		wantRoles: withRoles(map[string]models.Role{"dave@example.com": ""}),
	},
	{
		name:      "remove by email in any case",
		steps:     []membershipStep{{email: "DAVE@example.com ", remove: true}},
		wantRoles: withRoles(map[string]models.Role{"dave@example.com": ""}),
	},
	{
		name:      "remove a non-member",
		steps:     []membershipStep{{email: "bob@example.com", remove: true, wantErr: accounts.ErrNotMember}},
		wantRoles: startRoles,
	},
	{
		name:      "remove from an unknown workspace",
		steps:     []membershipStep{{email: "dave@example.com", remove: true, unknownWS: true, wantErr: accounts.ErrUnknownWorkspace}},
		wantRoles: startRoles,
	},
	{
		name:      "remove an unknown email",
		steps:     []membershipStep{{email: "nobody@example.com", remove: true, wantErr: accounts.ErrUnknownEmail}},
		wantRoles: startRoles,
	},
	{
		name:      "the last owner cannot leave",
		steps:     []membershipStep{{email: "alice@example.com", remove: true, wantErr: accounts.ErrLastOwner}},
		wantRoles: startRoles,
	},
	{
		name: "with two owners one can leave, then the other cannot",
		steps: []membershipStep{
			{email: "bob@example.com", role: models.RoleOwner},
			{email: "alice@example.com", remove: true},
			{email: "bob@example.com", remove: true, wantErr: accounts.ErrLastOwner},
		},
		wantRoles: withRoles(map[string]models.Role{"alice@example.com": "", "bob@example.com": models.RoleOwner}),
	},
}

func TestAddAndRemoveMember(t *testing.T) {
	for _, tt := range membershipTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newMemberEnv(t)
			for i, st := range tt.steps {
				wsID := e.ws.ID
				if st.unknownWS {
					wsID = "no-such-workspace"
				}
				var err error
				call := fmt.Sprintf("AddMember(%q, %q)", st.email, st.role)
				if st.remove {
					call = fmt.Sprintf("RemoveMember(%q)", st.email)
					err = e.svc.RemoveMember(ctx, wsID, st.email, testActor)
				} else {
					err = e.svc.AddMember(ctx, wsID, st.email, st.role)
				}
				checkErr(t, fmt.Sprintf("step %d: %s", i+1, call), err, st.wantErr)
			}
			assertRoles(t, e.roles(t), tt.wantRoles)
		})
	}
}

func TestRemoveMemberTakesTheWorkspaceOffTheirList(t *testing.T) {
	ctx := context.Background()
	e := newMemberEnv(t)
	dave := mustUser(t, e.env, "dave@example.com")
	if err := e.svc.RemoveMember(ctx, e.ws.ID, dave.Email, testActor); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.WorkspacesOf(ctx, dave.ID)
	if err != nil || len(got) != 0 {
		t.Errorf("WorkspacesOf(dave) after removal = %+v, %v; want none", got, err)
	}
}

var testActor = models.Actor{Type: models.ActorCLI, ID: "test"}
