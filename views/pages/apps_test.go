package pages

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"github.com/consentry/consentry/views/layout"
)

// The connected-apps pages' sample data, shaped like the built-in catalog.
var (
	appsNow      = time.Date(2026, time.May, 9, 14, 5, 0, 0, time.UTC)
	sumAccount   = ScopeSummary{Name: "openid", Title: "Account ID", Description: "your unique account ID"}
	sumWorkspace = ScopeSummary{Name: "workspace:read", Title: "Read workspaces", Description: "list and read the chosen workspaces"}
	sumTemplates = ScopeSummary{Name: "workspace:templates:read", Title: "Read templates", Description: "read templates in the chosen workspaces"}
	sumDelete    = ScopeSummary{Name: "workspace:templates:write", Title: "Delete templates", Description: "delete templates in the chosen workspaces", Destructive: true, Warning: "Deletions cannot be undone."}
)

func appsLayout(title string) layout.Page {
	return layout.Page{Title: title, CSRF: "csrf-apps", User: &layout.User{Name: "Alice Example", Email: "alice@example.com"}}
}

// pixelApp has been used; helpdeskApp never has and reaches no workspace.
func pixelApp() AppSummary {
	return AppSummary{
		ClientID: "pixel", Name: "Pixel Reports", HomepageURL: "https://www.pixelreports.example/about",
		Can:       []ScopeSummary{sumAccount, sumWorkspace, sumTemplates, sumDelete},
		In:        []string{"Acme Marketing", "Acme Design"},
		GrantedAt: appsNow.AddDate(0, 0, -3), LastUsedAt: appsNow.Add(-2 * time.Hour),
		DetailURL: "/apps/pixel",
	}
}

func helpdeskApp() AppSummary {
	return AppSummary{
		ClientID: "helpdesk", Name: "Helpdesk", Can: []ScopeSummary{sumAccount},
		GrantedAt: appsNow.AddDate(0, -2, 0), DetailURL: "/apps/helpdesk",
	}
}

func appsPage() AppsProps {
	return AppsProps{
		Layout: appsLayout("Connected apps"),
		Apps:   []AppSummary{pixelApp(), helpdeskApp()},
		Workspaces: []WorkspaceRow{
			{Name: "Acme Marketing", Role: "Owner", AdminURL: "/admin/workspaces/ws-marketing"},
			{Name: "Acme Design", Role: "Member"},
		},
		Now: appsNow,
	}
}

// renderPage renders any page and parses it.
func renderPage(t *testing.T, c templ.Component) (string, *html.Node) {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := html.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse rendered HTML: %v", err)
	}
	return b.String(), doc
}

// accessibleName is what a screen reader announces for a link or button
// named by its content: aria-label when set, else the text, including
// visually hidden text and leaving out aria-hidden parts.
func accessibleName(n *html.Node) string {
	if v, ok := attr(n, "aria-label"); ok {
		return v
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && attrIs(n, "aria-hidden", "true") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// controlsNamed is the links and buttons whose accessible name is name.
func controlsNamed(doc *html.Node, name string) []*html.Node {
	return findAll(doc, func(n *html.Node) bool {
		return (n.Data == "a" || n.Data == "button" || n.Data == "summary") && accessibleName(n) == name
	})
}

// oneControl is the one link or button named name.
func oneControl(t *testing.T, doc *html.Node, name string) *html.Node {
	t.Helper()
	got := controlsNamed(doc, name)
	if len(got) != 1 {
		t.Fatalf("got %d controls named %q, want 1", len(got), name)
	}
	return got[0]
}

func withClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return hasClass(n, class) }
}

// appCards is the page's app cards by the app's name.
func appCards(t *testing.T, doc *html.Node) map[string]*html.Node {
	t.Helper()
	out := map[string]*html.Node{}
	for _, card := range findAll(doc, withClass("app-card")) {
		titles := findAll(card, withClass("card-title"))
		if len(titles) != 1 {
			t.Fatalf("app card has %d titles, want 1", len(titles))
		}
		out[text(titles[0])] = card
	}
	return out
}

