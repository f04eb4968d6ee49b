package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

var workspaceNameKeyTests = []struct {
	in, want string
}{
	{"Acme", "acme"},
	{"  Acme   Corp ", "acme corp"},
	{"ACME\tCORP", "acme corp"},
	{"", ""},
}

func TestWorkspaceNameKey(t *testing.T) {
	for _, tt := range workspaceNameKeyTests {
		if got := models.WorkspaceNameKey(tt.in); got != tt.want {
			t.Errorf("WorkspaceNameKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCreateWorkspaceMakesTheCreatorOwner(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	w := newWorkspace(t, s, "Acme Corp", alice)

	m, err := s.MembershipOf(ctx, w.ID, alice.ID)
	if err != nil {
		t.Fatalf("MembershipOf creator: %v", err)
	}
	if m.Role != models.RoleOwner {
		t.Errorf("creator's role = %q, want %q", m.Role, models.RoleOwner)
	}
	if n, err := s.CountOwners(ctx, w.ID); err != nil || n != 1 {
		t.Errorf("CountOwners = %d, %v; want 1", n, err)
	}
	got, err := s.WorkspaceByID(ctx, w.ID)
	if err != nil {
		t.Fatalf("WorkspaceByID: %v", err)
	}
	if got.Name != "Acme Corp" || got.NameKey != "acme corp" || got.CreatedByID != alice.ID {
		t.Errorf("stored workspace = %+v, want name %q, key %q, creator %q", got, "Acme Corp", "acme corp", alice.ID)
	}
}

var duplicateWorkspaceNameTests = []struct {
	name   string
	second string
}{
	{"same name", "Acme Corp"},
	{"other case", "ACME corp"},
	{"other spacing", "  acme   Corp "},
}

func TestCreateWorkspaceSameCreatorSameNameConflicts(t *testing.T) {
	for _, tt := range duplicateWorkspaceNameTests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t)
			alice := newUser(t, s, "alice@example.com")
			newWorkspace(t, s, "Acme Corp", alice)
			dup := models.Workspace{ID: uuid.NewString(), Name: tt.second, CreatedByID: alice.ID}
			if err := s.CreateWorkspace(ctx, &dup); !errors.Is(err, models.ErrConflict) {
				t.Fatalf("CreateWorkspace(%q) err = %v, want ErrConflict", tt.second, err)
			}
			if _, err := s.WorkspaceByID(ctx, dup.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("refused workspace was stored: err = %v, want ErrNotFound", err)
			}
			if got, err := s.WorkspacesOf(ctx, alice.ID); err != nil || len(got) != 1 {
				t.Errorf("WorkspacesOf(alice) = %v, %v; want only the first workspace", got, err)
			}
		})
	}
}

func TestCreateWorkspaceAnotherCreatorMayReuseTheName(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	bob := newUser(t, s, "bob@example.com")
	a := newWorkspace(t, s, "Acme", alice)
	b := newWorkspace(t, s, "acme", bob)
	if a.ID == b.ID {
		t.Fatal("two workspaces share an id")
	}
	got, err := s.WorkspaceByCreatorAndName(ctx, bob.ID, "ACME")
	if err != nil {
		t.Fatalf("WorkspaceByCreatorAndName(bob): %v", err)
	}
	if got.ID != b.ID {
		t.Errorf("WorkspaceByCreatorAndName(bob, ACME) = %q, want bob's %q", got.ID, b.ID)
	}
	if _, err := s.WorkspaceByCreatorAndName(ctx, bob.ID, "Other"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("WorkspaceByCreatorAndName(unknown name) err = %v, want ErrNotFound", err)
	}
}

