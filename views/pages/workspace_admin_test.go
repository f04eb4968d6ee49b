package pages

import (
	"slices"
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

// workspaceAdminWithKeys is the admin page with an active key that was used,
// one never used and created from the command line, and a revoked one.
func workspaceAdminWithKeys() WorkspaceAdminProps {
	p := workspaceAdmin()
	p.CreateKeyURL = "/admin/workspaces/ws-marketing/api-keys"
	p.APIKeys = []APIKeyRow{
		{
			ID: "key-ci", Name: "CI deploys", Hint: "Xq9z", CreatedBy: "Alice Example",
			CreatedAt: appsNow.AddDate(0, 0, -3), LastUsedAt: appsNow.Add(-5 * time.Minute),
			RevokeURL: "/admin/workspaces/ws-marketing/api-keys/key-ci/revoke",
		},
		{
			ID: "key-export", Name: "Nightly export", Hint: "b7_K",
			CreatedAt: appsNow.AddDate(0, 0, -20),
			RevokeURL: "/admin/workspaces/ws-marketing/api-keys/key-export/revoke",
		},
		{
			ID: "key-old", Name: "Old script", Hint: "0000", CreatedBy: "Bob Example",
			CreatedAt: appsNow.AddDate(0, -2, 0), LastUsedAt: appsNow.AddDate(0, -1, 0),
			Revoked: true, RevokedAt: appsNow.AddDate(0, 0, -2),
			RevokeURL: "/admin/workspaces/ws-marketing/api-keys/key-old/revoke",
		},
	}
	return p
}

// apiKeysCard is the page's API keys card.
func apiKeysCard(t *testing.T, doc *html.Node) *html.Node {
	t.Helper()
	cards := findAll(doc, withClass("api-keys"))
	if len(cards) != 1 {
		t.Fatalf("got %d API key sections, want 1", len(cards))
	}
	return cards[0]
}

func TestWorkspaceAdminAPIKeysExplained(t *testing.T) {
	_, doc := renderPage(t, WorkspaceAdmin(workspaceAdminWithKeys()))
	card := apiKeysCard(t, doc)
	h2 := findAll(card, tag("h2"))
	if len(h2) != 1 || text(h2[0]) != "API keys" {
		t.Fatal(`the section has no "API keys" heading`)
	}
	for _, want := range []string{"acts for Acme Marketing only", "full access", "OAuth scopes do not apply", "Keep keys secret"} {
		if !strings.Contains(text(card), want) {
			t.Errorf("the API keys section does not say %q", want)
		}
	}
	// Below the apps.
	apps := findAll(doc, withClass("workspace-app"))
	if len(apps) == 0 || card.PrevSibling == nil || ancestor(card, withClass("container")) == nil {
		t.Fatal("no apps above the API keys section")
	}
	for n := card.NextSibling; n != nil; n = n.NextSibling {
		if n.Type == html.ElementNode && hasClass(n, "workspace-app") {
			t.Error("an app section comes after the API keys section")
		}
	}
}

func TestWorkspaceAdminCreateKeyForm(t *testing.T) {
	p := workspaceAdminWithKeys()
	_, doc := renderPage(t, WorkspaceAdmin(p))
	form := formWithAction(t, doc, p.CreateKeyURL)
	if !attrIs(form, "method", "post") {
		t.Error("the create form is not a POST")
	}
	if got := hiddenValue(t, form, "_csrf"); got != "csrf-apps" {
		t.Errorf("_csrf = %q", got)
	}
	names := inputs(form, "name")
	if len(names) != 1 {
		t.Fatalf("got %d name inputs, want 1", len(names))
	}
	in := names[0]
	id := mustAttr(t, in, "id")
	labels := findAll(form, func(n *html.Node) bool { return n.Data == "label" && attrIs(n, "for", id) })
	if len(labels) != 1 || text(labels[0]) != "Key name" {
		t.Errorf("the name input is not labelled %q", "Key name")
	}
	if _, ok := attr(in, "required"); !ok || !attrIs(in, "maxlength", "100") || !attrIs(in, "type", "text") {
		t.Errorf("name input %v: want a required text input of at most 100 characters", in.Attr)
	}
	if _, invalid := attr(in, "aria-invalid"); invalid {
		t.Error("the name is marked invalid without an error")
	}
	if len(findAll(form, withClass("field-error"))) != 0 {
		t.Error("an error shows without one")
	}
	buttons := findAll(form, tag("button"))
	if len(buttons) != 1 || !attrIs(buttons[0], "type", "submit") || accessibleName(buttons[0]) != "Create key" {
		t.Error(`no "Create key" submit button`)
	}
}

func TestWorkspaceAdminCreateKeyFormError(t *testing.T) {
	p := workspaceAdminWithKeys()
	p.KeyName = strings.Repeat("x", 120)
	p.KeyNameError = "Enter a name of at most 100 characters."
	_, doc := renderPage(t, WorkspaceAdmin(p))
	form := formWithAction(t, doc, p.CreateKeyURL)
	in := inputs(form, "name")[0]
	if !attrIs(in, "value", p.KeyName) {
		t.Errorf("the name is not kept: value %v", in.Attr)
	}
	if !attrIs(in, "aria-invalid", "true") {
		t.Error("the name is not marked invalid")
	}
	if _, ok := attr(in, "autofocus"); !ok {
		t.Error("the field in error does not take the focus")
	}
	errs := findAll(form, withClass("field-error"))
	if len(errs) != 1 || text(errs[0]) != p.KeyNameError {
		t.Fatalf("inline error = %v, want %q", errs, p.KeyNameError)
	}
	errID := mustAttr(t, errs[0], "id")
	if !slices.Contains(strings.Fields(mustAttr(t, in, "aria-describedby")), errID) {
		t.Error("the name input is not described by its error")
	}
	assertNoInlineCode(t, doc)
}

func TestWorkspaceAdminAPIKeyTable(t *testing.T) {
	p := workspaceAdminWithKeys()
	_, doc := renderPage(t, WorkspaceAdmin(p))
	card := apiKeysCard(t, doc)
	tables := findAll(card, tag("table"))
	if len(tables) != 1 || ancestor(tables[0], withClass("table-wrap")) == nil {
		t.Fatal("no key table inside a table-wrap")
	}
	var heads []string
	for _, th := range findAll(tables[0], func(n *html.Node) bool { return n.Data == "th" && attrIs(n, "scope", "col") }) {
		heads = append(heads, accessibleName(th))
	}
	if got, want := strings.Join(heads, "|"), "Name|Key|Created by|Created|Last used|Status|Actions"; got != want {
		t.Errorf("columns = %s, want %s", got, want)
	}
	rows := findAll(tables[0], func(n *html.Node) bool { return n.Data == "tr" && ancestor(n, tag("tbody")) != nil })
	// Every cell but the last (the revoke disclosure, tested on its own).
	want := []string{
		"CI deploys · osk_…Xq9z · Alice Example · 3 days ago · 5 minutes ago · Active · ",
		"Nightly export · osk_…b7_K · Command line · 2 weeks ago · Never used · Active · ",
		"Old script · osk_…0000 · Bob Example · 2 months ago · 1 month ago · Revoked 2 days ago · ",
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d key rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		got := childTexts(rows[i])
		if !strings.HasPrefix(got, w) || strings.Count(got, " · ") != 6 {
			t.Errorf("row %d = %q, want 7 cells starting %q", i, got, w)
		}
	}
	if got := childTexts(rows[2]); !strings.HasSuffix(got, "Revoked 2 days ago · ") {
		t.Errorf("revoked row = %q, want an empty actions cell", got)
	}
	if badges := findAll(rows[0], withClass("badge-success")); len(badges) != 1 {
		t.Error("an active key has no green Active badge")
	}
	if badges := findAll(rows[2], withClass("badge-danger")); len(badges) != 1 || !hasClass(rows[2], "api-key-revoked") {
		t.Error("a revoked key has no red Revoked badge or dimmed row")
	}
	if len(findAll(rows[0], tag("time"))) != 2 || len(findAll(rows[1], tag("time"))) != 1 || len(findAll(rows[2], tag("time"))) != 3 {
		t.Error("created, last-used and revoked times are not <time> elements")
	}
	if len(findAll(card, withClass("api-keys-empty"))) != 0 {
		t.Error("the no-keys line shows though there are keys")
	}
}

func TestWorkspaceAdminRevokeKeyOnlyForActiveKeys(t *testing.T) {
	p := workspaceAdminWithKeys()
	_, doc := renderPage(t, WorkspaceAdmin(p))
	for _, k := range p.APIKeys {
		forms := findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrIs(n, "action", k.RevokeURL) })
		if k.Revoked {
			if len(forms) != 0 || len(controlsNamed(doc, "Revoke ("+k.Name+")")) != 0 {
				t.Errorf("%s: a revoked key can be revoked again", k.Name)
			}
			continue
		}
		form := formWithAction(t, doc, k.RevokeURL)
		if !attrIs(form, "method", "post") {
			t.Errorf("%s: revoke form is not a POST", k.Name)
		}
		if got := hiddenValue(t, form, "_csrf"); got != "csrf-apps" {
			t.Errorf("%s: _csrf = %q", k.Name, got)
		}
		details := ancestor(form, tag("details"))
		if details == nil {
			t.Fatalf("%s: revoke form is not inside a <details>", k.Name)
		}
		if _, open := attr(details, "open"); open {
			t.Errorf("%s: the disclosure starts open", k.Name)
		}
		if want := "Anything that uses " + k.Name + " stops working at once. This cannot be undone."; !strings.Contains(text(details), want) {
			t.Errorf("%s: disclosure = %q, lacks %q", k.Name, text(details), want)
		}
		summary := oneControl(t, doc, "Revoke… ("+k.Name+")")
		if summary.Data != "summary" || summary.Parent != details {
			t.Errorf("%s: the disclosure's summary is not %q", k.Name, "Revoke…")
		}
		button := oneControl(t, doc, "Revoke ("+k.Name+")")
		if button.Data != "button" || !attrIs(button, "type", "submit") || ancestor(button, tag("form")) != form || !hasClass(button, "button-danger") {
			t.Errorf("%s: no red submit button confirming the revocation", k.Name)
		}
	}
}

