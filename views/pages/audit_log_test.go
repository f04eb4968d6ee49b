package pages

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/consentry/consentry/views/components"
)

// platformAudit is the platform's log on a later page, filtered to one app.
func platformAudit() AuditLogProps {
	return AuditLogProps{
		Layout: appsLayout("Audit log"), AdminNav: components.AdminPageAudit,
		Eyebrow: "Platform admin", Heading: "Audit log", Lede: "Everything, newest first.",
		FormURL: "/admin/audit",
		Filter:  AuditFilterValues{Client: "pixel", Workspace: "ws-design"},
		Workspaces: []AuditOption{
			{Value: "ws-design", Label: "Acme Design"}, {Value: "ws-marketing", Label: "Acme Marketing"},
		},
		Clients: []AuditOption{{Value: "pixel", Label: "Pixel Reports"}, {Value: "render", Label: "Rendermatic"}},
		Actions: []AuditOption{{Value: "grant.created", Label: "App allowed"}, {Value: "grant.revoked", Label: "Access revoked"}},
		CSVURL:  "/admin/audit.csv?client=pixel&workspace=ws-design",
		Rows: []AuditRow{
			{
				ID: 42, OccurredAt: appsNow.Add(-3 * time.Hour), ActorKind: "user", ActorName: "Alice Example", ActorEmail: "alice@example.com",
				Sentence: "Alice Example removed Pixel Reports from Acme Design", Action: "grant.workspace_removed",
				IP: "192.0.2.7", Raw: "{\n  \"id\": 42\n}",
			},
			{
				ID: 41, OccurredAt: appsNow.AddDate(0, 0, -2), ActorKind: "app", ActorName: "Pixel Reports",
				Sentence: "Pixel Reports’ tokens were revoked (12)", Action: "tokens.revoked", Raw: "{}",
			},
		},
		OlderURL:  "/admin/audit?client=pixel&workspace=ws-design&before=41",
		NewestURL: "/admin/audit?client=pixel&workspace=ws-design",
		Now:       appsNow,
	}
}

// workspaceAudit is a workspace's own log, first page, unfiltered.
func workspaceAudit() AuditLogProps {
	p := platformAudit()
	p.AdminNav, p.Eyebrow, p.Heading = "", "Workspace admin", "Audit log of Acme Design"
	p.BackURL, p.BackLabel = "/admin/workspaces/ws-design", "Apps in Acme Design"
	p.FormURL, p.CSVURL = "/admin/workspaces/ws-design/audit", "/admin/workspaces/ws-design/audit.csv"
	p.Workspaces, p.Filter, p.NewestURL, p.OlderURL = nil, AuditFilterValues{}, "", ""
	return p
}

func TestAuditLogHeading(t *testing.T) {
	page, doc := renderPage(t, AuditLog(workspaceAudit()))
	if h1 := findAll(doc, tag("h1")); len(h1) != 1 || text(h1[0]) != "Audit log of Acme Design" {
		t.Errorf("h1 = %v", h1)
	}
	if !strings.Contains(page, "<title>Audit log · Consentry</title>") {
		t.Error("no page title")
	}
	back := oneControl(t, doc, "← Apps in Acme Design")
	if !attrIs(back, "href", "/admin/workspaces/ws-design") {
		t.Errorf("back link = %v", back.Attr)
	}
	if len(findAll(doc, withClass("admin-nav"))) != 0 {
		t.Error("a workspace's log shows the platform admin menu")
	}
	_, doc = renderPage(t, AuditLog(platformAudit()))
	nav := findAll(doc, withClass("admin-nav"))
	if len(nav) != 1 {
		t.Fatal("the platform's log has no admin menu")
	}
	current := findAll(nav[0], func(n *html.Node) bool { return attrIs(n, "aria-current", "page") })
	if len(current) != 1 || text(current[0]) != "Audit log" {
		t.Error("the admin menu does not mark the audit log as the current page")
	}
}

