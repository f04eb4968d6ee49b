package pages

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/consentry/consentry/views/layout"
)

// Sample scopes, shaped like the demo catalog.
var (
	scopeProfile = ScopeRow{Name: "openid profile", Title: "Know who you are", Description: "See your name, email address and picture.", Checked: true}
	scopeRead    = ScopeRow{Name: "workspace:templates:read", Title: "Read templates", Description: "View the templates in the workspaces you choose.", Checked: true}
	scopeWrite   = ScopeRow{Name: "workspace:templates:write", Title: "Create and edit templates", Description: "Add new templates and change existing ones.", Checked: true}
	scopeDelete  = ScopeRow{Name: "workspace:templates:delete", Title: "Delete templates", Description: "Remove templates from the workspaces you choose.", Destructive: true, Warning: "Deleted templates can’t be recovered."}
)

// firstConsent is a first-time consent: a destructive scope and two
// workspaces, one where the person's role falls short.
func firstConsent() ConsentProps {
	return ConsentProps{
		Layout: layout.Page{
			Title: "Allow Pixel Reports",
			CSRF:  "csrf-token-1",
			User:  &layout.User{Name: "Ada Lovelace", Email: "ada@acme.example"},
		},
		Request: "req-42",
		App: ConsentApp{
			Name:         "Pixel Reports",
			HomepageURL:  "https://pixelreports.example/about",
			HomepageHost: "pixelreports.example",
			RedirectHost: "app.pixelreports.example",
		},
		SwitchAccountReturnTo: "/oauth/authorize?client_id=pixel&state=xyz",
		NewScopes:             []ScopeRow{scopeProfile, scopeRead, scopeDelete},
		ShowWorkspaces:        true,
		Workspaces: []WorkspaceChoice{
			{ID: "ws-marketing", Name: "Acme Marketing", Role: "Owner", Checked: true},
			{ID: "ws-design", Name: "Acme Design", Role: "Viewer", Notes: []string{"As a viewer you can’t delete templates here."}},
		},
	}
}

// reauthorization asks for more than the person already allowed.
func reauthorization() ConsentProps {
	p := firstConsent()
	p.Reauthorization = true
	p.GrantedScopes = []ScopeRow{scopeProfile, scopeRead}
	p.NewScopes = []ScopeRow{scopeWrite, scopeDelete}
	return p
}

func render(t *testing.T, p ConsentProps) (string, *html.Node) {
	t.Helper()
	var b bytes.Buffer
	if err := Consent(p).Render(context.Background(), &b); err != nil {
		t.Fatalf("render Consent: %v", err)
	}
	doc, err := html.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse rendered HTML: %v", err)
	}
	return b.String(), doc
}

// findAll is every element under n (n included) that match accepts.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	if n.Type == html.ElementNode && match(n) {
		out = append([]*html.Node{n}, out...)
	}
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrIs(n *html.Node, key, val string) bool {
	v, ok := attr(n, key)
	return ok && v == val
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	return slices.Contains(strings.Fields(v), class)
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

// text is n's text with runs of white space collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// ancestor is n's nearest ancestor that match accepts, or nil.
func ancestor(n *html.Node, match func(*html.Node) bool) *html.Node {
	for a := n.Parent; a != nil; a = a.Parent {
		if a.Type == html.ElementNode && match(a) {
			return a
		}
	}
	return nil
}

// formWithAction is the one form posting to action.
func formWithAction(t *testing.T, doc *html.Node, action string) *html.Node {
	t.Helper()
	forms := findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrIs(n, "action", action) })
	if len(forms) != 1 {
		t.Fatalf("got %d forms posting to %s, want 1", len(forms), action)
	}
	return forms[0]
}

// inputs is the form's inputs named name.
func inputs(form *html.Node, name string) []*html.Node {
	return findAll(form, func(n *html.Node) bool { return n.Data == "input" && attrIs(n, "name", name) })
}

func hiddenValue(t *testing.T, form *html.Node, name string) string {
	t.Helper()
	in := inputs(form, name)
	if len(in) != 1 {
		t.Fatalf("got %d inputs named %q, want 1", len(in), name)
	}
	if !attrIs(in[0], "type", "hidden") {
		t.Errorf("input %q is not hidden", name)
	}
	v, _ := attr(in[0], "value")
	return v
}

