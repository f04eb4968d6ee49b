package pages

import (
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"github.com/consentry/consentry/views/components"
	"github.com/consentry/consentry/views/layout"
)

func adminLayout(title string) layout.Page {
	return layout.Page{Title: title, CSRF: "csrf-admin", User: &layout.User{Name: "Ada Admin", Email: "admin@example.com", PlatformAdmin: true}}
}

func adminOverview() AdminOverviewProps {
	return AdminOverviewProps{
		Layout: adminLayout("Platform admin"),
		Counts: []AdminCount{
			{Label: "Users", Value: 1234567},
			{Label: "Clients", Value: 3, Href: "/admin/clients"},
		},
		Chart: components.BarChart{
			ID: "grant-activity", Title: "Grants per day", Summary: "3 created.", Categories: []string{"1 Nov"},
			Series: []components.ChartSeries{{Name: "Created", Values: []int{3}}},
		},
		Chain: AuditChainStatus{Intact: true, Events: 1500, CheckedAt: appsNow.Add(-time.Minute)},
		Now:   appsNow,
	}
}

// currentNav is the admin menu's current item.
func currentNav(t *testing.T, doc *html.Node) string {
	t.Helper()
	cur := findAll(doc, func(n *html.Node) bool { return n.Data == "a" && attrIs(n, "aria-current", "page") })
	if len(cur) != 1 || ancestor(cur[0], withClass("admin-nav")) == nil {
		t.Fatalf("got %d current menu items, want 1 inside the admin menu", len(cur))
	}
	return text(cur[0])
}

func TestAdminOverview(t *testing.T) {
	out, doc := renderPage(t, AdminOverview(adminOverview()))
	if got := currentNav(t, doc); got != "Overview" {
		t.Errorf("current menu item = %q", got)
	}
	if h1 := findAll(doc, tag("h1")); len(h1) != 1 || text(h1[0]) != "Platform overview" {
		t.Error("no h1 Platform overview")
	}
	stats := findAll(doc, withClass("stat"))
	if len(stats) != 2 || text(stats[0]) != "1,234,567 Users" || text(stats[1]) != "3 Clients" {
		t.Errorf("totals = %q, %q", text(stats[0]), text(stats[1]))
	}
	if links := findAll(stats[1], tag("a")); len(links) != 1 || !attrIs(links[0], "href", "/admin/clients") {
		t.Error("the Clients total does not link to the registry")
	}
	if svg := findAll(doc, tag("svg")); !strings.Contains(out, `id="grant-activity"`) || len(svg) == 0 {
		t.Error("no chart")
	}
	chain := findAll(doc, withClass("chain-status"))
	if len(chain) != 1 || !strings.Contains(text(chain[0]), "Intact (1,500 events)") || !strings.Contains(text(chain[0]), "Checked 1 minute ago") {
		t.Errorf("chain card = %q", text(chain[0]))
	}
}

func TestAdminOverviewChainStates(t *testing.T) {
	tests := []struct {
		name   string
		status AuditChainStatus
		want   []string
		alert  bool
	}{
		{"broken", AuditChainStatus{BrokenAt: 17, Reason: "contents do not match its hash", Events: 16, CheckedAt: appsNow}, []string{"Broken at event 17", "Event 17: contents do not match its hash.", "the 16 events before it checked out"}, true},
		{"unreadable", AuditChainStatus{Error: "The audit log could not be read.", CheckedAt: appsNow}, []string{"The check could not run", "could not be read"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := adminOverview()
			p.Chain = tt.status
			_, doc := renderPage(t, AdminOverview(p))
			card := findAll(doc, withClass("chain-status"))[0]
			for _, want := range tt.want {
				if !strings.Contains(text(card), want) {
					t.Errorf("chain card %q lacks %q", text(card), want)
				}
			}
			if got := len(findAll(card, func(n *html.Node) bool { return attrIs(n, "role", "alert") })) > 0; got != tt.alert {
				t.Errorf("role=alert present = %v, want %v", got, tt.alert)
			}
			if strings.Contains(text(card), "Intact") {
				t.Error("a chain that is not intact reads Intact")
			}
		})
	}
}

