package web

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/models"
)

// auditCast is the fixture's people plus one of each remaining kind —
// a platform admin, a workspace admin, a member and an outsider — and a
// trail with events in Acme Marketing, in Acme Design, in both and in
// neither.
type auditCast struct {
	f                 *fixture
	marketing, design string
	ids               map[string]string // user id by email
	// mkt, dsg, shared and none are the event ids of each kind.
	mkt, dsg, shared, none []int64
}

func newAuditCast(t *testing.T) *auditCast {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	for _, u := range []accounts.NewUser{
		{Email: "admin@example.com", Password: "admin-password", Name: "Ada Admin", PlatformAdmin: true},
		{Email: "carol@example.com", Password: "carol-password", Name: "Carol Admin"},
		{Email: "dave@example.com", Password: "dave-password", Name: "Dave Member"},
		{Email: "erin@example.com", Password: "erin-password", Name: "Erin Outsider"},
	} {
		if _, err := f.users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	c := &auditCast{f: f, ids: map[string]string{}}
	for _, email := range []string{"alice@example.com", "bob@example.com", "admin@example.com", "carol@example.com", "dave@example.com", "erin@example.com"} {
		u, err := f.store.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		c.ids[email] = u.ID
	}
	ws, err := f.store.WorkspacesOf(ctx, c.ids["alice@example.com"])
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		switch w.Name {
		case "Acme Marketing":
			c.marketing = w.ID
		case "Acme Design":
			c.design = w.ID
		}
	}
	for email, role := range map[string]models.Role{"carol@example.com": models.RoleAdmin, "dave@example.com": models.RoleMember} {
		if err := f.users.AddMember(ctx, c.marketing, email, role); err != nil {
			t.Fatal(err)
		}
	}
	for _, cl := range []models.Client{
		{ID: "pixel", Name: "Pixel Reports", Type: models.ClientPublic, RedirectURIs: []string{"https://pixel.example/cb"}, AllowedScopes: []string{"openid"}},
		{ID: "render", Name: "Rendermatic", Type: models.ClientPublic, RedirectURIs: []string{"https://render.example/cb"}, AllowedScopes: []string{"openid"}},
	} {
		if err := f.store.CreateClient(ctx, &cl); err != nil {
			t.Fatal(err)
		}
	}
	alice, bob := c.ids["alice@example.com"], c.ids["bob@example.com"]
	base := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	for i, e := range []struct {
		kind   *[]int64
		action string
		user   string
		client string
		ws     []string
		ua     string
	}{
		{&c.mkt, "grant.created", alice, "pixel", []string{c.marketing}, "=HYPERLINK(\"http://evil.example\")"},
		{&c.dsg, "grant.created", alice, "render", []string{c.design}, "Mozilla"},
		{&c.shared, "grant.created", bob, "pixel", []string{c.marketing, c.design}, `curl "quoted", with comma`},
		{&c.none, "client.disabled", "", "render", nil, "+cli"},
		{&c.mkt, "grant.workspace_removed", alice, "pixel", []string{c.marketing}, "-x"},
		{&c.dsg, "tokens.revoked", alice, "render", []string{c.design}, "@import"},
		{&c.mkt, "grant.revoked", bob, "pixel", []string{c.marketing}, "line one\nline two"},
	} {
		err := f.store.InTx(ctx, func(tx *models.Store) error {
			ev, err := tx.AppendAudit(ctx, models.Actor{Type: models.ActorUser, ID: e.user, IP: "192.0.2." + strconv.Itoa(i+1), UserAgent: e.ua},
				models.AuditRecord{Action: e.action, SubjectUserID: e.user, ClientID: e.client, WorkspaceIDs: e.ws,
					Details: map[string]any{"workspace_ids": e.ws, "count": 3}}, base.AddDate(0, 0, i))
			*e.kind = append(*e.kind, ev.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// as is a browser signed in as email ("" for signed out).
func (c *auditCast) as(email string) *browser {
	b := c.f.browser()
	if email != "" {
		b.signIn(email, strings.TrimSuffix(email, "@example.com")+"-password")
	}
	return b
}

var eventRow = regexp.MustCompile(`<tr[^>]* id="event-(\d+)"`)

// eventIDs are the events a page lists, in order.
func eventIDs(t *testing.T, body string) []int64 {
	t.Helper()
	var out []int64
	for _, m := range eventRow.FindAllStringSubmatch(body, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

var olderLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">Older →</a>`)

// older is the page's "Older →" link, or "".
func older(body string) string {
	m := olderLink.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func ids64(groups ...[]int64) []int64 {
	var out []int64
	for _, g := range groups {
		out = append(out, g...)
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

func TestAuditRoutesAccess(t *testing.T) {
	c := newAuditCast(t)
	mkt, dsg := "/admin/workspaces/"+c.marketing+"/audit", "/admin/workspaces/"+c.design+"/audit"
	routes := []string{"/admin/audit", "/admin/audit.csv", mkt, mkt + ".csv", dsg, dsg + ".csv"}
	// want is each route's status for a persona, in the order of routes.
	tests := []struct {
		persona, email string
		want           []int
	}{
		{"platform admin (no member of either)", "admin@example.com", []int{200, 200, 404, 404, 404, 404}},
		{"workspace owner (of both)", "alice@example.com", []int{403, 403, 200, 200, 200, 200}},
		{"workspace admin (of Marketing)", "carol@example.com", []int{403, 403, 200, 200, 404, 404}},
		{"member", "dave@example.com", []int{403, 403, 403, 403, 404, 404}},
		{"viewer", "bob@example.com", []int{403, 403, 403, 403, 404, 404}},
		{"outsider", "erin@example.com", []int{403, 403, 404, 404, 404, 404}},
		{"signed out", "", []int{303, 303, 303, 303, 303, 303}},
	}
	for _, tt := range tests {
		t.Run(tt.persona, func(t *testing.T) {
			b := c.as(tt.email)
			for i, route := range routes {
				res := b.get(route)
				if res.StatusCode != tt.want[i] {
					t.Errorf("GET %s: status %d, want %d", route, res.StatusCode, tt.want[i])
					continue
				}
				switch res.StatusCode {
				case http.StatusSeeOther:
					if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/login?return_to=") {
						t.Errorf("GET %s signed out: to %q, want the sign-in page", route, loc)
					}
				case http.StatusOK:
				default:
					if eventRow.MatchString(res.body) || strings.Contains(res.body, "grant.created") {
						t.Errorf("GET %s refused with %d but shows events", route, res.StatusCode)
					}
				}
			}
		})
	}
}

// TestWorkspaceAuditIsolation: Marketing's admin sees Marketing's events —
// those it shares with Design redacted — and never Design's alone,
// whatever the filters, the cursor or the format.
func TestWorkspaceAuditIsolation(t *testing.T) {
	c := newAuditCast(t)
	carol := c.as("carol@example.com")
	base := "/admin/workspaces/" + c.marketing + "/audit"
	mine := ids64(c.mkt, c.shared)
	for _, query := range []string{
		"", "?workspace=" + c.design, "?user=alice%40example.com", "?client=render", "?action=tokens.revoked",
		"?before=" + strconv.FormatInt(c.dsg[1]+1, 10), "?before=999", "?from=2026-04-01&to=2026-04-30",
	} {
		t.Run("query="+query, func(t *testing.T) {
			page := carol.get(base + query)
			wantStatus(t, page, http.StatusOK)
			for _, id := range eventIDs(t, page.body) {
				if !slices.Contains(mine, id) {
					t.Errorf("Marketing's log shows event %d (Design's)", id)
				}
			}
			for _, leak := range []string{c.design, "Acme Design"} {
				if strings.Contains(page.body, leak) {
					t.Errorf("Marketing's log mentions %q", leak)
				}
			}
			export := carol.get(base + ".csv" + query)
			wantStatus(t, export, http.StatusOK)
			rows, err := csv.NewReader(strings.NewReader(export.body)).ReadAll()
			if err != nil {
				t.Fatalf("CSV: %v", err)
			}
			for _, r := range rows[1:] {
				id, _ := strconv.ParseInt(r[0], 10, 64)
				if !slices.Contains(mine, id) {
					t.Errorf("Marketing's CSV has event %d (Design's)", id)
				}
				if strings.Contains(strings.Join(r, ","), c.design) {
					t.Errorf("Marketing's CSV row %d names Design: %v", id, r)
				}
			}
		})
	}
	// Unfiltered, Marketing's admin sees all of Marketing's, the shared one
	// as "1 other workspace".
	page := carol.get(base)
	if got := eventIDs(t, page.body); !slices.Equal(got, mine) {
		t.Errorf("Marketing's log = %v, want %v", got, mine)
	}
	if !strings.Contains(page.body, "Bob Builder allowed Pixel Reports into Acme Marketing and 1 other workspace") {
		t.Error("the shared event is not worded with the other workspace redacted")
	}
	// The platform admin sees everything, names and all.
	all := c.as("admin@example.com").get("/admin/audit")
	if got := eventIDs(t, all.body); !slices.Equal(got, ids64(c.mkt, c.dsg, c.shared, c.none)) {
		t.Errorf("platform log = %v", got)
	}
	if !regexp.MustCompile(`Bob Builder allowed Pixel Reports into Acme (Design and Acme Marketing|Marketing and Acme Design)`).MatchString(all.body) {
		t.Error("the platform log does not name both workspaces")
	}
}

func TestAuditFilters(t *testing.T) {
	c := newAuditCast(t)
	admin := c.as("admin@example.com")
	tests := []struct {
		query string
		want  []int64
	}{
		{"workspace=" + c.design, ids64(c.dsg, c.shared)},
		{"user=ALICE%40example.com", ids64(c.mkt[:2], c.dsg)},
		{"user=nobody%40example.com", nil},
		{"client=render", ids64(c.dsg, c.none)},
		{"action=grant.created", ids64(c.mkt[:1], c.dsg[:1], c.shared)},
		{"from=2026-04-03&to=2026-04-05", ids64(c.shared, c.none, c.mkt[1:2])},
		{"to=2026-04-01", ids64(c.mkt[:1])},
		{"workspace=" + c.marketing + "&user=bob%40example.com", ids64(c.shared, c.mkt[2:])},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			page := admin.get("/admin/audit?" + tt.query)
			wantStatus(t, page, http.StatusOK)
			if got := eventIDs(t, page.body); !slices.Equal(got, tt.want) {
				t.Errorf("page: events %v, want %v", got, tt.want)
			}
			if len(tt.want) == 0 && !strings.Contains(page.body, "No events match") {
				t.Error("no friendly empty state")
			}
			export := admin.get("/admin/audit.csv?" + tt.query)
			rows, err := csv.NewReader(strings.NewReader(export.body)).ReadAll()
			if err != nil || len(rows) == 0 {
				t.Fatalf("CSV: %v", err)
			}
			var got []int64
			for _, r := range rows[1:] {
				id, _ := strconv.ParseInt(r[0], 10, 64)
				got = append(got, id)
			}
			slices.Reverse(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("CSV: events %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"from=yesterday", "to=2026-13-01", "from=2026-04-05&to=2026-04-01"} {
		t.Run(bad, func(t *testing.T) {
			page := admin.get("/admin/audit?" + bad)
			wantStatus(t, page, http.StatusUnprocessableEntity)
			if !strings.Contains(page.body, `aria-invalid="true"`) || len(eventIDs(t, page.body)) != 0 {
				t.Error("a bad date is not shown as an error (or events are shown anyway)")
			}
			if res := admin.get("/admin/audit.csv?" + bad); res.StatusCode != http.StatusBadRequest {
				t.Errorf("CSV with a bad date: %d, want 400", res.StatusCode)
			}
		})
	}
}

func TestAuditCSVThroughHTTP(t *testing.T) {
	c := newAuditCast(t)
	res := c.as("admin@example.com").get("/admin/audit.csv")
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="consentry-audit-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if res.ContentLength != -1 || !slices.Contains(res.TransferEncoding, "chunked") {
		t.Errorf("Content-Length %d, Transfer-Encoding %v: want a chunked stream, not a buffered body", res.ContentLength, res.TransferEncoding)
	}
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180 CSV: %v\n%s", err, res.body)
	}
	if strings.Join(rows[0], ",") != "id,occurred_at,action,actor_type,actor_id,subject_user_id,client_id,workspace_ids,details,ip,user_agent,prev_hash,hash" {
		t.Errorf("header = %v", rows[0])
	}
	var agents []string
	for _, r := range rows[1:] {
		agents = append(agents, r[10])
	}
	want := []string{`'=HYPERLINK("http://evil.example")`, "Mozilla", `curl "quoted", with comma`, "'+cli", "'-x", "'@import", "line one\nline two"}
	if !slices.Equal(agents, want) {
		t.Errorf("user agents\n got %q\nwant %q", agents, want)
	}
	if !strings.Contains(res.body, `"curl ""quoted"", with comma"`) {
		t.Error("quotes inside a cell are not doubled in a quoted field")
	}
	// An unknown email is a valid, empty export.
	empty := c.as("admin@example.com").get("/admin/audit.csv?user=nobody%40example.com")
	if rows, err := csv.NewReader(strings.NewReader(empty.body)).ReadAll(); err != nil || len(rows) != 1 {
		t.Errorf("export for an unknown email: %d rows, %v; want the header alone", len(rows), err)
	}
}

// TestAuditPaginationStableWhileEventsArrive walks "Older →" while new
// events land between page loads: every event that existed at the start
// is seen exactly once, in order, and the filters ride along.
func TestAuditPaginationStableWhileEventsArrive(t *testing.T) {
	c := newAuditCast(t)
	ctx := context.Background()
	if err := c.f.store.SeedAuditEvents(ctx, 400, []string{c.marketing, c.design}, models.AuditSeed{Seed: 9}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ who, start string }{
		{"admin@example.com", "/admin/audit?action=grant.created"},
		{"carol@example.com", "/admin/workspaces/" + c.marketing + "/audit"},
	} {
		t.Run(tt.start, func(t *testing.T) {
			b := c.as(tt.who)
			scope := ""
			if !strings.HasPrefix(tt.start, "/admin/audit") {
				scope = c.marketing
			}
			f := models.AuditFilter{WorkspaceID: scope}
			if strings.Contains(tt.start, "action=") {
				f.Action = "grant.created"
			}
			var want []int64
			if err := c.f.store.EachAuditEventFiltered(ctx, f, func(ev models.AuditEvent) error {
				want = append(want, ev.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			slices.Reverse(want)
			var got []int64
			next, pages := tt.start, 0
			for next != "" {
				page := b.get(next)
				wantStatus(t, page, http.StatusOK)
				got = append(got, eventIDs(t, page.body)...)
				pages++
				// Something happens in Marketing between page loads.
				if err := c.f.store.SeedAuditEvents(ctx, 3, []string{c.marketing}, models.AuditSeed{Seed: uint64(pages)}); err != nil {
					t.Fatal(err)
				}
				next = older(page.body)
				if next != "" {
					u, _ := url.Parse(next)
					if u.Query().Get("before") == "" || (f.Action != "" && u.Query().Get("action") != f.Action) {
						t.Fatalf("Older → %q does not carry the cursor and the filters", next)
					}
				}
			}
			if pages < 2 {
				t.Fatalf("only %d page(s): the test needs several", pages)
			}
			if !slices.Equal(got, want) {
				t.Errorf("walked %d events over %d pages, want the %d that existed at the start, once each, newest first", len(got), pages, len(want))
			}
		})
	}
}

// TestAuditCSVHead: a HEAD request gets the export's headers and no body,
// without leaving the export running.
func TestAuditCSVHead(t *testing.T) {
	c := newAuditCast(t)
	b := c.as("admin@example.com")
	res := b.do(http.MethodHead, "/admin/audit.csv", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || res.body != "" {
		t.Errorf("HEAD: %d %q, body %q", res.StatusCode, res.Header.Get("Content-Type"), res.body)
	}
	if got := b.get("/admin/audit.csv"); strings.Count(got.body, "\n") < 8 {
		t.Errorf("GET after HEAD: %q", got.body)
	}
}