// checkboxes maps the form's checkbox values named name to their checked
// state, in page order.
func checkboxes(t *testing.T, form *html.Node, name string) ([]string, map[string]bool) {
	t.Helper()
	var order []string
	checked := map[string]bool{}
	for _, in := range inputs(form, name) {
		if !attrIs(in, "type", "checkbox") {
			t.Errorf("input %q is not a checkbox", name)
		}
		v, _ := attr(in, "value")
		_, on := attr(in, "checked")
		order = append(order, v)
		checked[v] = on
	}
	return order, checked
}

func TestConsentFormPostsTheRequest(t *testing.T) {
	_, doc := render(t, firstConsent())
	form := formWithAction(t, doc, "/oauth/consent")
	if got, _ := attr(form, "method"); got != "post" {
		t.Errorf("consent form method = %q, want post", got)
	}
	if got := hiddenValue(t, form, "_csrf"); got != "csrf-token-1" {
		t.Errorf("_csrf = %q, want csrf-token-1", got)
	}
	if got := hiddenValue(t, form, "request"); got != "req-42" {
		t.Errorf("request = %q, want req-42", got)
	}
}

func TestConsentScopeCheckboxes(t *testing.T) {
	for _, p := range []ConsentProps{firstConsent(), reauthorization()} {
		_, doc := render(t, p)
		form := formWithAction(t, doc, "/oauth/consent")
		_, got := checkboxes(t, form, "scope")
		want := map[string]bool{}
		for _, s := range append(slices.Clone(p.NewScopes), p.GrantedScopes...) {
			want[s.Name] = s.Checked
		}
		if len(got) != len(want) {
			t.Errorf("reauthorization=%v: got scope checkboxes %v, want %v", p.Reauthorization, got, want)
		}
		for name, checked := range want {
			on, ok := got[name]
			if !ok {
				t.Errorf("reauthorization=%v: no checkbox for scope %q", p.Reauthorization, name)
			} else if on != checked {
				t.Errorf("reauthorization=%v: scope %q checked = %v, want %v", p.Reauthorization, name, on, checked)
			}
		}
	}
}

func TestConsentScopeRowShowsTitleDescriptionAndName(t *testing.T) {
	_, doc := render(t, firstConsent())
	for _, s := range firstConsent().NewScopes {
		boxes := findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrIs(n, "value", s.Name) })
		if len(boxes) != 1 {
			t.Fatalf("got %d checkboxes for %q, want 1", len(boxes), s.Name)
		}
		label := ancestor(boxes[0], tag("label"))
		if label == nil {
			t.Fatalf("checkbox %q is not inside a label", s.Name)
		}
		titles := findAll(label, func(n *html.Node) bool { return hasClass(n, "check-row-title") })
		if len(titles) != 1 || text(titles[0]) != s.Title {
			t.Errorf("scope %q: title not shown as the row's bold title", s.Name)
		}
		descs := findAll(label, func(n *html.Node) bool { return hasClass(n, "check-row-desc") })
		if len(descs) != 1 || text(descs[0]) != s.Description {
			t.Errorf("scope %q: description not shown under the title", s.Name)
		}
		names := findAll(label, func(n *html.Node) bool { return n.Data == "code" && hasClass(n, "check-row-scope") })
		if len(names) != 1 || text(names[0]) != s.Name {
			t.Errorf("scope %q: technical name not shown as secondary code", s.Name)
		}
		// The accessible name is the short title, not the technical name.
		if got, _ := attr(boxes[0], "aria-labelledby"); got != mustAttr(t, titles[0], "id") {
			t.Errorf("scope %q: aria-labelledby = %q, want the title's id", s.Name, got)
		}
	}
}

func mustAttr(t *testing.T, n *html.Node, key string) string {
	t.Helper()
	v, ok := attr(n, key)
	if !ok {
		t.Fatalf("<%s> has no %s", n.Data, key)
	}
	return v
}

