package web

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/models"
)

// adminWorld is the cast of the platform admin tests: one person per kind
// of access, a registered client and alice's grant to it.
//
//	root   platform admin (no workspace)
//	alice  owner of Acme Marketing (and of Acme Design)
//	dana   admin of Acme Marketing
//	mia    member of Acme Marketing
//	bob    viewer in Acme Marketing
//	olly   in no workspace
type adminWorld struct {
	f         *fixture
	marketing string
	client    models.Client
	secret    string
	grantID   string
	aliceID   string
}

// adminRoles names each signed-in person by their access, for tables.
var adminRoles = []struct{ role, email, password string }{
	{"workspace owner", "alice@example.com", "alice-password"},
	{"workspace admin", "dana@example.com", "dana-password"},
	{"workspace member", "mia@example.com", "mia-password"},
	{"workspace viewer", "bob@example.com", "bob-password"},
	{"outsider", "olly@example.com", "olly-password"},
}

func newAdminWorld(t *testing.T, f *fixture) *adminWorld {
	t.Helper()
	ctx := context.Background()
	for _, u := range []accounts.NewUser{
		{Email: "root@example.com", Password: "root-password", Name: "Rita Root", PlatformAdmin: true},
		{Email: "dana@example.com", Password: "dana-password", Name: "Dana Admin"},
		{Email: "mia@example.com", Password: "mia-password", Name: "Mia Member"},
		{Email: "olly@example.com", Password: "olly-password", Name: "Olly Outsider"},
	} {
		if _, err := f.users.CreateUser(ctx, u); err != nil {
			t.Fatalf("create user: %v", err)
		}
	}
	alice, err := f.store.UserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	marketing, err := f.store.WorkspaceByCreatorAndName(ctx, alice.ID, "Acme Marketing")
	if err != nil {
		t.Fatal(err)
	}
	for email, role := range map[string]models.Role{"dana@example.com": models.RoleAdmin, "mia@example.com": models.RoleMember} {
		if err := f.users.AddMember(ctx, marketing.ID, email, role); err != nil {
			t.Fatalf("add member: %v", err)
		}
	}
	reg, err := f.server.svc.Clients.Register(ctx, clients.Registration{
		Name: "Pixel Reports", RedirectURIs: []string{"https://pixel.example/cb"}, Scopes: []string{"openid", "workspace:read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	grantID, err := f.store.PutGrant(ctx, uuid.NewString(), alice.ID, reg.Client.ID, "openid workspace:read", []string{marketing.ID}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &adminWorld{f: f, marketing: marketing.ID, client: reg.Client, secret: reg.Secret, grantID: grantID, aliceID: alice.ID}
}

// signedIn is a browser signed in as email, from an address of its own so
// sign-in throttling never links the test's people.
func (w *adminWorld) signedIn(t *testing.T, email, password string) *browser {
	t.Helper()
	b := w.f.browser()
	b.ip = "192.0.2." + strconv.Itoa(20+len(email)%200)
	b.signIn(email, password)
	return b
}

func (w *adminWorld) root(t *testing.T) *browser {
	t.Helper()
	return w.signedIn(t, "root@example.com", "root-password")
}

// auditCount is how many events the trail holds.
func (w *adminWorld) auditCount(t *testing.T) int {
	t.Helper()
	return len(auditEvents(t, w.f.store))
}

// auditEvents is every event, oldest first.
func auditEvents(t *testing.T, store *models.Store) []models.AuditEvent {
	t.Helper()
	var out []models.AuditEvent
	err := store.EachAuditEvent(context.Background(), time.Time{}, func(ev models.AuditEvent) error {
		out = append(out, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// clientPage is a client's page path.
func (w *adminWorld) clientPage() string { return "/admin/clients/" + url.PathEscape(w.client.ID) }

// validRegistration is a registration form that passes.
func validRegistration(token string) url.Values {
	return url.Values{
		"_csrf": {token}, "name": {"Rendermatic"}, "type": {"confidential"},
		"homepage_url":  {"https://rendermatic.example"},
		"redirect_uris": {"https://rendermatic.example/callback\r\nhttp://127.0.0.1:9000/cb"},
		"scope":         {"openid", "render:generate"},
	}
}