func TestAuditLogFilterForm(t *testing.T) {
	p := platformAudit()
	_, doc := renderPage(t, AuditLog(p))
	form := findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrIs(n, "role", "search") })
	if len(form) != 1 || !attrIs(form[0], "method", "get") || !attrIs(form[0], "action", "/admin/audit") {
		t.Fatalf("want one GET form to /admin/audit, got %v", form)
	}
	fields := map[string]string{}
	for _, n := range findAll(form[0], func(n *html.Node) bool { return n.Data == "input" || n.Data == "select" }) {
		name, _ := attr(n, "name")
		id, _ := attr(n, "id")
		labels := findAll(doc, func(l *html.Node) bool { return l.Data == "label" && attrIs(l, "for", id) })
		if len(labels) != 1 {
			t.Errorf("field %s has %d labels, want 1", name, len(labels))
			continue
		}
		fields[name] = text(labels[0])
	}
	want := map[string]string{
		"workspace": "Workspace", "user": "Person (email)", "client": "App", "action": "Action",
		"from": "From (UTC)", "to": "To (UTC, inclusive)",
	}
	for name, label := range want {
		if fields[name] != label {
			t.Errorf("field %s labelled %q, want %q", name, fields[name], label)
		}
	}
	selected := findAll(form[0], func(n *html.Node) bool { _, ok := attr(n, "selected"); return n.Data == "option" && ok })
	var got []string
	for _, o := range selected {
		got = append(got, text(o))
	}
	if strings.Join(got, ",") != "Acme Design,Pixel Reports" {
		t.Errorf("selected options = %v, want the applied filters", got)
	}
	export := oneControl(t, doc, "Export CSV")
	if !attrIs(export, "href", p.CSVURL) || ancestor(export, withClass("audit-filters")) == nil {
		t.Errorf("Export CSV = %v, want a link to %s beside the filters", export.Attr, p.CSVURL)
	}
	if clear := oneControl(t, doc, "Clear"); !attrIs(clear, "href", "/admin/audit") {
		t.Errorf("Clear = %v", clear.Attr)
	}

	_, doc = renderPage(t, AuditLog(workspaceAudit()))
	if len(findAll(doc, func(n *html.Node) bool { return attrIs(n, "name", "workspace") })) != 0 {
		t.Error("a workspace's log offers a workspace filter")
	}
	if len(controlsNamed(doc, "Clear")) != 0 {
		t.Error("Clear shown with no filter applied")
	}
}

func TestAuditLogTable(t *testing.T) {
	_, doc := renderPage(t, AuditLog(platformAudit()))
	tables := findAll(doc, withClass("audit-table"))
	if len(tables) != 1 || ancestor(tables[0], withClass("table-wrap")) == nil || !hasClass(tables[0], "data-table") {
		t.Fatal("no data-table (sticky header) inside a table-wrap")
	}
	var heads []string
	for _, th := range findAll(tables[0], func(n *html.Node) bool { return n.Data == "th" && attrIs(n, "scope", "col") }) {
		heads = append(heads, text(th))
	}
	if got := strings.Join(heads, "|"); got != "When|Who|What happened|IP address" {
		t.Errorf("columns = %s", got)
	}
	rows := findAll(tables[0], func(n *html.Node) bool { return n.Data == "tr" && ancestor(n, tag("tbody")) != nil })
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(rows))
	}
	times := findAll(rows[0], tag("time"))
	if len(times) != 1 || text(times[0]) != "3 hours ago" || !attrIs(times[0], "datetime", "2026-05-09T11:05:00Z") ||
		!attrIs(times[0], "title", "9 May 2026 at 11:05 UTC") {
		t.Errorf("time = %v %q, want relative with the exact time on hover", times[0].Attr, text(times[0]))
	}
	header := findAll(rows[0], func(n *html.Node) bool { return n.Data == "th" && attrIs(n, "scope", "row") })
	if len(header) != 1 || text(findAll(header[0], withClass("audit-sentence"))[0]) != "Alice Example removed Pixel Reports from Acme Design" {
		t.Error("the row header is not the sentence")
	}
	details := findAll(rows[0], tag("details"))
	if len(details) != 1 || !strings.Contains(text(details[0]), `"id": 42`) {
		t.Error("the raw event is not behind a disclosure")
	}
	if name := accessibleName(findAll(details[0], tag("summary"))[0]); name != "grant.workspace_removed Details of event 42" {
		t.Errorf("disclosure named %q", name)
	}
	if !strings.Contains(text(rows[0]), "alice@example.com") || !strings.Contains(text(rows[0]), "192.0.2.7") {
		t.Errorf("row 1 = %q: want the actor's email and the IP", text(rows[0]))
	}
	if got := text(findAll(rows[1], withClass("audit-actor"))[0]); got != "Pixel Reports App" {
		t.Errorf("an app actor reads %q", got)
	}
	if got := text(findAll(rows[1], withClass("audit-ip"))[0]); got != "—" {
		t.Errorf("no IP reads %q", got)
	}
}