func adminClients() AdminClientsProps {
	return AdminClientsProps{
		Layout: adminLayout("Clients"), NewURL: "/admin/clients/new", Now: appsNow,
		Clients: []AdminClientRow{
			{ID: "pixel", Name: "Pixel Reports", RedirectURIs: []string{"https://pixel.example/cb", "http://127.0.0.1/cb"}, Scopes: []string{"openid", "workspace:read"}, ResourceServer: true, CreatedAt: appsNow.AddDate(0, 0, -2), URL: "/admin/clients/pixel"},
			{ID: "cli", Name: "CLI", Public: true, RedirectURIs: []string{"http://127.0.0.1/cb"}, Scopes: []string{"openid"}, Disabled: true, CreatedAt: appsNow.AddDate(0, -1, 0), URL: "/admin/clients/cli"},
		},
	}
}

func TestAdminClientsList(t *testing.T) {
	_, doc := renderPage(t, AdminClients(adminClients()))
	if got := currentNav(t, doc); got != "Clients" {
		t.Errorf("current menu item = %q", got)
	}
	var heads []string
	for _, th := range findAll(doc, func(n *html.Node) bool { return n.Data == "th" && attrIs(n, "scope", "col") }) {
		heads = append(heads, text(th))
	}
	if got := strings.Join(heads, "|"); got != "Client|Type|Redirect URIs|Allowed scopes|Status|Created" {
		t.Errorf("columns = %s", got)
	}
	rows := findAll(doc, func(n *html.Node) bool { return n.Data == "tr" && ancestor(n, tag("tbody")) != nil })
	want := []string{
		"Pixel Reports pixel · Confidential Resource server · https://pixel.example/cbhttp://127.0.0.1/cb · openidworkspace:read · Active · 2 days ago",
		"CLI cli · Public · http://127.0.0.1/cb · openid · Disabled · 1 month ago",
	}
	for i, r := range rows {
		if got := childTexts(r); got != want[i] {
			t.Errorf("row %d = %q\nwant %q", i, got, want[i])
		}
	}
	// Each URI and scope is an item of its own list.
	if items := findAll(rows[0], tag("li")); len(items) != 4 || text(items[1]) != "http://127.0.0.1/cb" || text(items[3]) != "workspace:read" {
		t.Errorf("the first row's list items = %d", len(items))
	}
	if !hasClass(rows[1], "client-disabled") {
		t.Error("the disabled client's row is not marked")
	}
	if links := controlsNamed(doc, "Pixel Reports"); len(links) != 1 || !attrIs(links[0], "href", "/admin/clients/pixel") {
		t.Error("the client's name does not link to its page")
	}
	if l := oneControl(t, doc, "Register a client"); !attrIs(l, "href", "/admin/clients/new") {
		t.Error("Register a client does not lead to the form")
	}

	empty := adminClients()
	empty.Clients = nil
	_, doc = renderPage(t, AdminClients(empty))
	if len(findAll(doc, withClass("empty-state"))) != 1 || len(findAll(doc, tag("table"))) != 0 {
		t.Error("no clients: want the empty state and no table")
	}
}

func sampleClientForm() ClientFormProps {
	return ClientFormProps{
		Layout: adminLayout("Register a client"), Action: "/admin/clients", Now: appsNow,
		Form: ClientForm{Name: "", LogoURL: "javascript:x", RedirectURIs: "http://evil.example/cb\nhttps://ok.example/cb", Scopes: []string{"openid"}},
		Scopes: []ScopeChoice{
			{Name: "openid", Title: "Account ID", Description: "your unique account ID"},
			{Name: "workspace:templates:write", Title: "Delete templates", Description: "delete templates", Destructive: true},
		},
		Errors: []ClientFieldError{
			{Field: "name", Message: "Name is empty"},
			{Field: "logo_url", Message: "Logo URL: bad"},
			{Field: "redirect_uris", Message: "Redirect URI one"},
			{Field: "redirect_uris", Message: "Redirect URI two"},
			{Field: "client_secret", Message: "A secret problem"},
		},
	}
}

