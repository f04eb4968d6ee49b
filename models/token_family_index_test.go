package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// indexCount counts the indexes of this name in s's schema (0 or 1).
func indexCount(s *models.Store, name string) int64 {
	if storetest.OnPostgres() {
		return s.CountForTest(fmt.Sprintf("SELECT count(*) FROM pg_indexes WHERE indexname = '%s'", name))
	}
	return s.CountForTest(fmt.Sprintf("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '%s'", name))
}

// tokenIndexes reports which of the token indexes step 10 swaps exist.
func tokenIndexes(t *testing.T, s *models.Store) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, name := range []string{"idx_tokens_grant_family", "idx_tokens_grant_id", "idx_tokens_family_id"} {
		out[name] = indexCount(s, name) == 1
	}
	return out
}

// Step 10 replaces the token indexes by grant and by family with one by
// both, on a database that has the two; run twice, it changes nothing. A
// family is then revoked through the new index, and only that family of
// that grant.
func TestStep10FilesTokensByGrantAndFamily(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if got := tokenIndexes(t, s); !got["idx_tokens_grant_family"] || got["idx_tokens_grant_id"] || got["idx_tokens_family_id"] {
		t.Fatalf("a new database's token indexes: %v; want only the one by grant and family", got)
	}
	// The indexes as the builds before step 10 left them.
	mustExec(t, s,
		"DROP INDEX idx_tokens_grant_family",
		"CREATE INDEX idx_tokens_grant_id ON tokens (grant_id)",
		"CREATE INDEX idx_tokens_family_id ON tokens (family_id)",
	)
	for round := range 2 {
		mustExec(t, s, "DELETE FROM schema_migrations WHERE version = 10")
		applied, err := s.ApplyMigrations(ctx)
		if err != nil || len(applied) != 1 || applied[0].Version != 10 {
			t.Fatalf("round %d: ApplyMigrations = %+v, %v; want step 10", round, applied, err)
		}
		if got := tokenIndexes(t, s); !got["idx_tokens_grant_family"] || got["idx_tokens_grant_id"] || got["idx_tokens_family_id"] {
			t.Errorf("round %d: token indexes %v; want only the one by grant and family", round, got)
		}
	}

	u := newUser(t, s, "step10@example.com")
	c := newClient(t, s, "step10-app")
	ws := newWorkspace(t, s, "A", u)
	grant := putGrant(t, s, u, c.ID, "workspace:read", []string{ws.ID}, time.Now())
	other := putGrant(t, s, newUser(t, s, "other10@example.com"), c.ID, "workspace:read", []string{}, time.Now())
	family := func(grantID, familyID string) *models.Token {
		tok := newToken(grantID, c.ID, u.ID, models.RefreshToken)
		tok.FamilyID = familyID
		return tok
	}
	revoked := []*models.Token{family(grant, "f1"), family(grant, "f1")}
	kept := []*models.Token{family(grant, "f2"), family(other, "f1")}
	for _, tok := range append(revoked, kept...) {
		if err := s.CreateTokens(ctx, nil, tok); err != nil {
			t.Fatal(err)
		}
	}
	if !storetest.OnPostgres() {
		var plan []struct{ Detail string }
		if err := s.ScanForTest(&plan, "EXPLAIN QUERY PLAN UPDATE tokens SET revoked_at = ? WHERE grant_id = ? AND family_id = ? AND revoked_at IS NULL",
			time.Now(), grant, "f1"); err != nil {
			t.Fatal(err)
		}
		if len(plan) == 0 || !strings.Contains(plan[0].Detail, "idx_tokens_grant_family (grant_id=? AND family_id=?)") {
			t.Errorf("revoking a family is planned as %+v; want a search of idx_tokens_grant_family by both", plan)
		}
	}
	var n int64
	err := s.InTx(ctx, func(tx *models.Store) (err error) {
		n, err = tx.RevokeFamily(ctx, grant, "f1", time.Now())
		return err
	})
	if err != nil || n != 2 {
		t.Fatalf("RevokeFamily = %d, %v; want 2", n, err)
	}
	for _, tok := range revoked {
		if _, err := s.ActiveTokenByHash(ctx, tok.Hash, time.Now()); err == nil {
			t.Errorf("token %s of the family is still active", tok.ID)
		}
	}
	for _, tok := range kept {
		if _, err := s.ActiveTokenByHash(ctx, tok.Hash, time.Now()); err != nil {
			t.Errorf("token %s (grant %s, family %s) was revoked with another family: %v", tok.ID, tok.GrantID, tok.FamilyID, err)
		}
	}
}