func TestAppsCardPerApp(t *testing.T) {
	p := appsPage()
	_, doc := renderPage(t, Apps(p))
	cards := appCards(t, doc)
	if len(cards) != len(p.Apps) {
		t.Fatalf("got %d app cards, want %d", len(cards), len(p.Apps))
	}
	for _, a := range p.Apps {
		card, ok := cards[a.Name]
		if !ok {
			t.Fatalf("no card titled %q", a.Name)
		}
		if len(findAll(card, withClass("app-logo"))) != 1 {
			t.Errorf("%s: card has no logo", a.Name)
		}
		title := findAll(card, withClass("card-title"))[0]
		links := findAll(title, tag("a"))
		if len(links) != 1 || !attrIs(links[0], "href", a.DetailURL) {
			t.Errorf("%s: the name does not link to %s", a.Name, a.DetailURL)
		}
		manage := oneControl(t, card, "Manage "+a.Name)
		if !attrIs(manage, "href", a.DetailURL) {
			t.Errorf("%s: Manage links to %v, want %s", a.Name, manage.Attr, a.DetailURL)
		}
	}
}

func TestAppsCardSaysWhatTheAppCanDoAndWhere(t *testing.T) {
	_, doc := renderPage(t, Apps(appsPage()))
	cards := appCards(t, doc)
	facts := appFacts(cards["Pixel Reports"])
	want := map[string]string{
		"Can:": "Account ID, Read workspaces, Read templates, Delete templates (destructive)",
		"In:":  "Acme Marketing, Acme Design",
	}
	if len(facts) != len(want) {
		t.Errorf("Pixel Reports facts = %q, want %q", facts, want)
	}
	for k, v := range want {
		if facts[k] != v {
			t.Errorf("Pixel Reports %s %q, want %q", k, facts[k], v)
		}
	}
	if !strings.Contains(text(cards["Pixel Reports"]), "pixelreports.example") {
		t.Error("Pixel Reports card does not show its homepage's host")
	}
	marks := findAll(cards["Pixel Reports"], withClass("destructive-mark"))
	if len(marks) != 1 {
		t.Fatalf("got %d destructive marks, want 1 (Delete templates)", len(marks))
	}
	risky := ancestor(marks[0], withClass("scope-risky"))
	if risky == nil || text(risky) != "Delete templates (destructive)" {
		t.Errorf("the destructive mark is not on Delete templates")
	}
	if len(findAll(marks[0], tag("svg"))) != 1 {
		t.Error("the destructive mark has no warning sign")
	}
	helpdesk := appFacts(cards["Helpdesk"])
	if _, ok := helpdesk["In:"]; ok {
		t.Errorf("Helpdesk reaches no workspace but its card says In: %q", helpdesk["In:"])
	}
	if got := helpdesk["Can:"]; got != "Account ID" {
		t.Errorf("Helpdesk Can: %q, want Account ID unmarked", got)
	}
}

// childTexts is the text of each of n's child elements, joined by " · "
// as the page shows them (list items, table cells). Text hidden from
// screen readers is left out.
func childTexts(n *html.Node) string {
	var parts []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			parts = append(parts, accessibleName(c))
		}
	}
	return strings.Join(parts, " · ")
}

// appFacts is a card's "Can:" and "In:" lines by their label.
func appFacts(card *html.Node) map[string]string {
	out := map[string]string{}
	for _, dt := range findAll(card, tag("dt")) {
		for dd := dt.NextSibling; dd != nil; dd = dd.NextSibling {
			if dd.Type == html.ElementNode && dd.Data == "dd" {
				out[text(dt)] = text(dd)
				break
			}
		}
	}
	return out
}

func TestAppsCardTimes(t *testing.T) {
	_, doc := renderPage(t, Apps(appsPage()))
	cards := appCards(t, doc)
	times := findAll(cards["Pixel Reports"], withClass("meta-list"))
	if len(times) != 1 {
		t.Fatalf("Pixel Reports card has %d meta lists, want 1", len(times))
	}
	if got, want := childTexts(times[0]), "Allowed 3 days ago · Last used 2 hours ago"; got != want {
		t.Errorf("Pixel Reports times = %q, want %q", got, want)
	}
	stamps := findAll(times[0], tag("time"))
	if len(stamps) != 2 || !attrIs(stamps[0], "datetime", "2026-05-06T14:05:00Z") || !attrIs(stamps[1], "datetime", "2026-05-09T12:05:00Z") {
		t.Errorf("times are not machine-readable <time datetime>: %v", stamps)
	}
	if title, _ := attr(stamps[0], "title"); title != "6 May 2026 at 14:05 UTC" {
		t.Errorf("allowed time's title = %q, want the exact time", title)
	}
	helpdesk := findAll(cards["Helpdesk"], withClass("meta-list"))[0]
	if got, want := childTexts(helpdesk), "Allowed 2 months ago · Never used"; got != want {
		t.Errorf("never-used app's times = %q, want %q", got, want)
	}
}