func TestClientFormErrorsAreInline(t *testing.T) {
	_, doc := renderPage(t, AdminClientNew(sampleClientForm()))
	summary := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", "client-errors") })
	if len(summary) != 1 || !attrIs(summary[0], "role", "alert") {
		t.Fatal("no error summary with role=alert")
	}
	var targets []string
	for _, a := range findAll(summary[0], tag("a")) {
		href, _ := attr(a, "href")
		targets = append(targets, href)
	}
	if got := strings.Join(targets, " "); got != "#client-name #client-logo-url #client-redirect-uris #client-redirect-uris #client-form" {
		t.Errorf("summary links = %s", got)
	}
	for id, want := range map[string]string{
		"client-name": "Name is empty", "client-logo-url": "Logo URL: bad", "client-redirect-uris": "Redirect URI oneRedirect URI two",
	} {
		control := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", id) })[0]
		if !attrIs(control, "aria-invalid", "true") {
			t.Errorf("%s is not aria-invalid", id)
		}
		if d, _ := attr(control, "aria-describedby"); !strings.Contains(d, id+"-error") || !strings.Contains(d, id+"-hint") {
			t.Errorf("%s aria-describedby = %q, want its hint and its error", id, d)
		}
		errEl := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", id+"-error") })
		if len(errEl) != 1 || text(errEl[0]) != want {
			t.Errorf("error beside %s = %q, want %q", id, text(errEl[0]), want)
		}
	}
	if homepage := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", "client-homepage-url") })[0]; attrIs(homepage, "aria-invalid", "true") {
		t.Error("a field without a problem is marked invalid")
	}
	autofocus := findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "autofocus"); return ok })
	if len(autofocus) != 1 || !attrIs(autofocus[0], "id", "client-name") {
		t.Error("the first field in error does not take the focus")
	}
	textarea := findAll(doc, tag("textarea"))[0]
	if text(textarea) != "http://evil.example/cb https://ok.example/cb" {
		t.Errorf("textarea = %q, want what was typed", text(textarea))
	}
	boxes := findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrIs(n, "name", "scope") })
	if len(boxes) != 2 || !hasAttr(boxes[0], "checked") || hasAttr(boxes[1], "checked") {
		t.Error("scope checkboxes do not keep what was ticked")
	}
	if len(findAll(doc, withClass("destructive-mark"))) != 1 {
		t.Error("the destructive scope is not marked")
	}
	radios := findAll(doc, func(n *html.Node) bool { return attrIs(n, "name", "type") })
	if len(radios) != 2 || !hasAttr(radios[0], "checked") {
		t.Error("no type choice, or confidential is not the default")
	}
	assertFormsCarryCSRF(t, doc, "csrf-admin")
}

func hasAttr(n *html.Node, key string) bool {
	_, ok := attr(n, key)
	return ok
}

// assertFormsCarryCSRF checks every POST form has the _csrf field.
func assertFormsCarryCSRF(t *testing.T, doc *html.Node, token string) {
	t.Helper()
	for _, form := range findAll(doc, tag("form")) {
		if !attrIs(form, "method", "post") {
			continue
		}
		fields := findAll(form, func(n *html.Node) bool { return attrIs(n, "name", "_csrf") && attrIs(n, "value", token) })
		if len(fields) != 1 {
			action, _ := attr(form, "action")
			t.Errorf("form %s has no _csrf field", action)
		}
	}
}

func sampleClientPage() ClientFormProps {
	p := sampleClientForm()
	p.Errors = nil
	p.Action = "/admin/clients/pixel"
	p.Client = &ClientStatus{
		ID: "pixel", Name: "Pixel Reports", CreatedAt: appsNow.AddDate(0, 0, -1), ListURL: "/admin/clients",
		RotateURL: "/admin/clients/pixel/rotate-secret", DisableURL: "/admin/clients/pixel/disable", EnableURL: "/admin/clients/pixel/enable",
	}
	return p
}

