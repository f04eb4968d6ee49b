package pages

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func appDetail() AppDetailProps {
	return AppDetailProps{
		Layout: appsLayout("Pixel Reports"),
		App:    pixelApp(),
		Workspaces: []GrantedWorkspace{
			{ID: "ws-marketing", Name: "Acme Marketing", Role: "Owner", RemoveURL: "/apps/pixel/workspaces/ws-marketing/remove"},
			{ID: "ws-design", Name: "Acme Design", Role: "Member", RemoveURL: "/apps/pixel/workspaces/ws-design/remove"},
		},
		RevokeURL: "/apps/pixel/revoke",
		Now:       appsNow,
	}
}

func TestAppDetailRemoveFormPerWorkspace(t *testing.T) {
	p := appDetail()
	_, doc := renderPage(t, AppDetail(p))
	if got := len(findAll(doc, tag("form"))) - 1; got != len(p.Workspaces) { // -1: the header's sign-out
		t.Errorf("got %d forms besides sign-out, want one per workspace (%d)", got, len(p.Workspaces))
	}
	for _, w := range p.Workspaces {
		form := formWithAction(t, doc, w.RemoveURL)
		if !attrIs(form, "method", "post") {
			t.Errorf("%s: remove form is not a POST", w.Name)
		}
		if got := hiddenValue(t, form, "_csrf"); got != "csrf-apps" {
			t.Errorf("%s: _csrf = %q, want csrf-apps", w.Name, got)
		}
		button := oneControl(t, doc, "Remove "+w.Name)
		if ancestor(button, tag("form")) != form || !attrIs(button, "type", "submit") {
			t.Errorf("the button named %q does not submit %s", "Remove "+w.Name, w.RemoveURL)
		}
		row := ancestor(form, tag("li"))
		badges := findAll(row, withClass("badge-role"))
		if len(badges) != 1 || text(badges[0]) != "Your role: "+w.Role {
			t.Errorf("%s: no role badge %q", w.Name, w.Role)
		}
	}
}

func TestAppDetailRevokeIsALinkToTheConfirmation(t *testing.T) {
	p := appDetail()
	_, doc := renderPage(t, AppDetail(p))
	revoke := oneControl(t, doc, "Revoke access")
	if revoke.Data != "a" || !attrIs(revoke, "href", p.RevokeURL) {
		t.Errorf("Revoke access is <%s %v>, want a link to %s", revoke.Data, revoke.Attr, p.RevokeURL)
	}
	if !hasClass(revoke, "button-danger") {
		t.Error("Revoke access is not a red (danger) button")
	}
	if len(findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrIs(n, "action", p.RevokeURL) })) != 0 {
		t.Error("the detail page revokes without asking first")
	}
	back := oneControl(t, doc, "Connected apps")
	if !attrIs(back, "href", "/apps") {
		t.Errorf("back link goes to %v, want /apps", back.Attr)
	}
}

func TestAppDetailHeader(t *testing.T) {
	p := appDetail()
	_, doc := renderPage(t, AppDetail(p))
	h1 := findAll(doc, tag("h1"))
	if len(h1) != 1 || text(h1[0]) != "Pixel Reports" {
		t.Fatalf("h1 = %v, want the app's name", h1)
	}
	home := oneControl(t, doc, "pixelreports.example")
	if !attrIs(home, "href", p.App.HomepageURL) {
		t.Errorf("homepage link = %v, want %s", home.Attr, p.App.HomepageURL)
	}
	times := findAll(doc, withClass("meta-list"))
	if len(times) != 1 || childTexts(times[0]) != "Allowed 3 days ago · Last used 2 hours ago" {
		t.Errorf("times = %q", childTexts(times[0]))
	}

	p.App = helpdeskApp()
	_, doc = renderPage(t, AppDetail(p))
	if n := len(findAll(doc, withClass("app-identity-host"))); n != 0 {
		t.Error("an app without a homepage shows a homepage link")
	}
	if got := childTexts(findAll(doc, withClass("meta-list"))[0]); got != "Allowed 2 months ago · Never used" {
		t.Errorf("never-used times = %q, want Never used", got)
	}
}

func TestAppDetailScopes(t *testing.T) {
	p := appDetail()
	_, doc := renderPage(t, AppDetail(p))
	items := findAll(doc, withClass("scope-item"))
	if len(items) != len(p.App.Can) {
		t.Fatalf("got %d permissions, want %d", len(items), len(p.App.Can))
	}
	for _, s := range p.App.Can {
		var item *html.Node
		for _, it := range items {
			if text(findAll(it, withClass("scope-item-title"))[0]) == s.Title {
				item = it
			}
		}
		if item == nil {
			t.Fatalf("no permission titled %q", s.Title)
		}
		if desc := findAll(item, withClass("scope-item-desc")); len(desc) != 1 || text(desc[0]) != sentence(s.Description) {
			t.Errorf("%s: no description %q", s.Title, sentence(s.Description))
		}
		callout := ancestor(item, withClass("callout-warning"))
		if !s.Destructive {
			if callout != nil {
				t.Errorf("harmless %s sits in the warning callout", s.Title)
			}
			continue
		}
		if callout == nil {
			t.Fatalf("destructive %s is not in a yellow callout", s.Title)
		}
		warn := findAll(item, withClass("scope-item-warning"))
		if len(warn) != 1 || text(warn[0]) != "Warning: "+s.Warning {
			t.Errorf("%s: warning not shown", s.Title)
		}
		if !strings.Contains(text(callout), "This permission can destroy work") {
			t.Errorf("callout = %q, has no title", text(callout))
		}
	}
}

func TestAppDetailWithoutWorkspaces(t *testing.T) {
	p := appDetail()
	p.Workspaces = nil
	_, doc := renderPage(t, AppDetail(p))
	for _, n := range findAll(doc, tag("button")) {
		if strings.HasPrefix(accessibleName(n), "Remove") {
			t.Errorf("a Remove button with no workspace: %q", accessibleName(n))
		}
	}
	note := findAll(doc, withClass("callout-info"))
	if len(note) != 1 || !strings.Contains(text(note[0]), "Pixel Reports cannot reach any of your workspaces") {
		t.Errorf("no note saying the app reaches no workspace")
	}
}

func TestAppDetailEscapesText(t *testing.T) {
	evil := `<script>alert(1)</script>`
	p := appDetail()
	p.App.Name = evil
	p.App.HomepageURL = "javascript:alert(1)"
	p.App.Can[3].Warning = evil
	p.Workspaces[0].Name = evil
	page, doc := renderPage(t, AppDetail(p))
	assertEscaped(t, page, doc)
	if len(controlsNamed(doc, "Remove "+evil)) != 1 {
		t.Error("the escaped workspace name is not the Remove button's name")
	}
}
