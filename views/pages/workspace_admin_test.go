package pages

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func workspaceAdmin() WorkspaceAdminProps {
	return WorkspaceAdminProps{
		Layout:        appsLayout("Apps in Acme Marketing"),
		WorkspaceName: "Acme Marketing",
		Now:           appsNow,
		Apps: []WorkspaceApp{
			{
				ClientID: "pixel", Name: "Pixel Reports", RemoveURL: "/admin/workspaces/ws-marketing/apps/pixel/remove",
				Grantors: []Grantor{
					{Name: "Alice Example", Email: "alice@example.com", Role: "Owner", Scopes: []ScopeSummary{sumWorkspace, sumDelete}, GrantedAt: appsNow.AddDate(0, 0, -3), LastUsedAt: appsNow.Add(-5 * time.Minute)},
					{Name: "Bob Example", Email: "bob@example.com", Role: "Viewer", Scopes: []ScopeSummary{sumWorkspace}, GrantedAt: appsNow.AddDate(0, 0, -20)},
				},
			},
			{
				ClientID: "render", Name: "Rendermatic", RemoveURL: "/admin/workspaces/ws-marketing/apps/render/remove",
				Grantors: []Grantor{{Name: "Alice Example", Email: "alice@example.com", Role: "Owner", Scopes: []ScopeSummary{sumTemplates}, GrantedAt: appsNow.AddDate(0, -1, 0)}},
			},
		},
	}
}

// workspaceAppSections is each app's section by its heading.
func workspaceAppSections(doc *html.Node) map[string]*html.Node {
	out := map[string]*html.Node{}
	for _, s := range findAll(doc, withClass("workspace-app")) {
		out[text(findAll(s, tag("h2"))[0])] = s
	}
	return out
}

func TestWorkspaceAdminHeading(t *testing.T) {
	_, doc := renderPage(t, WorkspaceAdmin(workspaceAdmin()))
	h1 := findAll(doc, tag("h1"))
	if len(h1) != 1 || text(h1[0]) != "Apps in Acme Marketing" {
		t.Errorf("h1 = %q", text(h1[0]))
	}
	lede := findAll(doc, withClass("lede"))
	if len(lede) != 1 || !strings.Contains(text(lede[0]), "because members allowed them") {
		t.Error("the lede does not say why the apps are here")
	}
}

func TestWorkspaceAdminGrantorTable(t *testing.T) {
	p := workspaceAdmin()
	_, doc := renderPage(t, WorkspaceAdmin(p))
	sections := workspaceAppSections(doc)
	if len(sections) != len(p.Apps) {
		t.Fatalf("got %d app sections, want %d", len(sections), len(p.Apps))
	}
	pixel := sections["Pixel Reports"]
	tables := findAll(pixel, func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "data-table") })
	if len(tables) != 1 || ancestor(tables[0], withClass("table-wrap")) == nil {
		t.Fatal("Pixel Reports has no data-table inside a table-wrap")
	}
	var heads []string
	for _, th := range findAll(tables[0], func(n *html.Node) bool { return n.Data == "th" && attrIs(n, "scope", "col") }) {
		heads = append(heads, text(th))
	}
	if got, want := strings.Join(heads, "|"), "Member|Role|Can|Allowed|Last used"; got != want {
		t.Errorf("columns = %s, want %s", got, want)
	}
	rows := findAll(tables[0], func(n *html.Node) bool { return n.Data == "tr" && ancestor(n, tag("tbody")) != nil })
	want := []string{
		"Alice Example alice@example.com · Owner · Read workspaces, Delete templates (destructive) · 3 days ago · 5 minutes ago",
		"Bob Example bob@example.com · Viewer · Read workspaces · 2 weeks ago · Never used",
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d grantor rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if got := childTexts(rows[i]); got != w {
			t.Errorf("row %d = %q, want %q", i, got, w)
		}
	}
	if len(findAll(rows[0], tag("time"))) != 2 || len(findAll(rows[1], tag("time"))) != 1 {
		t.Error("allowed and last-used times are not <time> elements")
	}
}

func TestWorkspaceAdminRemoveBehindDisclosure(t *testing.T) {
	p := workspaceAdmin()
	_, doc := renderPage(t, WorkspaceAdmin(p))
	for _, a := range p.Apps {
		form := formWithAction(t, doc, a.RemoveURL)
		if !attrIs(form, "method", "post") {
			t.Errorf("%s: remove form is not a POST", a.Name)
		}
		if got := hiddenValue(t, form, "_csrf"); got != "csrf-apps" {
			t.Errorf("%s: _csrf = %q", a.Name, got)
		}
		details := ancestor(form, tag("details"))
		if details == nil {
			t.Fatalf("%s: remove form is not inside a <details>", a.Name)
		}
		if _, open := attr(details, "open"); open {
			t.Errorf("%s: the disclosure starts open", a.Name)
		}
		summary := oneControl(t, doc, "Remove from workspace… ("+a.Name+")")
		if summary.Data != "summary" || summary.Parent != details {
			t.Errorf("%s: the disclosure's summary is not %q", a.Name, "Remove from workspace…")
		}
		wantSentence := a.Name + " will lose access to Acme Marketing for every member; tokens that only reached this workspace stop working."
		if !strings.Contains(text(details), wantSentence) {
			t.Errorf("%s: disclosure = %q, lacks %q", a.Name, text(details), wantSentence)
		}
		button := oneControl(t, doc, "Remove from workspace ("+a.Name+")")
		if button.Data != "button" || !attrIs(button, "type", "submit") || ancestor(button, tag("form")) != form || !hasClass(button, "button-danger") {
			t.Errorf("%s: no red submit button confirming the removal", a.Name)
		}
	}
}

func TestWorkspaceAdminEmptyState(t *testing.T) {
	p := workspaceAdmin()
	p.Apps = nil
	_, doc := renderPage(t, WorkspaceAdmin(p))
	empty := findAll(doc, withClass("empty-state"))
	if len(empty) != 1 || !strings.Contains(text(empty[0]), "No apps reach Acme Marketing") {
		t.Fatal("no empty state")
	}
	if len(findAll(doc, tag("table")))+len(findAll(doc, tag("details"))) != 0 {
		t.Error("an empty workspace still shows a table or a removal")
	}
}

func TestWorkspaceAdminEscapesText(t *testing.T) {
	evil := `<script>alert(1)</script>`
	p := workspaceAdmin()
	p.WorkspaceName = evil
	p.Apps[0].Name = evil
	p.Apps[0].Grantors[0].Name = evil
	page, doc := renderPage(t, WorkspaceAdmin(p))
	assertEscaped(t, page, doc)
}