func TestWorkspaceAdminNoKeys(t *testing.T) {
	p := workspaceAdminWithKeys()
	p.APIKeys = nil
	_, doc := renderPage(t, WorkspaceAdmin(p))
	card := apiKeysCard(t, doc)
	empty := findAll(card, withClass("api-keys-empty"))
	if len(empty) != 1 || !strings.Contains(text(empty[0]), "No API keys yet") {
		t.Fatal("no empty-state line for keys")
	}
	if len(findAll(card, tag("table")))+len(findAll(card, tag("details"))) != 0 {
		t.Error("no keys, yet a table or a revoke shows")
	}
	formWithAction(t, doc, p.CreateKeyURL)
}

func TestWorkspaceAdminNewKeyShownOnce(t *testing.T) {
	p := workspaceAdminWithKeys()
	const key = "osk_E6BF3jEEoJjOoqRufixOCz8zej8jet6nXopqJM5XSx4"

	page, doc := renderPage(t, WorkspaceAdmin(p))
	if strings.Contains(page, key) || len(findAll(doc, withClass("new-key"))) != 0 || strings.Contains(page, "will not be shown again") {
		t.Fatal("a key callout shows without a new key")
	}

	p.NewKey = &NewAPIKey{Name: "CI deploys", Key: key}
	page, doc = renderPage(t, WorkspaceAdmin(p))
	if got := strings.Count(page, key); got != 1 {
		t.Errorf("the key appears %d times, want once", got)
	}
	callouts := findAll(doc, withClass("new-key"))
	if len(callouts) != 1 {
		t.Fatalf("got %d new-key callouts, want 1", len(callouts))
	}
	callout := callouts[0]
	if !strings.Contains(text(callout), "CI deploys") || !strings.Contains(text(callout), "Copy it now: it will not be shown again") {
		t.Errorf("callout = %q, want the key's name and the copy-now warning", text(callout))
	}
	fields := findAll(callout, func(n *html.Node) bool { return n.Data == "input" && attrIs(n, "value", key) })
	if len(fields) != 1 {
		t.Fatal("the key is not in an input of the callout")
	}
	in := fields[0]
	if _, ro := attr(in, "readonly"); !ro || ancestor(in, tag("form")) != nil {
		t.Error("the key's input is editable or inside a form (it would be submitted)")
	}
	id := mustAttr(t, in, "id")
	if len(findAll(callout, func(n *html.Node) bool { return n.Data == "label" && attrIs(n, "for", id) })) != 1 {
		t.Error("the key's input has no label")
	}
	// At the top: straight after the page header, before any app.
	header := findAll(doc, withClass("page-header"))[0]
	next := header.NextSibling
	for next != nil && next.Type != html.ElementNode {
		next = next.NextSibling
	}
	if next != callout {
		t.Error("the new key is not the first thing after the page header")
	}
	assertNoInlineCode(t, doc)
}

