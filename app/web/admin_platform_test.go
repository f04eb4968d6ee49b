package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// platformRoute is one route of the platform admin area, with a form that
// would change something if the gate let it through.
type platformRoute struct {
	method, path string
	form         func(w *adminWorld, token string) url.Values
}

func platformRoutes(w *adminWorld) []platformRoute {
	csrfOnly := func(_ *adminWorld, token string) url.Values { return url.Values{"_csrf": {token}} }
	return []platformRoute{
		{http.MethodGet, "/admin", nil},
		{http.MethodGet, "/admin/clients", nil},
		{http.MethodGet, "/admin/clients/new", nil},
		{http.MethodGet, w.clientPage(), nil},
		{http.MethodGet, "/admin/grants", nil},
		{http.MethodPost, "/admin/clients", func(_ *adminWorld, token string) url.Values { return validRegistration(token) }},
		{http.MethodPost, w.clientPage(), func(_ *adminWorld, token string) url.Values {
			return url.Values{"_csrf": {token}, "name": {"Renamed"}, "redirect_uris": {"https://evil.example/cb"}, "scope": {"openid"}}
		}},
		{http.MethodPost, w.clientPage() + "/rotate-secret", csrfOnly},
		{http.MethodPost, w.clientPage() + "/disable", csrfOnly},
		{http.MethodPost, w.clientPage() + "/enable", csrfOnly},
		{http.MethodPost, "/admin/grants/" + w.grantID + "/revoke", csrfOnly},
	}
}

// TestPlatformAdminAccess: every platform admin route answers platform
// admins only — workspace owners, admins, members, viewers and outsiders
// get 403, the signed-out are sent to sign in (or refused, for a POST) —
// and a refused request changes nothing.
func TestPlatformAdminAccess(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	ctx := context.Background()
	events := w.auditCount(t)
	routes := platformRoutes(w)

	for _, who := range adminRoles {
		b := w.signedIn(t, who.email, who.password)
		token := b.csrfFrom(b.get("/apps"))
		for _, r := range routes {
			t.Run(who.role+" "+r.method+" "+r.path, func(t *testing.T) {
				var res response
				if r.form == nil {
					res = b.do(r.method, r.path, nil)
				} else {
					res = b.do(r.method, r.path, r.form(w, token))
				}
				wantStatus(t, res, http.StatusForbidden)
				if strings.Contains(res.body, "client_secret") || strings.Contains(res.body, "oss_") {
					t.Error("a refused page shows a secret")
				}
			})
		}
	}

	signedOut := f.browser()
	token := signedOut.csrfFrom(signedOut.get("/login"))
	for _, r := range routes {
		t.Run("signed out "+r.method+" "+r.path, func(t *testing.T) {
			if r.form == nil {
				res := signedOut.get(r.path)
				wantStatus(t, res, http.StatusSeeOther)
				if loc := res.Header.Get("Location"); loc != "/login?return_to="+url.QueryEscape(r.path) {
					t.Errorf("Location = %q, want the sign-in page returning to %s", loc, r.path)
				}
				return
			}
			wantStatus(t, signedOut.post(r.path, r.form(w, token)), http.StatusUnauthorized)
		})
	}

	root := w.root(t)
	for _, r := range routes {
		if r.form != nil {
			t.Run("platform admin without _csrf "+r.path, func(t *testing.T) {
				form := r.form(w, "")
				form.Del("_csrf")
				wantStatus(t, root.post(r.path, form), http.StatusForbidden)
			})
			continue
		}
		t.Run("platform admin GET "+r.path, func(t *testing.T) {
			wantStatus(t, root.get(r.path), http.StatusOK)
		})
	}

	// Nothing changed: no new client, the client as registered, the grant
	// live, and not one audit event.
	list, err := f.store.Clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d clients after refused requests, want 1", len(list))
	}
	c, err := f.store.ClientByID(ctx, w.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Pixel Reports" || c.Disabled() || !bytes.Equal(c.SecretHash, w.client.SecretHash) || !slices.Equal(c.RedirectURIs, w.client.RedirectURIs) {
		t.Errorf("client changed by refused requests: %+v", c)
	}
	if g, err := f.store.GrantByID(ctx, w.grantID); err != nil || g.RevokedAt != nil {
		t.Errorf("grant after refused requests: %+v, %v", g, err)
	}
	if got := w.auditCount(t); got != events {
		t.Errorf("%d audit events after refused requests, want %d", got, events)
	}
}