func TestConsentDestructiveScopeSitsInWarningCallout(t *testing.T) {
	_, doc := render(t, firstConsent())
	form := formWithAction(t, doc, "/oauth/consent")
	for _, in := range inputs(form, "scope") {
		v, _ := attr(in, "value")
		callout := ancestor(in, func(n *html.Node) bool { return hasClass(n, "callout-warning") })
		if v != scopeDelete.Name {
			if callout != nil {
				t.Errorf("harmless scope %q is inside the warning callout", v)
			}
			continue
		}
		if callout == nil {
			t.Fatalf("destructive scope %q is not inside a callout-warning", v)
		}
		if _, on := attr(in, "checked"); on {
			t.Errorf("destructive scope %q is pre-checked", v)
		}
		if !strings.Contains(text(callout), scopeDelete.Warning) {
			t.Errorf("callout text %q lacks the warning %q", text(callout), scopeDelete.Warning)
		}
		if len(findAll(callout, tag("svg"))) == 0 {
			t.Error("warning callout has no icon")
		}
		described, _ := attr(in, "aria-describedby")
		warnings := findAll(callout, func(n *html.Node) bool { return hasClass(n, "check-row-warning") })
		if len(warnings) != 1 || !slices.Contains(strings.Fields(described), mustAttr(t, warnings[0], "id")) {
			t.Errorf("destructive checkbox is not described by its warning (aria-describedby %q)", described)
		}
	}
}

func TestConsentDestructiveScopeCheckedOnlyWhenAsked(t *testing.T) {
	p := firstConsent()
	p.NewScopes[2].Checked = true
	_, doc := render(t, p)
	_, got := checkboxes(t, formWithAction(t, doc, "/oauth/consent"), "scope")
	if !got[scopeDelete.Name] {
		t.Errorf("destructive scope with Checked=true rendered unchecked")
	}
}

// legends maps each fieldset legend's text to the scope values inside that
// fieldset.
func legends(doc *html.Node) map[string][]string {
	out := map[string][]string{}
	for _, fs := range findAll(doc, tag("fieldset")) {
		var legend string
		for c := fs.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "legend" {
				legend = text(c)
			}
		}
		var values []string
		for _, in := range inputs(fs, "scope") {
			v, _ := attr(in, "value")
			values = append(values, v)
		}
		out[legend] = values
	}
	return out
}

var groupingCases = []struct {
	name       string
	props      func() ConsentProps
	wantGroups map[string][]string
	notGroups  []string
}{
	{
		name:  "first consent lists every scope under one question",
		props: firstConsent,
		wantGroups: map[string][]string{
			"This will allow Pixel Reports to:": {scopeProfile.Name, scopeRead.Name, scopeDelete.Name},
		},
		notGroups: []string{"New", "Already allowed"},
	},
	{
		name:  "reauthorization splits new from already allowed",
		props: reauthorization,
		wantGroups: map[string][]string{
			"New":             {scopeWrite.Name, scopeDelete.Name},
			"Already allowed": {scopeProfile.Name, scopeRead.Name},
		},
	},
	{
		name: "reauthorization with nothing granted has no empty group",
		props: func() ConsentProps {
			p := reauthorization()
			p.GrantedScopes = nil
			return p
		},
		wantGroups: map[string][]string{"New": {scopeWrite.Name, scopeDelete.Name}},
		notGroups:  []string{"Already allowed"},
	},
}

func TestConsentScopeGrouping(t *testing.T) {
	for _, c := range groupingCases {
		t.Run(c.name, func(t *testing.T) {
			_, doc := render(t, c.props())
			got := legends(doc)
			for legend, want := range c.wantGroups {
				values, ok := got[legend]
				if !ok {
					t.Errorf("no fieldset with legend %q; legends: %v", legend, got)
					continue
				}
				slices.Sort(values)
				want = slices.Sorted(slices.Values(want))
				if !slices.Equal(values, want) {
					t.Errorf("fieldset %q holds scopes %v, want %v", legend, values, want)
				}
			}
			for _, legend := range c.notGroups {
				if _, ok := got[legend]; ok {
					t.Errorf("unexpected fieldset %q", legend)
				}
			}
		})
	}
}