func TestWorkspaceAdminAPIKeysEscapeText(t *testing.T) {
	evil := `<script>alert(1)</script>`
	p := workspaceAdminWithKeys()
	p.APIKeys[0].Name = evil
	p.APIKeys[1].CreatedBy = evil
	p.APIKeys[2].Hint = evil
	p.NewKey = &NewAPIKey{Name: evil, Key: `osk_"><script>alert(1)</script>`}
	p.KeyName = `"><script>alert(1)</script>`
	p.KeyNameError = evil
	p.CreateKeyURL = "javascript:alert(1)"
	p.APIKeys[0].RevokeURL = "javascript:alert(1)"
	page, doc := renderPage(t, WorkspaceAdmin(p))
	assertEscaped(t, page, doc)
	if strings.Contains(page, `action="javascript:`) {
		t.Error("a javascript: address became a form action")
	}
	if len(controlsNamed(doc, "Revoke ("+evil+")")) != 1 {
		t.Error("the escaped name is not the revoke button's name")
	}
}

func TestWorkspaceAdminWithKeysNeedsNoInlineCode(t *testing.T) {
	p := workspaceAdminWithKeys()
	p.NewKey = &NewAPIKey{Name: "CI deploys", Key: "osk_x"}
	p.KeyNameError = "Enter a name."
	_, doc := renderPage(t, WorkspaceAdmin(p))
	assertNoInlineCode(t, doc)
	if h1 := findAll(doc, tag("h1")); len(h1) != 1 {
		t.Errorf("got %d h1, want 1", len(h1))
	}
	for _, f := range findAll(doc, tag("form")) {
		if !attrIs(f, "method", "post") || len(inputs(f, "_csrf")) != 1 {
			t.Errorf("form %v is not a POST with _csrf", f.Attr)
		}
	}
	for _, b := range findAll(doc, func(n *html.Node) bool { return n.Data == "button" || n.Data == "a" || n.Data == "summary" }) {
		if accessibleName(b) == "" {
			t.Errorf("<%s %v> has no accessible name", b.Data, b.Attr)
		}
	}
}
