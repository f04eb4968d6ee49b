package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// grantWithToken gives a user a grant to a client reaching one workspace,
// and one live access token for it, straight through the store.
func grantWithToken(t *testing.T, store *models.Store, userID, clientID, workspaceID string) []byte {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	var hash []byte
	err := store.InTx(ctx, func(tx *models.Store) error {
		grantID, err := tx.PutGrant(ctx, "grant-"+userID, userID, clientID, "workspace:read", []string{workspaceID}, now)
		if err != nil {
			return err
		}
		hash = secret.Hash("ost_" + userID)
		return tx.CreateTokens(ctx, []string{workspaceID}, &models.Token{
			ID: "token-" + userID, Hash: hash, Kind: models.AccessToken, GrantID: grantID, ClientID: clientID,
			UserID: userID, FamilyID: "family-" + userID, Scopes: "workspace:read", NeedsWorkspace: true,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

// tokenRevoked says whether the access token's row is marked revoked (the
// cascades of a member's removal and of a client's disabling write it).
func tokenRevoked(t *testing.T, store *models.Store, hash []byte) bool {
	t.Helper()
	tok, err := store.TokenByHash(context.Background(), models.AccessToken, hash)
	if err != nil {
		t.Fatal(err)
	}
	return tok.RevokedAt != nil
}

func auditActions(t *testing.T, store *models.Store) []string {
	t.Helper()
	var out []string
	if err := store.EachAuditEvent(context.Background(), time.Time{}, func(ev models.AuditEvent) error {
		out = append(out, ev.Action)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRemoveMemberCascades(t *testing.T) {
	f := newWorkspaceFixture(t)
	runJSON(t, "--db", f.db, "user", "create", "--email", "dave@example.com", "--password", "dave-password")
	runJSON(t, "--db", f.db, "workspace", "add-member", "--workspace", f.workspaceID, "--email", "dave@example.com", "--role", "member")
	client := runJSON(t, "--db", f.db, "client", "create", "--name", "Pixel", "--redirect-uri", "https://pixel.example/cb", "--scopes", "workspace:read")
	clientID := mustString(t, client, "client_id")
	store := openStore(t, f.db)
	dave := mustUserID(t, store, "dave@example.com")
	hash := grantWithToken(t, store, dave, clientID, f.workspaceID)

	runJSON(t, "--db", f.db, "workspace", "remove-member", "--workspace", f.workspaceID, "--email", "dave@example.com")
	if !tokenRevoked(t, store, hash) {
		t.Error("the removed member's token for that workspace is still live")
	}
	if got := auditActions(t, store); !slices.Equal(got, []string{"membership.removed", "tokens.revoked"}) {
		t.Errorf("audit = %v, want membership.removed then tokens.revoked", got)
	}
	if r := runCLI(t, "--db", f.db, "audit", "verify"); r.code != 0 {
		t.Errorf("audit verify after the cascade: exit %d %s", r.code, r.stderr)
	}
}

func TestClientDisableCascades(t *testing.T) {
	f := newWorkspaceFixture(t)
	client := runJSON(t, "--db", f.db, "client", "create", "--name", "Pixel", "--redirect-uri", "https://pixel.example/cb", "--scopes", "workspace:read")
	other := runJSON(t, "--db", f.db, "client", "create", "--name", "Other", "--redirect-uri", "https://other.example/cb", "--scopes", "workspace:read")
	store := openStore(t, f.db)
	owner := mustUserID(t, store, "alice@example.com")
	hash := grantWithToken(t, store, owner, mustString(t, client, "client_id"), f.workspaceID)

	runJSON(t, "--db", f.db, "client", "disable", mustString(t, client, "client_id"))
	if !tokenRevoked(t, store, hash) {
		t.Error("a disabled client's token is still live")
	}
	if got := auditActions(t, store); !slices.Equal(got, []string{"client.disabled", "tokens.revoked"}) {
		t.Errorf("audit = %v", got)
	}
	// Another client is untouched.
	if c, err := store.ClientByID(context.Background(), mustString(t, other, "client_id")); err != nil || c.Disabled() {
		t.Errorf("the other client: %+v, %v", c, err)
	}
}

func TestAuditVerifyAndExport(t *testing.T) {
	f := newWorkspaceFixture(t)
	client := runJSON(t, "--db", f.db, "client", "create", "--name", "=cmd|' /C calc'!A0", "--redirect-uri", "https://pixel.example/cb", "--scopes", "openid")
	runJSON(t, "--db", f.db, "client", "disable", mustString(t, client, "client_id"))

	got := runJSON(t, "--db", f.db, "audit", "verify")
	if got["ok"] != true || got["events"] != float64(1) {
		t.Errorf("audit verify = %v, want ok with 1 event", got)
	}
	r := runCLI(t, "--db", f.db, "audit", "export")
	if r.code != 0 {
		t.Fatalf("audit export: exit %d %s", r.code, r.stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][2] != "client.disabled" {
		t.Fatalf("export = %q (%v), want a header and the client.disabled event", r.stdout, err)
	}
	if r := runCLI(t, "--db", f.db, "audit", "export", "--since", "2999-01-01"); r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("export --since the future: exit %d, %q, want only the header", r.code, r.stdout)
	}
	wantFailure(t, runCLI(t, "--db", f.db, "audit", "export", "--since", "yesterday"), "--since", "RFC 3339")

	raw, err := sql.Open("sqlite3", f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE audit_events SET action = 'client.enabled' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	wantFailure(t, runCLI(t, "--db", f.db, "audit", "verify"), "audit chain broken at event 1")
	wantFailure(t, runCLI(t, "--db", f.db, "--json", "audit", "verify"), `"error":"audit chain broken at event 1`)
}