func TestConsentWorkspacePicker(t *testing.T) {
	p := firstConsent()
	_, doc := render(t, p)
	form := formWithAction(t, doc, "/oauth/consent")
	order, checked := checkboxes(t, form, "workspace")
	if want := []string{"ws-marketing", "ws-design"}; !slices.Equal(order, want) {
		t.Fatalf("workspace checkboxes = %v, want %v", order, want)
	}
	for _, w := range p.Workspaces {
		if checked[w.ID] != w.Checked {
			t.Errorf("workspace %q checked = %v, want %v", w.ID, checked[w.ID], w.Checked)
		}
		box := findAll(form, func(n *html.Node) bool { return n.Data == "input" && attrIs(n, "value", w.ID) })[0]
		row := ancestor(box, tag("label"))
		if row == nil {
			t.Fatalf("workspace %q checkbox is not inside a label", w.ID)
		}
		if !strings.Contains(text(row), w.Name) {
			t.Errorf("workspace row %q = %q, lacks the name", w.ID, text(row))
		}
		badges := findAll(row, func(n *html.Node) bool { return hasClass(n, "badge-role") })
		if len(badges) != 1 || !strings.HasSuffix(text(badges[0]), w.Role) {
			t.Errorf("workspace %q: no role badge %q beside it", w.ID, w.Role)
		}
		notes := findAll(row, func(n *html.Node) bool { return hasClass(n, "check-row-note") })
		if len(notes) != len(w.Notes) {
			t.Errorf("workspace %q: got %d notes, want %d", w.ID, len(notes), len(w.Notes))
		}
		for i, n := range notes {
			if text(n) != w.Notes[i] {
				t.Errorf("workspace %q note %d = %q, want %q", w.ID, i, text(n), w.Notes[i])
			}
		}
	}
	if _, ok := legends(doc)["Choose workspaces"]; !ok {
		t.Error(`no fieldset with legend "Choose workspaces"`)
	}
}

func TestConsentWorkspacePickerOnlyWhenNeeded(t *testing.T) {
	p := firstConsent()
	p.ShowWorkspaces = false
	page, doc := render(t, p)
	if n := len(inputs(doc, "workspace")); n != 0 {
		t.Errorf("got %d workspace checkboxes without ShowWorkspaces, want 0", n)
	}
	if strings.Contains(page, "Choose workspaces") {
		t.Error("workspace picker shown without ShowWorkspaces")
	}
}

func TestConsentNoWorkspaces(t *testing.T) {
	p := firstConsent()
	p.Workspaces, p.NoWorkspaces = nil, true
	_, doc := render(t, p)
	if n := len(inputs(doc, "workspace")); n != 0 {
		t.Errorf("got %d workspace checkboxes, want 0", n)
	}
	want := "You are not a member of any workspace, so this app cannot be given workspace access."
	if !strings.Contains(text(doc), want) {
		t.Errorf("page does not say %q", want)
	}
}

var errorCases = []struct {
	name           string
	scopeErr       string
	workspaceErr   string
	wantSummary    bool
	wantLinkTarget []string
}{
	{name: "no errors, no summary"},
	{name: "scope error links to the first permission", scopeErr: "Choose at least one permission.", wantSummary: true, wantLinkTarget: []string{"scope-new-0"}},
	{name: "workspace error links to the first workspace", workspaceErr: "Choose at least one workspace.", wantSummary: true, wantLinkTarget: []string{"workspace-0"}},
	{name: "both errors are listed in page order", scopeErr: "Choose at least one permission.", workspaceErr: "Choose at least one workspace.", wantSummary: true, wantLinkTarget: []string{"scope-new-0", "workspace-0"}},
}