func TestClientPage(t *testing.T) {
	p := sampleClientPage()
	p.Credentials = &ClientCredentials{Registered: true, ClientID: "pixel", Secret: "oss_secret"}
	out, doc := renderPage(t, AdminClient(p))
	if h1 := findAll(doc, tag("h1")); text(h1[0]) != "Pixel Reports" {
		t.Errorf("h1 = %q", text(h1[0]))
	}
	if strings.Count(out, "oss_secret") != 1 || !strings.Contains(out, "it will not be shown again") {
		t.Error("the secret is not shown exactly once with its warning")
	}
	secret := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", "new-client-secret") })
	if len(secret) != 1 || !hasAttr(secret[0], "readonly") {
		t.Error("the secret is not in a read-only field")
	}
	if len(findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrIs(n, "name", "type") })) != 0 {
		t.Error("the edit form offers to change the type")
	}
	for _, action := range []string{"/admin/clients/pixel", "/admin/clients/pixel/rotate-secret", "/admin/clients/pixel/disable"} {
		if len(findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrIs(n, "action", action) })) != 1 {
			t.Errorf("no form posting to %s", action)
		}
	}
	if strings.Contains(out, "/enable") {
		t.Error("an enabled client's page offers to enable it")
	}
	for _, s := range []string{"Rotate secret…", "Disable client…"} {
		if c := oneControl(t, doc, s); c.Data != "summary" {
			t.Errorf("%s is not behind a disclosure", s)
		}
	}
	assertFormsCarryCSRF(t, doc, "csrf-admin")

	p = sampleClientPage()
	p.Client.Public, p.Client.RotateURL = true, ""
	p.Client.Disabled, p.Client.DisabledAt = true, appsNow.Add(-time.Hour)
	out, doc = renderPage(t, AdminClient(p))
	if strings.Contains(out, "rotate-secret") || strings.Contains(out, "Client secret") {
		t.Error("a public client's page offers a secret")
	}
	if strings.Contains(out, "/disable") || len(findAll(doc, func(n *html.Node) bool { return attrIs(n, "action", "/admin/clients/pixel/enable") })) != 1 {
		t.Error("a disabled client's page does not offer to enable it (and only that)")
	}
	if !strings.Contains(out, "Disabled") || !strings.Contains(out, "stay revoked") {
		t.Error("a disabled client's page does not say so")
	}
	p.Credentials = &ClientCredentials{ClientID: "pixel", Secret: "oss_new"}
	if out, _ := renderPage(t, AdminClient(p)); !strings.Contains(out, "New client secret") || !strings.Contains(out, "The old secret has stopped working") {
		t.Error("a rotated secret is not announced as replacing the old one")
	}
}

func adminGrants() AdminGrantsProps {
	return AdminGrantsProps{
		Layout: adminLayout("Grants"), Query: GrantQuery{UserEmail: "alice"}, ReturnTo: "/admin/grants?user=alice", Now: appsNow,
		Grants: []AdminGrantRow{{
			ID: "g1", UserName: "Alice Example", UserEmail: "alice@example.com", ClientName: "Pixel Reports", ClientID: "pixel",
			Scopes: []ScopeSummary{sumWorkspace, sumDelete}, Workspaces: []string{"Acme Design", "Acme Marketing"},
			GrantedAt: appsNow.AddDate(0, 0, -3), RevokeURL: "/admin/grants/g1/revoke",
		}},
		OlderURL: "/admin/grants?after=x&user=alice", NewestURL: "/admin/grants?user=alice",
	}
}

