package demo_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/demo"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// cheapPasswords keeps the tests fast; production uses DefaultPasswordParams.
var cheapPasswords = argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

type fixture struct {
	path string
	svc  demo.Services
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "consentry.db")
	store := storetest.OpenAt(t, path)
	catalog := models.DefaultCatalog()
	return fixture{path: path, svc: demo.Services{
		Store:    store,
		Accounts: accounts.New(store, accounts.NewPasswords(cheapPasswords), accounts.NewThrottle(accounts.DefaultThrottleLimits, time.Now)),
		Clients:  clients.NewRegistry(store, catalog, rand.Reader, time.Now),
		Catalog:  catalog,
	}}
}

// rowCounts counts the rows of every table seeding writes, straight from the
// database file, so a second run that adds anything is caught.
func rowCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts := map[string]int{}
	for _, table := range []string{"users", "workspaces", "memberships", "clients", "settings"} {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

var sessionKey = []byte("0123456789abcdef0123456789abcdef")

const issuer = "http://127.0.0.1:8080"

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)

	first, err := demo.Seed(ctx, f.svc, issuer, sessionKey)
	if err != nil {
		t.Fatalf("first seed: %v", err)
	}
	before := rowCounts(t, f.path)
	second, err := demo.Seed(ctx, f.svc, issuer, sessionKey)
	if err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if after := rowCounts(t, f.path); !maps.Equal(before, after) {
		t.Errorf("row counts changed on the second run: %v, then %v", before, after)
	}
	wantCounts := map[string]int{"users": 4, "workspaces": 3, "memberships": 5, "clients": 1, "settings": 0}
	if !maps.Equal(before, wantCounts) {
		t.Errorf("row counts = %v, want %v", before, wantCounts)
	}
	for i := range first.Accounts {
		if first.Accounts[i].ID != second.Accounts[i].ID {
			t.Errorf("account %s has id %q, then %q", first.Accounts[i].Email, first.Accounts[i].ID, second.Accounts[i].ID)
		}
	}
	for i := range first.Workspaces {
		if first.Workspaces[i].ID != second.Workspaces[i].ID {
			t.Errorf("workspace %s has id %q, then %q", first.Workspaces[i].Name, first.Workspaces[i].ID, second.Workspaces[i].ID)
		}
	}
	if first.ClientID != demo.ClientID || second.ClientID != demo.ClientID {
		t.Errorf("client ids = %q, %q; want %q", first.ClientID, second.ClientID, demo.ClientID)
	}
	if len(second.Warnings) != 0 {
		t.Errorf("second run warned: %q", second.Warnings)
	}
}

// wantRoles is every demo account's workspaces, as the store reports them.
var wantRoles = map[string][]models.UserWorkspace{
	"alice@example.com": {{Name: "Acme Design", Role: models.RoleMember}, {Name: "Acme Marketing", Role: models.RoleOwner}},
	"bob@example.com":   {{Name: "Acme Marketing", Role: models.RoleViewer}, {Name: "Bob's Studio", Role: models.RoleOwner}},
	"admin@example.com": nil,
	"carol@example.com": {{Name: "Acme Design", Role: models.RoleOwner}},
}