func TestConsentErrors(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			p := firstConsent()
			p.ScopeError, p.WorkspaceError = c.scopeErr, c.workspaceErr
			_, doc := render(t, p)

			alerts := findAll(doc, func(n *html.Node) bool { return attrIs(n, "role", "alert") })
			if !c.wantSummary {
				if len(alerts) != 0 {
					t.Errorf("got %d role=alert elements, want none", len(alerts))
				}
				if n := len(findAll(doc, func(n *html.Node) bool { return hasClass(n, "field-error") })); n != 0 {
					t.Errorf("got %d inline errors, want none", n)
				}
				if n := len(findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "aria-invalid"); return ok })); n != 0 {
					t.Errorf("got %d aria-invalid elements, want none", n)
				}
				return
			}
			if len(alerts) != 1 {
				t.Fatalf("got %d role=alert elements, want 1", len(alerts))
			}
			var targets []string
			for _, a := range findAll(alerts[0], tag("a")) {
				href, _ := attr(a, "href")
				targets = append(targets, strings.TrimPrefix(href, "#"))
				if len(findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", strings.TrimPrefix(href, "#")) })) != 1 {
					t.Errorf("summary link %q points at no element", href)
				}
			}
			if !slices.Equal(targets, c.wantLinkTarget) {
				t.Errorf("summary links to %v, want %v", targets, c.wantLinkTarget)
			}
			for _, fe := range []struct{ id, msg string }{{"scope-error", c.scopeErr}, {"workspace-error", c.workspaceErr}} {
				inline := findAll(doc, func(n *html.Node) bool { return attrIs(n, "id", fe.id) })
				if fe.msg == "" {
					if len(inline) != 0 {
						t.Errorf("inline error #%s shown without an error", fe.id)
					}
					continue
				}
				if len(inline) != 1 || !hasClass(inline[0], "field-error") || !strings.Contains(text(inline[0]), fe.msg) {
					t.Fatalf("no inline .field-error #%s saying %q", fe.id, fe.msg)
				}
				fs := ancestor(inline[0], tag("fieldset"))
				if fs == nil {
					t.Fatalf("inline error #%s is not inside its fieldset", fe.id)
				}
				if !attrIs(fs, "aria-invalid", "true") {
					t.Errorf("fieldset around #%s lacks aria-invalid=true", fe.id)
				}
				described, _ := attr(fs, "aria-describedby")
				if !slices.Contains(strings.Fields(described), fe.id) {
					t.Errorf("fieldset aria-describedby = %q, want it to include %q", described, fe.id)
				}
			}
		})
	}
}

