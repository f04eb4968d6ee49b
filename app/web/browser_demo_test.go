package web

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/app/demo"
	"github.com/consentry/consentry/models"
)

// startDemo is the live server in demo mode with the demo data seeded.
func startDemo(t *testing.T) *liveServer {
	t.Helper()
	live := startLive(t, withDemo())
	_, err := demo.Seed(context.Background(), demo.Services{
		Store: live.store, Accounts: live.users, Clients: live.registry(), Catalog: models.DefaultCatalog(),
	}, live.base, testSessionKey)
	if err != nil {
		t.Fatalf("seed demo data: %v", err)
	}
	return live
}

// TestBrowserDemoApp: a newcomer's minute — the /demo sample app starts a
// real authorization, the person signs in and approves, and the app shows
// the token response, both API calls answered and the workspace's templates.
func TestBrowserDemoApp(t *testing.T) {
	live := startDemo(t)
	c := newChrome(t)

	c.do(chromedp.Navigate(live.base + "/demo"))
	c.submitAndWait(`main form button[type="submit"]`)
	c.signInThroughForm("alice@example.com", "alice-password")
	if h1 := c.text("h1"); !strings.Contains(h1, "Pixel Reports") {
		t.Fatalf("consent heading = %q", h1)
	}
	c.do(chromedp.Click(chromedp.CSS(`input[name="workspace"]`)))
	c.submitAndWait(`button[name="decision"][value="approve"]`)

	if h1 := c.text("h1"); h1 != "Pixel Reports is connected" {
		t.Fatalf("the demo app shows %q at %s, want the connected page", h1, c.location())
	}
	body := c.text("main")
	for _, want := range []string{"ost_…", "/api/v1/me", "/api/v1/workspaces", "200", "Templates in each workspace", "Quarterly report cover"} {
		if !strings.Contains(body, want) {
			t.Errorf("the demo result page lacks %q", want)
		}
	}
	c.assertNoProblems()
}

// connectDemoForDelete goes through /demo asking for the scope to delete
// templates, signs in as email and allows it in Acme Marketing only.
func connectDemoForDelete(t *testing.T, live *liveServer, c *chrome, email, password, marketing string) {
	t.Helper()
	destructive := `input[name="scope"][value="workspace:templates:write"]`
	c.do(chromedp.Navigate(live.base + "/demo"))
	if note := c.text("#demo-try-delete + p"); !strings.Contains(note, "workspace:templates:write") {
		t.Errorf("the start page's delete hint = %q, want it to name the scope", note)
	}
	c.do(chromedp.Click(chromedp.CSS(destructive)))
	c.submitAndWait(`main form button[type="submit"]`)
	c.signInThroughForm(email, password)
	if h1 := c.text("h1"); !strings.Contains(h1, "Pixel Reports") {
		t.Fatalf("consent heading = %q", h1)
	}
	// Consentry never pre-checks a destructive scope: the person opts in.
	c.do(
		chromedp.Click(chromedp.CSS(destructive)),
		chromedp.Click(chromedp.CSS(`input[name="workspace"][value="`+marketing+`"]`)),
	)
	c.submitAndWait(`button[name="decision"][value="approve"]`)
	if h1 := c.text("h1"); h1 != "Pixel Reports is connected" {
		t.Fatalf("the demo app shows %q at %s, want the connected page", h1, c.location())
	}
}

// templateNamed finds a workspace's template in the store, or "".
func templateNamed(t *testing.T, live *liveServer, workspaceID, name string) string {
	t.Helper()
	ts, err := live.store.TemplatesOf(context.Background(), workspaceID)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(ts, func(tpl models.Template) bool { return tpl.Name == name }); i >= 0 {
		return ts[i].ID
	}
	return ""
}

// TestBrowserDemoDeleteTemplate: with workspace:templates:write granted,
// alice (owner of Acme Marketing) presses Delete beside a template, without
// JavaScript doing anything, and the template is gone from the store and
// from the results.
func TestBrowserDemoDeleteTemplate(t *testing.T) {
	live := startDemo(t)
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	target := templateNamed(t, live, marketing, "Quarterly report cover")
	if target == "" {
		t.Fatal("the demo seed gave Acme Marketing no “Quarterly report cover”")
	}
	c := newChrome(t)
	connectDemoForDelete(t, live, c, "alice@example.com", "alice-password", marketing)

	templates := c.text(`section[aria-labelledby="demo-templates-heading"]`)
	for _, want := range []string{"Acme Marketing", "Quarterly report cover", "Product launch banner", "Social media teaser", "200 OK"} {
		if !strings.Contains(templates, want) {
			t.Errorf("the templates section lacks %q", want)
		}
	}
	c.submitAndWait(`form:has(input[name="template"][value="` + target + `"]) button[type="submit"]`)

	if h1 := c.text("h1"); h1 != "Deleted" {
		t.Fatalf("after Delete the demo app shows %q at %s, want Deleted", h1, c.location())
	}
	if body := c.text("main"); !strings.Contains(body, "204 No Content") || !strings.Contains(body, "DELETE /api/v1/workspaces/"+marketing+"/templates/"+target) {
		t.Errorf("the outcome page does not show the DELETE answered 204: %q", body)
	}
	if id := templateNamed(t, live, marketing, "Quarterly report cover"); id != "" {
		t.Errorf("the template is still in the store after Deleted")
	}

	c.submitAndWait(`a[href="/demo/result"]`)
	templates = c.text(`section[aria-labelledby="demo-templates-heading"]`)
	if strings.Contains(templates, "Quarterly report cover") || !strings.Contains(templates, "Product launch banner") {
		t.Errorf("back on the results, the templates are %q, want the deleted one gone", templates)
	}
	c.assertNoProblems()
}

// TestBrowserDemoRoleCheck: bob, a viewer in Acme Marketing, grants the
// same scope, but his role caps it: Consentry refuses the delete with
// insufficient_role, and the sample app says why.
func TestBrowserDemoRoleCheck(t *testing.T) {
	live := startDemo(t)
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	target := templateNamed(t, live, marketing, "Quarterly report cover")
	c := newChrome(t)
	connectDemoForDelete(t, live, c, "bob@example.com", "bob-password", marketing)

	c.submitAndWait(`form:has(input[name="template"][value="` + target + `"]) button[type="submit"]`)
	if h1 := c.text("h1"); h1 != "Not deleted: your role is too low" {
		t.Fatalf("after Delete the demo app shows %q at %s, want the role refusal", h1, c.location())
	}
	if body := c.text("main"); !strings.Contains(body, "403 Forbidden") || !strings.Contains(body, "insufficient_role") || !strings.Contains(body, "you are a viewer there") {
		t.Errorf("the outcome page does not explain the role check: %q", body)
	}
	if id := templateNamed(t, live, marketing, "Quarterly report cover"); id != target {
		t.Errorf("a viewer's delete removed the template")
	}
	c.assertNoProblems()
}