func TestSeedCreatesTheDemoData(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sum, err := demo.Seed(ctx, f.svc, issuer, sessionKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Accounts) != len(wantRoles) {
		t.Errorf("summary lists %d accounts, want %d", len(sum.Accounts), len(wantRoles))
	}
	for _, a := range sum.Accounts {
		u, err := f.svc.Accounts.Authenticate(ctx, a.Email, a.Password, "192.0.2.1")
		if err != nil {
			t.Errorf("sign in as %s with %q: %v", a.Email, a.Password, err)
			continue
		}
		if u.ID != a.ID || u.PlatformAdmin != (a.Email == "admin@example.com") {
			t.Errorf("user %s = %+v, want id %q and platform admin only for admin@", a.Email, u, a.ID)
		}
		got, err := f.svc.Store.WorkspacesOf(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			got[i].ID = ""
		}
		if want := wantRoles[a.Email]; !slices.Equal(got, want) {
			t.Errorf("%s's workspaces = %+v, want %+v", a.Email, got, want)
		}
	}
	names := map[string]string{"alice@example.com": "Alice Example", "bob@example.com": "Bob Builder", "admin@example.com": "Ada Admin", "carol@example.com": "Carol Designer"}
	for _, a := range sum.Accounts {
		if a.Name != names[a.Email] {
			t.Errorf("%s is named %q, want %q", a.Email, a.Name, names[a.Email])
		}
	}

	c, err := f.svc.Store.ClientByID(ctx, demo.ClientID)
	if err != nil {
		t.Fatalf("demo client: %v", err)
	}
	if !secret.Matches(c.SecretHash, demo.ClientSecret(sessionKey)) {
		t.Error("stored demo client secret hash does not match demo.ClientSecret(sessionKey)")
	}
	if c.Name != demo.ClientName || c.Type != models.ClientConfidential || c.Disabled() {
		t.Errorf("demo client = %+v, want an enabled confidential %q", c, demo.ClientName)
	}
	if got, want := c.RedirectURIs, []string{issuer + "/demo/callback"}; !slices.Equal(got, want) {
		t.Errorf("redirect URIs = %q, want %q", got, want)
	}
	if got, want := c.AllowedScopes, f.svc.Catalog.Names(); !slices.Equal(got, want) {
		t.Errorf("allowed scopes = %q, want the whole catalog %q", got, want)
	}
}

func TestSeedFollowsANewIssuer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := demo.Seed(ctx, f.svc, issuer, sessionKey); err != nil {
		t.Fatal(err)
	}
	moved := "http://localhost:9999"
	sum, err := demo.Seed(ctx, f.svc, moved, sessionKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Store.ClientByID(ctx, demo.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.RedirectURIs, []string{moved + "/demo/callback"}; !slices.Equal(got, want) || sum.RedirectURI != want[0] {
		t.Errorf("redirect URIs = %q (summary %q), want %q", got, sum.RedirectURI, want)
	}
}

func TestSeedKeepsChangedRoles(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sum, err := demo.Seed(ctx, f.svc, issuer, sessionKey)
	if err != nil {
		t.Fatal(err)
	}
	marketing := sum.Workspaces[0]
	if err := f.svc.Accounts.AddMember(ctx, marketing.ID, "bob@example.com", models.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	sum, err = demo.Seed(ctx, f.svc, issuer, sessionKey)
	if err != nil {
		t.Fatal(err)
	}
	bob := sum.Accounts[1]
	if bob.Email != "bob@example.com" || len(bob.Roles) == 0 || bob.Roles[0] != (demo.WorkspaceRole{Workspace: "Acme Marketing", Role: models.RoleAdmin}) {
		t.Errorf("bob's roles after reseeding = %+v, want admin of Acme Marketing kept", bob.Roles)
	}
}

func TestSeedWarnsWhenTheSessionKeyChanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := demo.Seed(ctx, f.svc, issuer, sessionKey); err != nil {
		t.Fatal(err)
	}
	sum, err := demo.Seed(ctx, f.svc, issuer, []byte("another key, another secret, 32+"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "another session key") {
		t.Errorf("warnings = %q, want one about the session key", sum.Warnings)
	}
}

func TestSeedRefusesAnIssuerNoRedirectURICanUse(t *testing.T) {
	f := newFixture(t)
	_, err := demo.Seed(context.Background(), f.svc, "http://demo.example.com", sessionKey)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("seed with a non-loopback http issuer: err = %v, want a redirect URI error", err)
	}
}

func TestClientSecret(t *testing.T) {
	a, b := demo.ClientSecret(sessionKey), demo.ClientSecret(sessionKey)
	if a != b {
		t.Errorf("ClientSecret is not deterministic: %q, %q", a, b)
	}
	if !strings.HasPrefix(a, secret.PrefixClientSecret) || len(a) < 36 || strings.ContainsAny(a, "+/=") {
		t.Errorf("ClientSecret = %q, want oss_ and at least 36 base64url characters", a)
	}
	if other := demo.ClientSecret([]byte("a different session key of 32 b")); other == a {
		t.Error("different session keys give the same secret")
	}
}
