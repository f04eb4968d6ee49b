package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/models"
)

var (
	rowEmail        = regexp.MustCompile(`<th scope="row" role="rowheader" class="grantor-person">.*?<span class="person-email">([^<]+)</span>`)
	grantsOlderLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">Older →</a>`)
)

// grantEmails is the owner's email of each grant row on a page, in order.
func grantEmails(body string) []string {
	var out []string
	for _, m := range rowEmail.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// seedGrants gives n users (user-00@example.com …) a grant each to client,
// one second apart (the last three in the same instant, so ties are broken
// by id), the even ones reaching workspaceID.
func seedGrants(t *testing.T, store *models.Store, n int, clientID, workspaceID string, base time.Time) []string {
	t.Helper()
	ctx := context.Background()
	var emails []string
	for i := range n {
		u := models.User{ID: uuid.NewString(), Email: fmt.Sprintf("user-%02d@example.com", i), Name: fmt.Sprintf("User %02d", i), PasswordHash: "x"}
		if err := store.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		var ws []string
		if i%2 == 0 {
			ws = []string{workspaceID}
		}
		at := base.Add(time.Duration(min(i, n-3)) * time.Second)
		if _, err := store.PutGrant(ctx, uuid.NewString(), u.ID, clientID, "openid workspace:read", ws, at); err != nil {
			t.Fatal(err)
		}
		emails = append(emails, u.Email)
	}
	return emails
}

// TestAdminGrantsPagesByCursor: 60 grants come in pages of 50 through the
// "Older" link, newest first, with no grant missing or repeated even when
// new grants arrive between the pages.
func TestAdminGrantsPagesByCursor(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	emails := seedGrants(t, f.store, 60, w.client.ID, w.marketing, time.Now().Add(-time.Hour))
	root := w.root(t)

	first := root.get("/admin/grants")
	wantStatus(t, first, http.StatusOK)
	page1 := grantEmails(first.body)
	if len(page1) != models.DefaultGrantPageSize {
		t.Fatalf("first page has %d grants, want %d", len(page1), models.DefaultGrantPageSize)
	}
	// A grant created between the two loads must not shift the next page.
	seedLate := models.User{ID: uuid.NewString(), Email: "late@example.com", Name: "Late", PasswordHash: "x"}
	if err := f.store.CreateUser(context.Background(), &seedLate); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.PutGrant(context.Background(), uuid.NewString(), seedLate.ID, w.client.ID, "openid", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	next := html.UnescapeString(field(t, grantsOlderLink, first.body))
	if !strings.Contains(next, "after=") || strings.Contains(next, "offset") {
		t.Errorf("older link %q is not a cursor", next)
	}
	second := root.get(next)
	wantStatus(t, second, http.StatusOK)
	page2 := grantEmails(second.body)
	if grantsOlderLink.MatchString(second.body) {
		t.Error("the last page has an Older link")
	}
	if !strings.Contains(second.body, "← Newest") {
		t.Error("a later page has no way back to the newest")
	}
	got := append(slices.Clone(page1), page2...)
	want := append(slices.Clone(emails), "alice@example.com") // and the world's own grant
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages hold %d grants, want each of the %d exactly once:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	if page1[0] == "late@example.com" || slices.Contains(page2, "late@example.com") {
		t.Error("a grant created after the first load appeared in the pages")
	}
	if res := root.get("/admin/grants?after=yesterday"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a damaged cursor: %d, want 400", res.StatusCode)
	}
}

// TestAdminGrantsSearch: the search narrows by email, app and workspace,
// alone or together, and takes LIKE wildcards literally.
func TestAdminGrantsSearch(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	ctx := context.Background()
	seedGrants(t, f.store, 6, w.client.ID, w.marketing, time.Now().Add(-time.Hour))
	other, err := f.server.svc.Clients.Register(ctx, clients.Registration{
		Name: "Rendermatic", RedirectURIs: []string{"https://render.example/cb"}, Scopes: []string{"openid"},
	})
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := f.store.UserByEmail(ctx, "bob@example.com")
	if _, err := f.store.PutGrant(ctx, uuid.NewString(), bob.ID, other.Client.ID, "openid", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	root := w.root(t)
	tests := []struct {
		query string
		want  []string
	}{
		{"user=USER-03", []string{"user-03@example.com"}},
		{"user=bob%40", []string{"bob@example.com"}},
		{"client=render", []string{"bob@example.com"}},
		{"client=" + url.QueryEscape(other.Client.ID), []string{"bob@example.com"}},
		{"workspace=acme+MARKETING", []string{"alice@example.com", "user-00@example.com", "user-02@example.com", "user-04@example.com"}},
		{"workspace=" + w.marketing + "&user=user-0", []string{"user-00@example.com", "user-02@example.com", "user-04@example.com"}},
		{"client=pixel&workspace=design", nil},
		{"user=%25", nil},
		{"user=_", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := root.get("/admin/grants?" + tt.query)
			wantStatus(t, res, http.StatusOK)
			got := grantEmails(res.body)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("grants = %v, want %v", got, tt.want)
			}
			if len(tt.want) == 0 && !strings.Contains(res.body, "No grants match") {
				t.Error("an empty search result has no empty state")
			}
		})
	}
	if body := root.get("/admin/grants?user=bob").body; !strings.Contains(body, `value="bob"`) || !strings.Contains(body, ">Clear<") {
		t.Error("the search form does not keep the query or offer to clear it")
	}
}

// TestAdminRevokesAnyGrant: a platform admin revokes someone's grant from
// the list; the person's tokens stop working, the audit event names the
// admin as actor and the person as subject, and the admin lands back on
// the list with their search.
func TestAdminRevokesAnyGrant(t *testing.T) {
	live := startLive(t)
	newAdminWorld(t, live.fixture)
	app := live.registerApp(t, "Rendermatic")
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	tok := approveFlow(t, alice, app, []string{"openid", "workspace:read", "offline_access"}, []string{marketing})

	root := live.person(t)
	root.signIn("root@example.com", "root-password")
	list := root.get("/admin/grants?client=Rendermatic")
	action := regexp.MustCompile(`action="(/admin/grants/[^"]+/revoke)"`).FindStringSubmatch(list.body)
	if action == nil {
		t.Fatalf("no revoke form on the list:\n%s", list.body)
	}
	token := field(t, csrfInput, list.body)
	res := root.post(action[1], url.Values{"_csrf": {token}, "return_to": {"/admin/grants?client=Rendermatic"}})
	if res.status != http.StatusSeeOther || res.location != "/admin/grants?client=Rendermatic" {
		t.Fatalf("revoke: %d → %q, want back to the search", res.status, res.location)
	}
	after := root.get(res.location)
	if !strings.Contains(after.body, "Rendermatic can no longer use alice@example.com’s account") || len(grantEmails(after.body)) != 0 {
		t.Errorf("after revoking, the list still shows the grant or has no flash:\n%s", after.body)
	}
	if got := introspect(t, live, app, tok.AccessToken); got["active"] != false {
		t.Errorf("alice's token after an admin revoked her grant: %v", got)
	}
	events := auditEvents(t, live.store)
	rootUser, _ := live.store.UserByEmail(context.Background(), "root@example.com")
	aliceUser, _ := live.store.UserByEmail(context.Background(), "alice@example.com")
	var revoked *models.AuditEvent
	for i := range events {
		if events[i].Action == "grant.revoked" {
			revoked = &events[i]
		}
	}
	if revoked == nil || revoked.ActorID != rootUser.ID || revoked.SubjectUserID != aliceUser.ID || revoked.ClientID != app.id {
		t.Errorf("grant.revoked event = %+v, want actor root, subject alice", revoked)
	}
	if res := root.post(action[1], url.Values{"_csrf": {token}}); res.status != http.StatusNotFound {
		t.Errorf("revoking a revoked grant: %d, want 404", res.status)
	}
	if res := root.post("/admin/grants/no-such-grant/revoke", url.Values{"_csrf": {token}}); res.status != http.StatusNotFound {
		t.Errorf("revoking an unknown grant: %d, want 404", res.status)
	}
}

// TestGrantsReturnTo: a revoke only ever returns to the grants list.
func TestGrantsReturnTo(t *testing.T) {
	for raw, want := range map[string]string{
		"/admin/grants?user=a":     "/admin/grants?user=a",
		"/admin/grants":            "/admin/grants",
		"https://evil.example/x":   "/admin/grants",
		"//evil.example/x":         "/admin/grants",
		"/admin/clients":           "/admin/grants",
		"/admin/grantsx":           "/admin/grants",
		"":                         "/admin/grants",
		"/admin/grants?x=1\r\nSet": "/admin/grants",
	} {
		if got := grantsReturnTo(raw); got != want {
			t.Errorf("grantsReturnTo(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestGrantCursorRoundTrip: a cursor reads back exactly as written.
func TestGrantCursorRoundTrip(t *testing.T) {
	in := models.GrantCursor{CreatedAt: time.Date(2026, 11, 3, 9, 4, 5, 123456789, time.FixedZone("", 2*3600)), ID: "a_b-c"}
	out, err := parseGrantCursor(formatGrantCursor(in))
	if err != nil || !out.CreatedAt.Equal(in.CreatedAt) || out.ID != in.ID || out.CreatedAt.Format(time.RFC3339Nano) != in.CreatedAt.Format(time.RFC3339Nano) {
		t.Errorf("round trip = %+v, %v; want %+v", out, err, in)
	}
	for _, bad := range []string{"x", "2026-01-01T00:00:00Z_", "nottime_id"} {
		if _, err := parseGrantCursor(bad); err == nil {
			t.Errorf("parseGrantCursor(%q) accepted", bad)
		}
	}
}
