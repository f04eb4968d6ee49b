package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/app/demo"
	"github.com/consentry/consentry/models"
)

// TestBrowserDemoApp: a newcomer's minute — the /demo sample app starts a
// real authorization, the person signs in and approves, and the app shows
// the token response and both API calls answered.
func TestBrowserDemoApp(t *testing.T) {
	live := startLive(t, withDemo())
	_, err := demo.Seed(context.Background(), demo.Services{
		Store: live.store, Accounts: live.users, Clients: live.registry(), Catalog: models.DefaultCatalog(),
	}, live.base, testSessionKey)
	if err != nil {
		t.Fatalf("seed demo data: %v", err)
	}
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
	for _, want := range []string{"ost_…", "/api/v1/me", "/api/v1/workspaces", "200"} {
		if !strings.Contains(body, want) {
			t.Errorf("the demo result page lacks %q", want)
		}
	}
	c.assertNoProblems()
}
