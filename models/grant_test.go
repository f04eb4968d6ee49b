package models_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

func TestPutGrantSetsExactlyTheScopesAndWorkspacesGiven(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	u := newUser(t, s, "grant@example.com")
	c := newClient(t, s, "grant-app")
	var ws []string
	for _, name := range []string{"A", "B", "C"} {
		ws = append(ws, newWorkspace(t, s, name, u).ID)
	}
	slices.Sort(ws)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	first := putGrant(t, s, u, c.ID, "openid", ws[:2], at)

	steps := []struct {
		name       string
		revoke     bool
		scopes     string
		workspaces []string
	}{
		{"same again", false, "openid", ws[:2]},
		{"one out, one in", false, "openid profile", []string{ws[0], ws[2]}},
		{"all out", false, "openid", nil},
		{"all in", false, "openid", ws},
		{"approved again after revocation", true, "profile", ws[1:2]},
		{"same again after that", false, "profile", ws[1:2]},
	}
	live := first
	for i, step := range steps {
		at = at.Add(time.Hour)
		if step.revoke {
			if _, err := s.RevokeGrant(ctx, live, at); err != nil {
				t.Fatal(err)
			}
		}
		newID := uuid.NewString()
		id, err := s.PutGrant(ctx, newID, u.ID, c.ID, step.scopes, step.workspaces, at)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		// A revoked grant is never revived (its tokens would come back
		// with it): the approval after it is a new grant.
		if step.revoke {
			if id != newID {
				t.Errorf("%s: grant id %q, want the new grant %q", step.name, id, newID)
			}
			live = id
		} else if id != live {
			t.Errorf("%s: grant id %q, want the existing grant %q", step.name, id, live)
		}
		g, err := s.ActiveGrantOf(ctx, u.ID, c.ID)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		want := step.workspaces
		if want == nil {
			want = []string{}
		}
		if g.Scopes != step.scopes || !slices.Equal(g.WorkspaceIDs, want) {
			t.Errorf("step %d %s: grant has %q %v, want %q %v", i, step.name, g.Scopes, g.WorkspaceIDs, step.scopes, want)
		}
		row, err := s.GrantByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !row.UpdatedAt.Equal(at) || row.RevokedAt != nil {
			t.Errorf("%s: updated %v revoked %v, want updated %v and live", step.name, row.UpdatedAt, row.RevokedAt, at)
		}
	}
}

func TestPutGrantRefusesAWorkspaceThatDoesNotExist(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	u := newUser(t, s, "grant@example.com")
	c := newClient(t, s, "grant-app")
	w := newWorkspace(t, s, "A", u)
	putGrant(t, s, u, c.ID, "openid", []string{w.ID}, time.Now())
	err := s.InTx(ctx, func(tx *models.Store) error {
		_, err := tx.PutGrant(ctx, uuid.NewString(), u.ID, c.ID, "openid profile", []string{w.ID, "no-such-workspace"}, time.Now())
		return err
	})
	if err == nil {
		t.Fatal("PutGrant with an unknown workspace succeeded")
	}
	g, err := s.ActiveGrantOf(ctx, u.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Scopes != "openid" || !slices.Equal(g.WorkspaceIDs, []string{w.ID}) {
		t.Errorf("refused change left %q %v, want the grant as it was", g.Scopes, g.WorkspaceIDs)
	}
}