// TestHeaderAdminLink: the header links to /admin for platform admins only.
func TestHeaderAdminLink(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	link := `<a class="admin-link" href="/admin">Admin</a>`
	if body := w.root(t).get("/apps").body; !strings.Contains(body, link) {
		t.Error("a platform admin's header has no Admin link")
	}
	for _, who := range adminRoles {
		if body := w.signedIn(t, who.email, who.password).get("/apps").body; strings.Contains(body, link) {
			t.Errorf("%s sees the Admin link", who.role)
		}
	}
}

// TestAdminOverview: the totals, the chart (with today's grant activity)
// and the audit chain's state — and a broken chain is reported.
func TestAdminOverview(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	ctx := context.Background()
	// One grant created and one revoked today, through the services, so
	// they are on the audit trail.
	if _, err := f.server.svc.Grants.Revoke(ctx, w.aliceID, w.client.ID, models.Actor{Type: models.ActorSystem}); err != nil {
		t.Fatal(err)
	}
	res := w.root(t).get("/admin")
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{
		"<title>Platform admin · Consentry</title>",
		`<svg class="chart-svg"`, `role="img"`, "Grants created and revoked per day, last 30 days",
		"Day (UTC)", ">Created<", ">Revoked<",
		"0 grants were created and 1 revoked", // the grant itself was put straight into the store
		"Intact (1 event)",
		`aria-current="page">Overview</a>`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("/admin does not contain %q", want)
		}
	}
	// Totals: 6 users, 2 workspaces, 1 client, 0 active grants, 0 tokens.
	for label, value := range map[string]string{"Users": "6", "Workspaces": "2", "Clients": "1", "Active grants": "0", "Live tokens": "0"} {
		if !regexpStat(label, value).MatchString(res.body) {
			t.Errorf("/admin does not show %s = %s", label, value)
		}
	}
}

