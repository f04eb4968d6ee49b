package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// tokenWorkspaceIndexes counts the two indexes step 9 swaps: the new one by
// grant and the old one by workspace.
func tokenWorkspaceIndexes(t *testing.T, s *models.Store) (byGrant, byWorkspace int64) {
	t.Helper()
	return indexCount(s, "idx_token_workspaces_grant_workspace"), indexCount(s, "idx_token_workspaces_workspace_token")
}

// Step 9 gives every token workspace row its token's grant, on a database
// whose rows have none, and swaps the index; run twice, it changes nothing.
// Afterwards a row inserted the way the previous release does, naming no
// grant, gets its token's from the trigger, and so a cascade still reaches
// it: a token issued beside the upgrade loses the workspace like the rest.
func TestStep9FilesTokenWorkspacesByGrant(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "step9@example.com")
	c := newClient(t, s, "step9-app")
	a, b := newWorkspace(t, s, "A", u), newWorkspace(t, s, "B", u)
	grant := putGrant(t, s, u, c.ID, "workspace:read", []string{a.ID, b.ID}, time.Now())
	other := putGrant(t, s, newUser(t, s, "other9@example.com"), c.ID, "workspace:read", nil, time.Now())
	onlyA, both := newToken(grant, c.ID, u.ID, models.AccessToken), newToken(grant, c.ID, u.ID, models.AccessToken)
	if err := s.CreateTokens(ctx, []string{a.ID}, onlyA); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTokens(ctx, []string{a.ID, b.ID}, both); err != nil {
		t.Fatal(err)
	}
	// The table as the builds before step 9 left it, rows kept.
	if storetest.OnPostgres() {
		mustExec(t, s,
			"DROP TRIGGER token_workspaces_grant_id ON token_workspaces",
			"DROP FUNCTION token_workspaces_grant_id()",
			"ALTER TABLE token_workspaces DROP COLUMN token_grant_id",
			"CREATE INDEX idx_token_workspaces_workspace_token ON token_workspaces (workspace_id, token_id)",
		)
	} else {
		mustExec(t, s,
			"DROP TRIGGER token_workspaces_grant_id",
			"CREATE TABLE old_tw AS SELECT token_id, workspace_id FROM token_workspaces",
			"DROP TABLE token_workspaces",
			tokenWorkspacesBeforeStep9+" WITHOUT ROWID",
			tokenWorkspacesIndexBeforeStep9,
			"INSERT INTO token_workspaces SELECT * FROM old_tw",
			"DROP TABLE old_tw",
		)
	}
	if byGrant, byWorkspace := tokenWorkspaceIndexes(t, s); byGrant != 0 || byWorkspace != 1 {
		t.Fatalf("before step 9: %d index by grant, %d by workspace; want 0, 1", byGrant, byWorkspace)
	}
	for round := range 2 {
		mustExec(t, s, "DELETE FROM schema_migrations WHERE version = 9")
		applied, err := s.ApplyMigrations(ctx)
		if err != nil || len(applied) != 1 || applied[0].Version != 9 {
			t.Fatalf("round %d: ApplyMigrations = %+v, %v; want step 9", round, applied, err)
		}
		if n := s.CountForTest(fmt.Sprintf("SELECT count(*) FROM token_workspaces WHERE token_grant_id = '%s'", grant)); n != 3 {
			t.Errorf("round %d: %d rows filed under the grant, want 3", round, n)
		}
		if n := s.CountForTest("SELECT count(*) FROM token_workspaces WHERE token_grant_id IS NULL"); n != 0 {
			t.Errorf("round %d: %d rows without a grant", round, n)
		}
		if byGrant, byWorkspace := tokenWorkspaceIndexes(t, s); byGrant != 1 || byWorkspace != 0 {
			t.Errorf("round %d: %d index by grant, %d by workspace; want 1, 0", round, byGrant, byWorkspace)
		}
	}

	// An instance of the previous release issues a token for A, and
	// another for A under someone else's grant of the same app.
	legacy, elsewhere := newToken(grant, c.ID, u.ID, models.AccessToken), newToken(other, c.ID, u.ID, models.AccessToken)
	if err := s.CreateTokens(ctx, nil, legacy, elsewhere); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s,
		fmt.Sprintf("INSERT INTO token_workspaces (token_id, workspace_id) VALUES ('%s', '%s')", legacy.ID, a.ID),
		fmt.Sprintf("INSERT INTO token_workspaces (token_id, workspace_id) VALUES ('%s', '%s')", elsewhere.ID, a.ID),
	)
	if n := s.CountForTest(fmt.Sprintf("SELECT count(*) FROM token_workspaces WHERE token_grant_id = '%s'", grant)); n != 4 {
		t.Errorf("after an old build's insert: %d rows filed under the grant, want 4", n)
	}
	var removal models.WorkspaceRemoval
	err := s.InTx(ctx, func(tx *models.Store) error {
		var err error
		removal, err = tx.RemoveGrantWorkspace(ctx, models.GrantFilter{GrantID: grant}, a.ID, time.Now())
		return err
	})
	if err != nil || removal.TokensRevoked != 2 || removal.Grants != 1 {
		t.Fatalf("RemoveGrantWorkspace = %+v, %v; want 2 tokens revoked, 1 grant", removal, err)
	}
	for _, tok := range []*models.Token{onlyA, legacy} {
		if _, err := s.ActiveTokenByHash(ctx, tok.Hash, time.Now()); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a token left with no workspace: ActiveTokenByHash err = %v, want ErrNotFound", err)
		}
	}
	if got, err := s.TokenWorkspaceIDs(ctx, both.ID, grant); err != nil || !slices.Equal(got, []string{b.ID}) {
		t.Errorf("the token of A and B reaches %v, %v; want [B]", got, err)
	}
	if n := s.CountForTest(fmt.Sprintf("SELECT count(*) FROM token_workspaces WHERE workspace_id = '%s'", a.ID)); n != 1 {
		t.Errorf("%d rows left for A, want 1 (the other grant's token)", n)
	}
}