func TestWorkspaceByIDUnknownIsNotFound(t *testing.T) {
	s := storetest.Open(t)
	if _, err := s.WorkspaceByID(context.Background(), "nope"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("WorkspaceByID(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestWorkspacesOfIsScopedToTheUserAndCarriesTheirRole(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	bob := newUser(t, s, "bob@example.com")
	carol := newUser(t, s, "carol@example.com")
	zeta := newWorkspace(t, s, "Zeta", alice)
	beta := newWorkspace(t, s, "beta", bob)
	newWorkspace(t, s, "Bob only", bob)
	if err := s.PutMembership(ctx, beta.ID, alice.ID, models.RoleViewer); err != nil {
		t.Fatal(err)
	}

	got, err := s.WorkspacesOf(ctx, alice.ID)
	if err != nil {
		t.Fatalf("WorkspacesOf(alice): %v", err)
	}
	// Ordered by name, case-insensitively.
	want := []models.UserWorkspace{
		{ID: beta.ID, Name: "beta", Role: models.RoleViewer},
		{ID: zeta.ID, Name: "Zeta", Role: models.RoleOwner},
	}
	if len(got) != len(want) {
		t.Fatalf("WorkspacesOf(alice) = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("WorkspacesOf(alice)[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}

	none, err := s.WorkspacesOf(ctx, carol.ID)
	if err != nil || len(none) != 0 {
		t.Errorf("WorkspacesOf(carol) = %+v, %v; want none", none, err)
	}
}

func TestPutMembershipUpsertsTheRole(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	bob := newUser(t, s, "bob@example.com")
	w := newWorkspace(t, s, "Acme", alice)

	for _, role := range []models.Role{models.RoleViewer, models.RoleAdmin, models.RoleMember} {
		if err := s.PutMembership(ctx, w.ID, bob.ID, role); err != nil {
			t.Fatalf("PutMembership(%s): %v", role, err)
		}
		m, err := s.MembershipOf(ctx, w.ID, bob.ID)
		if err != nil {
			t.Fatalf("MembershipOf: %v", err)
		}
		if m.Role != role {
			t.Errorf("role after PutMembership(%s) = %q", role, m.Role)
		}
	}
	got, err := s.WorkspacesOf(ctx, bob.ID)
	if err != nil || len(got) != 1 {
		t.Fatalf("WorkspacesOf(bob) = %+v, %v; want one membership, not one per put", got, err)
	}
	if owner, err := s.MembershipOf(ctx, w.ID, alice.ID); err != nil || owner.Role != models.RoleOwner {
		t.Errorf("alice's membership = %+v, %v; want her to stay owner", owner, err)
	}
}

func TestMembershipOfNonMemberIsNotFound(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	bob := newUser(t, s, "bob@example.com")
	w := newWorkspace(t, s, "Acme", alice)
	if _, err := s.MembershipOf(ctx, w.ID, bob.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("MembershipOf(non-member) err = %v, want ErrNotFound", err)
	}
}

func TestDeleteMembership(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	bob := newUser(t, s, "bob@example.com")
	w := newWorkspace(t, s, "Acme", alice)
	other := newWorkspace(t, s, "Other", bob)

	if err := s.DeleteMembership(ctx, w.ID, bob.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("DeleteMembership(non-member) err = %v, want ErrNotFound", err)
	}
	if err := s.PutMembership(ctx, w.ID, bob.ID, models.RoleMember); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMembership(ctx, w.ID, bob.ID); err != nil {
		t.Fatalf("DeleteMembership(member): %v", err)
	}
	if _, err := s.MembershipOf(ctx, w.ID, bob.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("membership after delete: err = %v, want ErrNotFound", err)
	}
	if _, err := s.MembershipOf(ctx, other.ID, bob.ID); err != nil {
		t.Errorf("bob's membership of another workspace: %v, want it untouched", err)
	}
	if _, err := s.MembershipOf(ctx, w.ID, alice.ID); err != nil {
		t.Errorf("alice's membership: %v, want it untouched", err)
	}
}

func TestCountOwners(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	bob := newUser(t, s, "bob@example.com")
	carol := newUser(t, s, "carol@example.com")
	w := newWorkspace(t, s, "Acme", alice)
	newWorkspace(t, s, "Elsewhere", carol) // owners elsewhere do not count

	steps := []struct {
		name string
		do   func() error
		want int64
	}{
		{"creator only", func() error { return nil }, 1},
		{"an admin is not an owner", func() error { return s.PutMembership(ctx, w.ID, bob.ID, models.RoleAdmin) }, 1},
		{"promoted to owner", func() error { return s.PutMembership(ctx, w.ID, bob.ID, models.RoleOwner) }, 2},
		{"owner leaves", func() error { return s.DeleteMembership(ctx, w.ID, alice.ID) }, 1},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := s.CountOwners(ctx, w.ID)
		if err != nil {
			t.Fatalf("%s: CountOwners: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: CountOwners = %d, want %d", st.name, got, st.want)
		}
	}
	if got, err := s.CountOwners(ctx, "no-such-workspace"); err != nil || got != 0 {
		t.Errorf("CountOwners(unknown) = %d, %v; want 0", got, err)
	}
}
