package pages

import (
	"testing"

	"golang.org/x/net/html"
)

func revokeConfirm() RevokeConfirmProps {
	return RevokeConfirmProps{
		Layout: appsLayout("Revoke Pixel Reports?"),
		App:    pixelApp(),
		WillStop: []string{
			"Pixel Reports will no longer read templates in the chosen workspaces.",
			"Every access and refresh token it holds stops working immediately.",
		},
		PostURL:   "/apps/pixel/revoke",
		CancelURL: "/apps/pixel",
	}
}

func TestRevokeConfirmSaysWhatStops(t *testing.T) {
	p := revokeConfirm()
	_, doc := renderPage(t, RevokeConfirm(p))
	h1 := findAll(doc, tag("h1"))
	if len(h1) != 1 || text(h1[0]) != "Revoke access for Pixel Reports?" {
		t.Errorf("h1 = %q", text(h1[0]))
	}
	lists := findAll(doc, withClass("will-stop-list"))
	if len(lists) != 1 {
		t.Fatalf("got %d lists of what stops, want 1", len(lists))
	}
	items := findAll(lists[0], tag("li"))
	if len(items) != len(p.WillStop) {
		t.Fatalf("got %d items, want %d", len(items), len(p.WillStop))
	}
	for i, s := range p.WillStop {
		if text(items[i]) != s {
			t.Errorf("item %d = %q, want %q", i, text(items[i]), s)
		}
	}
	label := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", mustAttr(t, lists[0], "aria-labelledby")) })
	if len(label) != 1 || text(label[0]) != "This will stop working:" {
		t.Error(`the list is not introduced by "This will stop working:"`)
	}
}

func TestRevokeConfirmActions(t *testing.T) {
	p := revokeConfirm()
	_, doc := renderPage(t, RevokeConfirm(p))
	form := formWithAction(t, doc, p.PostURL)
	if !attrIs(form, "method", "post") {
		t.Error("revoke form is not a POST")
	}
	if got := hiddenValue(t, form, "_csrf"); got != "csrf-apps" {
		t.Errorf("_csrf = %q, want csrf-apps", got)
	}
	revoke := oneControl(t, doc, "Revoke access")
	if revoke.Data != "button" || !attrIs(revoke, "type", "submit") || ancestor(revoke, tag("form")) != form {
		t.Errorf("Revoke access does not submit the form")
	}
	if !hasClass(revoke, "button-danger") {
		t.Error("Revoke access is not a danger button")
	}
	keep := oneControl(t, doc, "Keep access")
	if keep.Data != "a" || !attrIs(keep, "href", p.CancelURL) || !hasClass(keep, "button-secondary") {
		t.Errorf("Keep access = <%s %v>, want a secondary button link to %s", keep.Data, keep.Attr, p.CancelURL)
	}
	row := ancestor(keep, withClass("button-row"))
	if row == nil || ancestor(revoke, withClass("button-row")) != row {
		t.Error("Keep access and Revoke access are not side by side in one button-row")
	}
}

func TestRevokeConfirmEscapesText(t *testing.T) {
	evil := `<script>alert(1)</script>`
	p := revokeConfirm()
	p.App.Name = evil
	p.WillStop = []string{evil}
	page, doc := renderPage(t, RevokeConfirm(p))
	assertEscaped(t, page, doc)
}