func TestAdminGrantsList(t *testing.T) {
	_, doc := renderPage(t, AdminGrants(adminGrants()))
	if got := currentNav(t, doc); got != "Grants" {
		t.Errorf("current menu item = %q", got)
	}
	search := findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrIs(n, "role", "search") })
	if len(search) != 1 || !attrIs(search[0], "method", "get") {
		t.Fatal("no GET search form")
	}
	if user := findAll(search[0], func(n *html.Node) bool { return attrIs(n, "name", "user") }); !attrIs(user[0], "value", "alice") {
		t.Error("the search does not keep the email typed")
	}
	rows := findAll(doc, func(n *html.Node) bool { return n.Data == "tr" && ancestor(n, tag("tbody")) != nil })
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	want := "Alice Example alice@example.com · Pixel Reports pixel · Read workspaces, Delete templates (destructive) · Acme Design, Acme Marketing · 3 days ago · Never used · Revoke… (Pixel Reports for alice@example.com)"
	if got := childTexts(rows[0]); !strings.HasPrefix(got, want) {
		t.Errorf("row = %q\nwant it to start %q", got, want)
	}
	forms := findAll(rows[0], tag("form"))
	if len(forms) != 1 || !attrIs(forms[0], "action", "/admin/grants/g1/revoke") {
		t.Fatal("no revoke form in the row")
	}
	if rt := findAll(forms[0], func(n *html.Node) bool { return attrIs(n, "name", "return_to") }); len(rt) != 1 || !attrIs(rt[0], "value", "/admin/grants?user=alice") {
		t.Error("the revoke form does not carry the page to return to")
	}
	assertFormsCarryCSRF(t, doc, "csrf-admin")
	pager := findAll(doc, withClass("pager"))
	if len(pager) != 1 || text(pager[0]) != "← Newest Older →" {
		t.Errorf("pager = %q", text(pager[0]))
	}
	if older := oneControl(t, doc, "Older →"); !attrIs(older, "href", "/admin/grants?after=x&user=alice") {
		t.Error("Older does not carry the cursor and the search")
	}

	empty := adminGrants()
	empty.Grants, empty.OlderURL, empty.NewestURL = nil, "", ""
	_, doc = renderPage(t, AdminGrants(empty))
	if es := findAll(doc, withClass("empty-state")); len(es) != 1 || !strings.Contains(text(es[0]), "No grants match") {
		t.Error("an empty search has no empty state saying nothing matches")
	}
	if len(findAll(doc, withClass("pager"))) != 0 {
		t.Error("a single page has a pager")
	}
}

func TestAdminPagesEscapeText(t *testing.T) {
	evil := `<script>alert(1)</script>`
	g := adminGrants()
	g.Grants[0].UserName, g.Grants[0].ClientName = evil, evil
	c := adminClients()
	c.Clients[0].Name, c.Clients[0].RedirectURIs = evil, []string{evil}
	f := sampleClientPage()
	f.Client.Name, f.Form.Name, f.Form.RedirectURIs = evil, evil, evil
	for _, comp := range []templ.Component{AdminGrants(g), AdminClients(c), AdminClient(f)} {
		if out, _ := renderPage(t, comp); strings.Contains(out, evil) {
			t.Error("a page does not escape a name")
		}
	}
}

func TestWorkspaceAdminMembers(t *testing.T) {
	p := workspaceAdmin()
	p.Members = []MemberRow{{Name: "Alice Example", Email: "alice@example.com", Role: "Owner"}, {Name: "Bob Example", Email: "bob@example.com", Role: "Viewer"}}
	_, doc := renderPage(t, WorkspaceAdmin(p))
	section := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", "members") })
	if len(section) != 1 {
		t.Fatal("no members section")
	}
	if h := findAll(section[0], tag("h2")); text(h[0]) != "Members" {
		t.Errorf("heading = %q", text(h[0]))
	}
	var got []string
	for _, li := range findAll(section[0], tag("li")) {
		got = append(got, text(findAll(li, withClass("person-name"))[0])+" "+text(findAll(li, withClass("person-email"))[0])+" "+text(findAll(li, withClass("badge-role"))[0]))
	}
	if want := "Alice Example alice@example.com Owner|Bob Example bob@example.com Viewer"; strings.Join(got, "|") != want {
		t.Errorf("members = %q, want %q", strings.Join(got, "|"), want)
	}
	if !strings.Contains(text(section[0]), "2 members in Acme Marketing") {
		t.Error("the section does not count the members")
	}
	if len(findAll(section[0], tag("form"))) != 0 {
		t.Error("the members list is meant to be read-only")
	}
}
