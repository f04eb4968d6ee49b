package models_test

import (
	"context"
	"fmt"
	"slices"
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

// tokenIndexes reports which of the token indexes steps 10 and 11 swap
// exist.
func tokenIndexes(t *testing.T, s *models.Store) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, name := range []string{"idx_tokens_live_grant_family", "idx_tokens_grant_family", "idx_tokens_grant_id", "idx_tokens_family_id"} {
		out[name] = indexCount(s, name) == 1
	}
	return out
}

// onlyLiveIndex says whether the live tokens' index is the only one of
// those steps 10 and 11 swap.
func onlyLiveIndex(got map[string]bool) bool {
	return got["idx_tokens_live_grant_family"] && !got["idx_tokens_grant_family"] && !got["idx_tokens_grant_id"] && !got["idx_tokens_family_id"]
}

// liveIndexIsPartial says whether the index of live tokens leaves revoked
// and rotated ones out, as the database stores its definition.
func liveIndexIsPartial(s *models.Store) bool {
	query := "SELECT count(*) FROM sqlite_master WHERE name = 'idx_tokens_live_grant_family' AND sql LIKE '%WHERE revoked_at IS NULL AND rotated_at IS NULL'"
	if storetest.OnPostgres() {
		query = "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_tokens_live_grant_family' AND indexdef LIKE '%WHERE ((revoked_at IS NULL) AND (rotated_at IS NULL))'"
	}
	return s.CountForTest(query) == 1
}

// Steps 10 and 11 replace the token indexes by grant and by family with
// one of live tokens by grant, family and expiry, on a database that has
// the old two; run twice, they change nothing. A family is then revoked
// through the new index, and only that family's live tokens of that grant;
// a grant's revocation counts only its live tokens, from the index.
func TestSteps10And11FileLiveTokensByGrantAndFamily(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if got := tokenIndexes(t, s); !onlyLiveIndex(got) || !liveIndexIsPartial(s) {
		t.Fatalf("a new database's token indexes: %v (partial: %v); want only the one of live tokens", got, liveIndexIsPartial(s))
	}
	// The indexes as the builds before step 10 left them.
	mustExec(t, s,
		"DROP INDEX idx_tokens_live_grant_family",
		"CREATE INDEX idx_tokens_grant_id ON tokens (grant_id)",
		"CREATE INDEX idx_tokens_family_id ON tokens (family_id)",
	)
	for round := range 2 {
		mustExec(t, s, "DELETE FROM schema_migrations WHERE version IN (10, 11)")
		applied, err := s.ApplyMigrations(ctx)
		if err != nil || len(applied) != 2 || applied[0].Version != 10 || applied[1].Version != 11 {
			t.Fatalf("round %d: ApplyMigrations = %+v, %v; want steps 10 and 11", round, applied, err)
		}
		if got := tokenIndexes(t, s); !onlyLiveIndex(got) || !liveIndexIsPartial(s) {
			t.Errorf("round %d: token indexes %v (partial: %v); want only the one of live tokens", round, got, liveIndexIsPartial(s))
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
	rotated, expired, live := family(grant, "f1"), family(grant, "f2"), family(grant, "f2")
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	kept := []*models.Token{live, family(other, "f1")}
	for _, tok := range append(append(revoked, kept...), rotated, expired) {
		if err := s.CreateTokens(ctx, nil, tok); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, s, fmt.Sprintf("UPDATE tokens SET rotated_at = created_at WHERE id = '%s'", rotated.ID))
	if !storetest.OnPostgres() {
		for _, check := range []struct {
			query string
			args  []any
			want  string
		}{
			{models.RevokeFamilySQLForTest, []any{time.Now(), grant, "f1"}, "idx_tokens_live_grant_family (grant_id=? AND family_id=?)"},
			{models.CountLiveTokensOfGrantSQLForTest, []any{grant, time.Now()}, "idx_tokens_live_grant_family (grant_id=?)"},
		} {
			var plan []struct{ Detail string }
			if err := s.ScanForTest(&plan, "EXPLAIN QUERY PLAN "+check.query, check.args...); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(plan, func(p struct{ Detail string }) bool { return strings.Contains(p.Detail, check.want) }) {
				t.Errorf("%s\nis planned as %+v; want a search of %s", check.query, plan, check.want)
			}
		}
	}
	var n int64
	err := s.InTx(ctx, func(tx *models.Store) (err error) {
		n, err = tx.RevokeFamily(ctx, grant, "f1", time.Now())
		return err
	})
	if err != nil || n != 2 {
		t.Fatalf("RevokeFamily = %d, %v; want 2 (the rotated token was dead already)", n, err)
	}
	for _, tok := range append(revoked, rotated) {
		if _, err := s.ActiveTokenByHash(ctx, tok.Hash, time.Now()); err == nil {
			t.Errorf("token %s of the family is still active", tok.ID)
		}
	}
	for _, tok := range kept {
		if _, err := s.ActiveTokenByHash(ctx, tok.Hash, time.Now()); err != nil {
			t.Errorf("token %s (grant %s, family %s) was revoked with another family: %v", tok.ID, tok.GrantID, tok.FamilyID, err)
		}
	}
	err = s.InTx(ctx, func(tx *models.Store) (err error) {
		n, err = tx.RevokeGrant(ctx, grant, time.Now())
		return err
	})
	if err != nil || n != 1 {
		t.Fatalf("RevokeGrant = %d, %v; want 1 (only one token of the grant was live)", n, err)
	}
}