func TestAppsEmptyState(t *testing.T) {
	p := appsPage()
	p.Apps = nil
	_, doc := renderPage(t, Apps(p))
	empty := findAll(doc, withClass("empty-state"))
	if len(empty) != 1 {
		t.Fatalf("got %d empty states, want 1", len(empty))
	}
	if !strings.Contains(text(empty[0]), "No connected apps yet") {
		t.Errorf("empty state = %q", text(empty[0]))
	}
	if n := len(findAll(doc, withClass("app-card"))) + len(findAll(doc, tag("table"))); n != 0 {
		t.Errorf("empty page still has %d cards or tables", n)
	}
	if len(findAll(doc, func(n *html.Node) bool { return n.Data == "h2" && text(n) == "Your workspaces" })) != 1 {
		t.Error("the workspaces are not listed under the empty state")
	}
}

func TestAppsWithAppsHasNoEmptyState(t *testing.T) {
	_, doc := renderPage(t, Apps(appsPage()))
	if len(findAll(doc, withClass("empty-state"))) != 0 {
		t.Error("a page with apps shows the empty state")
	}
}

func TestAppsWorkspacesLinkToAdminWhereAllowed(t *testing.T) {
	p := appsPage()
	_, doc := renderPage(t, Apps(p))
	rows := findAll(doc, func(n *html.Node) bool { return n.Data == "li" && ancestor(n, withClass("list-rows")) != nil })
	if len(rows) != len(p.Workspaces) {
		t.Fatalf("got %d workspace rows, want %d", len(rows), len(p.Workspaces))
	}
	for i, w := range p.Workspaces {
		row := rows[i]
		badges := findAll(row, withClass("badge-role"))
		if len(badges) != 1 || text(badges[0]) != "Your role: "+w.Role {
			t.Errorf("%s: no role badge %q", w.Name, w.Role)
		}
		links := findAll(row, tag("a"))
		if w.AdminURL == "" {
			if len(links) != 0 {
				t.Errorf("%s: links somewhere though the user cannot administer it", w.Name)
			}
			continue
		}
		if len(links) != 1 || !attrIs(links[0], "href", w.AdminURL) || accessibleName(links[0]) != w.Name {
			t.Fatalf("%s: name does not link to %s", w.Name, w.AdminURL)
		}
		hint := mustAttr(t, links[0], "aria-describedby")
		hints := findAll(row, func(n *html.Node) bool { return attrIs(n, "id", hint) })
		if len(hints) != 1 || text(hints[0]) != "Manage apps in this workspace" {
			t.Errorf("%s: link not described as managing its apps", w.Name)
		}
	}
}

func TestAppsEscapesText(t *testing.T) {
	evil := `<script>alert(1)</script>`
	p := appsPage()
	p.Apps[0].Name = evil
	p.Apps[0].HomepageURL = "javascript:alert(1)"
	p.Apps[0].Can[0].Title = evil
	p.Apps[0].In = []string{evil}
	p.Workspaces[0].Name = evil
	page, doc := renderPage(t, Apps(p))
	assertEscaped(t, page, doc)
	if len(controlsNamed(doc, "Manage "+evil)) != 1 {
		t.Error("the escaped name is not the Manage link's name")
	}
}

// assertEscaped checks that a page shows a <script> name as text.
func assertEscaped(t *testing.T, page string, doc *html.Node) {
	t.Helper()
	if strings.Contains(page, "<script") {
		t.Error("rendered page contains an unescaped <script")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the name is not shown escaped")
	}
	if len(findAll(doc, tag("script"))) != 0 {
		t.Error("page parses to a <script> element")
	}
	if strings.Contains(page, `href="javascript:`) {
		t.Error("a javascript: address became a link")
	}
}