// TestChainCheck: the overview's audit chain check finds an edited event,
// and reuses a result for chainCheckTTL only.
func TestChainCheck(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "consentry.db")
	store := storetest.OpenAt(t, path)
	reg, err := clients.NewRegistry(store, models.DefaultCatalog(), rand.Reader, time.Now).Register(ctx, clients.Registration{
		Name: "Pixel", RedirectURIs: []string{"https://pixel.example/cb"}, Scopes: []string{"openid"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := clients.NewRegistry(store, models.DefaultCatalog(), rand.Reader, time.Now).Disable(ctx, reg.Client.ID, models.Actor{Type: models.ActorCLI}); err != nil {
		t.Fatal(err)
	}
	var cc chainCheck
	log := slog.New(slog.DiscardHandler)
	now := time.Now()
	if st := cc.status(ctx, store, log, now); !st.Intact || st.Events != 1 || st.Checking || !st.CheckedAt.Equal(now) {
		t.Fatalf("status = %+v; want intact with 1 event, checked now", st)
	}
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE audit_events SET action = 'client.enabled' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if st := cc.status(ctx, store, log, now.Add(chainCheckTTL/2)); !st.Intact || !st.CheckedAt.Equal(now) {
		t.Errorf("within the TTL status = %+v, want the cached result", st)
	}
	st := cc.status(ctx, store, log, now.Add(chainCheckTTL+time.Second))
	if st.Intact || st.BrokenAt != 1 || st.Reason != "contents do not match its hash" {
		t.Errorf("after tampering status = %+v; want broken at event 1", st)
	}
}

// regexpStat matches an overview total: its value, then its label.
func regexpStat(label, value string) *regexp.Regexp {
	return regexp.MustCompile(`stat-value">` + regexp.QuoteMeta(value) + `</span>\s*<(?:span|a) class="stat-label"[^>]*>` + regexp.QuoteMeta(label) + `<`)
}

// TestActivityChartSummary: the text alternative counts what the bars show.
func TestActivityChartSummary(t *testing.T) {
	start := time.Date(2026, time.October, 24, 0, 0, 0, 0, time.UTC)
	created, revoked := make([]int, activityDays), make([]int, activityDays)
	created[3], created[29], revoked[3] = 4, 1, 2
	c := activityChart(start, created, revoked)
	if got, want := c.Summary, "From 24 Oct to 22 Nov 2026 (UTC), 5 grants were created and 2 revoked. The busiest day was Tue 27 Oct 2026, with 4 created and 2 revoked."; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	if len(c.Categories) != activityDays || c.Categories[0] != "24 Oct" || c.Categories[29] != "22 Nov" {
		t.Errorf("categories = %v", c.Categories)
	}
	empty := activityChart(start, make([]int, activityDays), make([]int, activityDays))
	if want := "From 24 Oct to 22 Nov 2026 (UTC), no grants were created or revoked."; empty.Summary != want {
		t.Errorf("empty summary = %q, want %q", empty.Summary, want)
	}
}

// TestWorkspaceAdminListsMembers: the workspace admin page lists every
// member with their role, for its owners and admins.
func TestWorkspaceAdminListsMembers(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	for _, who := range adminRoles[:2] {
		res := w.signedIn(t, who.email, who.password).get("/admin/workspaces/" + w.marketing)
		wantStatus(t, res, http.StatusOK)
		section := res.body[strings.Index(res.body, `id="members"`):]
		for _, want := range []string{"4 members in Acme Marketing", "alice@example.com", "dana@example.com", "mia@example.com", "bob@example.com", ">Owner<", ">Admin<", ">Member<", ">Viewer<"} {
			if !strings.Contains(section, want) {
				t.Errorf("%s: the members section lacks %q", who.role, want)
			}
		}
		if strings.Contains(section, "olly@example.com") || strings.Contains(section, "root@example.com") {
			t.Errorf("%s: the members section lists someone outside the workspace", who.role)
		}
	}
}

// TestActivityCache: finished days are read once and kept; today is read
// on every load, and becomes a finished day when the date changes.
func TestActivityCache(t *testing.T) {
	ctx := context.Background()
	store := storetest.Open(t)
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	add := func(action string, at time.Time) {
		t.Helper()
		err := store.InTx(ctx, func(tx *models.Store) error {
			_, err := tx.AppendAudit(ctx, models.Actor{Type: models.ActorSystem}, models.AuditRecord{Action: action}, at)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	add("grant.created", today.AddDate(0, 0, -40))                // outside the window
	add("grant.created", today.AddDate(0, 0, -29).Add(time.Hour)) // first day
	add("grant.revoked", today.Add(-time.Hour))                   // yesterday
	add("grant.created", today.Add(time.Hour))                    // today
	var ac activityCache
	start, created, revoked, err := ac.counts(ctx, store, today.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !start.Equal(today.AddDate(0, 0, -29)) || created[0] != 1 || revoked[28] != 1 || created[29] != 1 || sum(created) != 2 || sum(revoked) != 1 {
		t.Fatalf("first load: start %v created %v revoked %v", start, created, revoked)
	}
	// A finished day is not read again (the log never gains events in the
	// past); today is.
	add("grant.revoked", today.Add(-2*time.Hour))
	add("grant.created", today.Add(3*time.Hour))
	_, created, revoked, _ = ac.counts(ctx, store, today.Add(4*time.Hour))
	if revoked[28] != 1 || created[29] != 2 {
		t.Errorf("second load: yesterday revoked %d (want the cached 1), today created %d (want 2)", revoked[28], created[29])
	}
	// The next day, the old today is a finished day, read once more.
	start, created, _, _ = ac.counts(ctx, store, today.AddDate(0, 0, 1).Add(time.Hour))
	if !start.Equal(today.AddDate(0, 0, -28)) || created[28] != 2 || created[29] != 0 {
		t.Errorf("next day: start %v created %v", start, created)
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