func TestConsentDecisionButtons(t *testing.T) {
	_, doc := render(t, firstConsent())
	form := formWithAction(t, doc, "/oauth/consent")
	buttons := findAll(form, tag("button"))
	type button struct{ typ, name, value, label string }
	var got []button
	for _, b := range buttons {
		typ, _ := attr(b, "type")
		name, _ := attr(b, "name")
		value, _ := attr(b, "value")
		got = append(got, button{typ, name, value, text(b)})
		if ancestor(b, func(n *html.Node) bool { return hasClass(n, "button-row") }) == nil {
			t.Errorf("button %q is not in the button-row", text(b))
		}
	}
	want := []button{
		{"submit", "decision", "deny", "Cancel"},
		{"submit", "decision", "approve", "Allow"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("consent form buttons = %+v, want %+v", got, want)
	}
	if !hasClass(buttons[1], "button-primary") || !hasClass(buttons[0], "button-secondary") {
		t.Error("Allow should be the primary button and Cancel the secondary one")
	}
}

func TestConsentSwitchAccount(t *testing.T) {
	p := firstConsent()
	_, doc := render(t, p)
	// The header's "Sign out" posts to /logout too; "Not you?" is the one
	// that comes back to the request.
	var form *html.Node
	for _, f := range findAll(doc, func(n *html.Node) bool { return n.Data == "form" && attrIs(n, "action", "/logout") }) {
		if len(inputs(f, "return_to")) > 0 {
			form = f
		}
	}
	if form == nil {
		t.Fatal("no form posting to /logout with return_to")
	}
	if !attrIs(form, "method", "post") {
		t.Error("the not-you form does not POST")
	}
	if ancestor(form, tag("form")) != nil {
		t.Error("the not-you form is nested in another form")
	}
	if got := hiddenValue(t, form, "_csrf"); got != p.Layout.CSRF {
		t.Errorf("not-you _csrf = %q, want %q", got, p.Layout.CSRF)
	}
	if got := hiddenValue(t, form, "return_to"); got != p.SwitchAccountReturnTo {
		t.Errorf("return_to = %q, want %q", got, p.SwitchAccountReturnTo)
	}
	buttons := findAll(form, tag("button"))
	if len(buttons) != 1 || text(buttons[0]) != "Not you? Switch account" || !attrIs(buttons[0], "type", "submit") {
		t.Errorf("not-you form has no submit button saying %q", "Not you? Switch account")
	}
	// The signed-in person is shown next to it.
	header := ancestor(form, tag("header"))
	if header == nil || !strings.Contains(text(header), "Ada Lovelace") || !strings.Contains(text(header), "ada@acme.example") {
		t.Error("the signed-in person's name and email are not shown by the not-you control")
	}
}

func TestConsentHeader(t *testing.T) {
	p := firstConsent()
	_, doc := render(t, p)
	h1 := findAll(doc, tag("h1"))
	if len(h1) != 1 || text(h1[0]) != "Pixel Reports wants to access your Consentry account" {
		t.Errorf("h1 = %q", text(h1[0]))
	}
	links := findAll(doc, func(n *html.Node) bool { return n.Data == "a" && attrIs(n, "href", p.App.HomepageURL) })
	if len(links) != 1 {
		t.Fatalf("got %d links to the homepage, want 1", len(links))
	}
	if text(links[0]) != "pixelreports.example" || !attrIs(links[0], "rel", "noopener noreferrer") {
		t.Errorf("homepage link = %q rel %v, want the host with rel=noopener noreferrer", text(links[0]), links[0].Attr)
	}
	initials := findAll(doc, func(n *html.Node) bool { return hasClass(n, "app-logo-initials") })
	if len(initials) != 1 || text(initials[0]) != "PR" {
		t.Error("an app without a logo does not show its initials")
	}

	p.App.LogoURL = "https://pixelreports.example/logo.png"
	_, doc = render(t, p)
	imgs := findAll(doc, func(n *html.Node) bool { return n.Data == "img" && hasClass(n, "app-logo") })
	if len(imgs) != 1 || !attrIs(imgs[0], "src", p.App.LogoURL) || !attrIs(imgs[0], "alt", "") {
		t.Errorf("app logo image not shown (decoratively) from LogoURL")
	}
}

func TestConsentFinePrint(t *testing.T) {
	_, doc := render(t, firstConsent())
	form := formWithAction(t, doc, "/oauth/consent")
	if !strings.Contains(text(form), "You can review or revoke this access at any time in Connected apps.") {
		t.Error("no note about reviewing access in Connected apps")
	}
	if len(findAll(form, func(n *html.Node) bool { return n.Data == "a" && attrIs(n, "href", "/apps") })) != 1 {
		t.Error("no link to /apps")
	}
	strong := findAll(form, tag("strong"))
	if !strings.Contains(text(form), "You will be sent back to app.pixelreports.example.") || len(strong) != 1 || text(strong[0]) != "app.pixelreports.example" {
		t.Error("the redirect host is not shown in bold")
	}
}

func TestConsentEscapesText(t *testing.T) {
	p := reauthorization()
	evil := `<script>alert(1)</script>`
	p.App.Name = evil
	p.App.HomepageURL = "javascript:alert(1)"
	p.App.HomepageHost = evil
	p.App.RedirectHost = evil
	p.Layout.User.Name = evil
	p.NewScopes[0].Title = evil
	p.NewScopes[0].Description = evil
	p.NewScopes[1].Warning = evil
	p.Workspaces[0].Name = evil
	p.Workspaces[1].Notes = []string{evil}
	p.ScopeError = evil
	page, doc := render(t, p)
	if strings.Contains(page, "<script") {
		t.Error("rendered page contains an unescaped <script")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the app name is not shown escaped")
	}
	if len(findAll(doc, tag("script"))) != 0 {
		t.Error("page parses to a <script> element")
	}
	if strings.Contains(page, `href="javascript:`) {
		t.Error("a javascript: homepage became a link")
	}
}

func TestConsentIsAccessibleWithoutScript(t *testing.T) {
	for _, p := range []ConsentProps{firstConsent(), reauthorization()} {
		p.ScopeError, p.WorkspaceError = "Choose one.", "Choose one."
		page, doc := render(t, p)
		for _, in := range findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attrIs(n, "type", "checkbox") }) {
			if ancestor(in, tag("label")) == nil {
				v, _ := attr(in, "value")
				t.Errorf("checkbox %q is not labelled", v)
			}
		}
		seen := map[string]bool{}
		for _, n := range findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "id"); return ok }) {
			id, _ := attr(n, "id")
			if seen[id] {
				t.Errorf("duplicate id %q", id)
			}
			seen[id] = true
		}
		for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
			for _, key := range []string{"aria-labelledby", "aria-describedby"} {
				v, _ := attr(n, key)
				for _, id := range strings.Fields(v) {
					if !seen[id] {
						t.Errorf("%s points at missing id %q", key, id)
					}
				}
			}
			for _, a := range n.Attr {
				if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s> has inline %s (the CSP forbids it)", n.Data, a.Key)
				}
			}
			if n.Data == "style" || n.Data == "script" {
				t.Errorf("page has an inline <%s>", n.Data)
			}
		}
		if strings.Contains(page, "target=") {
			t.Error("a link opens a new window")
		}
	}
}