// assertNoInlineCode checks the CSP rules (no inline style or script, no
// event attributes) and that ids are unique and every aria reference
// resolves.
func assertNoInlineCode(t *testing.T, doc *html.Node) {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "id"); return ok }) {
		id, _ := attr(n, "id")
		if seen[id] {
			t.Errorf("duplicate id %q", id)
		}
		seen[id] = true
	}
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s> has inline %s (the CSP forbids it)", n.Data, a.Key)
			}
			if a.Key == "aria-labelledby" || a.Key == "aria-describedby" {
				for _, id := range strings.Fields(a.Val) {
					if !seen[id] {
						t.Errorf("%s points at missing id %q", a.Key, id)
					}
				}
			}
		}
		if n.Data == "style" || n.Data == "script" {
			t.Errorf("page has an inline <%s>", n.Data)
		}
	}
}

// Every page of the connected-apps family, in each of its states.
var appsFamilyPages = []struct {
	name string
	page func() templ.Component
}{
	{"apps", func() templ.Component { return Apps(appsPage()) }},
	{"apps empty", func() templ.Component { p := appsPage(); p.Apps = nil; return Apps(p) }},
	{"app detail", func() templ.Component { return AppDetail(appDetail()) }},
	{"app detail without workspaces", func() templ.Component {
		p := appDetail()
		p.App, p.Workspaces = helpdeskApp(), nil
		return AppDetail(p)
	}},
	{"revoke confirmation", func() templ.Component { return RevokeConfirm(revokeConfirm()) }},
	{"workspace admin", func() templ.Component { return WorkspaceAdmin(workspaceAdmin()) }},
	{"workspace admin empty", func() templ.Component {
		p := workspaceAdmin()
		p.Apps = nil
		return WorkspaceAdmin(p)
	}},
}

func TestAppsFamilyNeedsNoInlineCode(t *testing.T) {
	for _, c := range appsFamilyPages {
		t.Run(c.name, func(t *testing.T) {
			_, doc := renderPage(t, c.page())
			assertNoInlineCode(t, doc)
			if h1 := findAll(doc, tag("h1")); len(h1) != 1 {
				t.Errorf("got %d h1, want 1", len(h1))
			}
			for _, f := range findAll(doc, tag("form")) {
				if !attrIs(f, "method", "post") {
					t.Errorf("form %v is not a POST", f.Attr)
				}
				if len(inputs(f, "_csrf")) != 1 {
					t.Errorf("form %v has no _csrf", f.Attr)
				}
			}
			for _, b := range findAll(doc, func(n *html.Node) bool { return n.Data == "button" || n.Data == "a" }) {
				if accessibleName(b) == "" {
					t.Errorf("<%s %v> has no accessible name", b.Data, b.Attr)
				}
			}
		})
	}
}

var sentenceCases = []struct{ in, want string }{
	{"read templates in the chosen workspaces", "Read templates in the chosen workspaces."},
	{"keep access while you are away (a refresh token)", "Keep access while you are away (a refresh token)."},
	{"Already a sentence.", "Already a sentence."},
	{"évaluer les modèles", "Évaluer les modèles."},
	{"  ", ""},
}

func TestSentence(t *testing.T) {
	for _, c := range sentenceCases {
		if got := sentence(c.in); got != c.want {
			t.Errorf("sentence(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

var homepageHostCases = []struct{ in, want string }{
	{"https://www.pixelreports.example/about", "pixelreports.example"},
	{"https://app.example.com", "app.example.com"},
	{"", ""},
	{"javascript:alert(1)", ""},
	{"not a url", ""},
}

func TestHomepageHost(t *testing.T) {
	for _, c := range homepageHostCases {
		if got := homepageHost(c.in); got != c.want {
			t.Errorf("homepageHost(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

var splitLastWordCases = []struct{ in, head, last string }{
	{"Delete templates", "Delete", "templates"},
	{"Delete all the things", "Delete all the", "things"},
	{"Delete", "", "Delete"},
}

func TestSplitLastWord(t *testing.T) {
	for _, c := range splitLastWordCases {
		if head, last := splitLastWord(c.in); head != c.head || last != c.last {
			t.Errorf("splitLastWord(%q) = %q, %q, want %q, %q", c.in, head, last, c.head, c.last)
		}
	}
}