func TestAuditLogPager(t *testing.T) {
	p := platformAudit()
	_, doc := renderPage(t, AuditLog(p))
	older := oneControl(t, doc, "Older →")
	if !attrIs(older, "href", p.OlderURL) || ancestor(older, withClass("pager")) == nil {
		t.Errorf("Older → = %v", older.Attr)
	}
	if newest := oneControl(t, doc, "← Newest"); !attrIs(newest, "href", p.NewestURL) {
		t.Errorf("← Newest = %v", newest.Attr)
	}
	_, doc = renderPage(t, AuditLog(workspaceAudit()))
	if len(findAll(doc, withClass("pager"))) != 0 {
		t.Error("a single page shows a pager")
	}
}

func TestAuditLogEmptyStates(t *testing.T) {
	p := workspaceAudit()
	p.Rows = nil
	_, doc := renderPage(t, AuditLog(p))
	if len(findAll(doc, tag("table"))) != 0 || !strings.Contains(text(doc), "Nothing has happened yet") {
		t.Error("an empty log is not a friendly sentence")
	}
	p.Filter.Action = "grant.revoked"
	_, doc = renderPage(t, AuditLog(p))
	if !strings.Contains(text(doc), "No events match") || len(controlsNamed(doc, "Show every event")) != 1 {
		t.Error("an empty filtered log does not offer to clear the filters")
	}
}

func TestAuditLogFilterErrors(t *testing.T) {
	p := workspaceAudit()
	p.Filter.From, p.Rows = "yesterday", nil
	p.Errors = []components.FieldError{{Target: "audit-from", Message: "Enter the start date as a date, like 2026-05-09."}}
	_, doc := renderPage(t, AuditLog(p))
	summary := findAll(doc, withClass("error-summary"))
	if len(summary) != 1 || !attrIs(summary[0], "role", "alert") {
		t.Fatal("no error summary announced")
	}
	if links := findAll(summary[0], tag("a")); len(links) != 1 || !attrIs(links[0], "href", "#audit-from") {
		t.Error("the summary does not link to the field")
	}
	from := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", "audit-from") })[0]
	if !attrIs(from, "aria-invalid", "true") || !attrIs(from, "aria-describedby", "audit-from-error") || !attrIs(from, "value", "yesterday") {
		t.Errorf("from field = %v", from.Attr)
	}
}

func TestAuditLogNeedsNoInlineCodeAndEscapes(t *testing.T) {
	evil := `<script>alert(1)</script>`
	for name, p := range map[string]AuditLogProps{"platform": platformAudit(), "workspace": workspaceAudit()} {
		t.Run(name, func(t *testing.T) {
			p.Rows[0].Sentence, p.Rows[0].ActorName, p.Rows[0].Raw = evil, evil, evil
			page, doc := renderPage(t, AuditLog(p))
			assertNoInlineCode(t, doc)
			assertEscaped(t, page, doc)
			for _, b := range findAll(doc, func(n *html.Node) bool { return n.Data == "button" || n.Data == "a" }) {
				if accessibleName(b) == "" {
					t.Errorf("<%s %v> has no accessible name", b.Data, b.Attr)
				}
			}
		})
	}
}

func TestWorkspaceAdminLinksToItsAuditLog(t *testing.T) {
	p := workspaceAdmin()
	p.AuditURL = "/admin/workspaces/ws-marketing/audit"
	_, doc := renderPage(t, WorkspaceAdmin(p))
	link := oneControl(t, doc, "Audit log")
	if !attrIs(link, "href", p.AuditURL) || ancestor(link, withClass("page-header")) == nil {
		t.Errorf("Audit log link = %v, want it in the page header", link.Attr)
	}
}
