package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserPlatformAdmin walks the platform admin pages in Chromium: sign
// in on the way to /admin, see the overview and its chart, register a
// client through the form (a refusal first, then success with the secret
// shown once), and revoke a grant from the list — with no script or
// browser error on any page.
func TestBrowserPlatformAdmin(t *testing.T) {
	live := startLive(t)
	newAdminWorld(t, live.fixture)
	app := live.registerApp(t, "Pixel Reports Live")
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	approveFlow(t, alice, app, []string{"openid", "workspace:read"}, []string{marketing})
	c := newChrome(t)

	c.do(chromedp.Navigate(live.base + "/admin"))
	c.signInThroughForm("root@example.com", "root-password")
	if loc := c.location(); loc != live.base+"/admin" {
		t.Fatalf("after sign-in the browser is at %s, want /admin", loc)
	}
	c.do(chromedp.WaitVisible(chromedp.CSS(`svg.chart-svg`)))
	main := c.text("main")
	for _, want := range []string{"Platform overview", "Active grants", "Grants created and revoked", "1 grant was created and 0 revoked", "Intact (1 event)"} {
		if !strings.Contains(main, want) {
			t.Errorf("/admin does not show %q:\n%s", want, main)
		}
	}
	c.do(chromedp.Click(chromedp.CSS(`.chart-data > summary`)), chromedp.WaitVisible(chromedp.CSS(`.chart-data table`)))

	c.do(chromedp.Click(chromedp.CSS(`.admin-nav a[href="/admin/clients"]`)), chromedp.WaitVisible(chromedp.CSS(`.client-table`)))
	c.do(chromedp.Click(chromedp.CSS(`a[href="/admin/clients/new"]`)), chromedp.WaitVisible(chromedp.ID("client-name")))
	c.do(
		chromedp.SendKeys(chromedp.ID("client-name"), "Browser Registered"),
		chromedp.SendKeys(chromedp.ID("client-homepage-url"), "https://browser.example"),
		chromedp.SendKeys(chromedp.ID("client-redirect-uris"), "http://browser.example/callback"),
	)
	c.submitAndWait(`#client-form button[type="submit"]`)
	if got := c.text("#client-redirect-uris-error"); !strings.Contains(got, "http is only allowed for loopback") {
		t.Errorf("the refused redirect URI's error = %q", got)
	}
	if focused, _ := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.activeElement.id`)); focused != "client-redirect-uris" {
		t.Errorf("after the refusal the focus is on %q, want the redirect URIs", focused)
	}
	c.do(
		chromedp.Clear(chromedp.ID("client-redirect-uris")),
		chromedp.SendKeys(chromedp.ID("client-redirect-uris"), "https://browser.example/callback"),
		chromedp.Click(chromedp.CSS(`input[name="scope"][value="workspace:templates:write"]`)),
	)
	c.submitAndWait(`#client-form button[type="submit"]`)
	secret, err := chromedp.Run(c.ctx, chromedp.Value(chromedp.ID("new-client-secret")))
	if err != nil || !strings.HasPrefix(secret, "oss_") {
		t.Fatalf("after registering, the secret field holds %q (%v)", secret, err)
	}
	if h1 := c.text("h1"); h1 != "Browser Registered" {
		t.Errorf("after registering the heading is %q", h1)
	}

	c.do(chromedp.Click(chromedp.CSS(`.admin-nav a[href="/admin/grants"]`)), chromedp.WaitVisible(chromedp.ID("grant-client")))
	c.do(chromedp.SendKeys(chromedp.ID("grant-client"), "Live"))
	c.submitAndWait(`form[role="search"] button[type="submit"]`)
	if rows := c.text(".admin-grant-table tbody"); !strings.Contains(rows, "alice@example.com") || strings.Contains(rows, "Pixel Reports\n") {
		t.Errorf("search for Live shows:\n%s", rows)
	}
	c.do(chromedp.Click(chromedp.CSS(`.admin-grant-table details > summary`)), chromedp.WaitVisible(chromedp.CSS(`.admin-grant-table details button`)))
	c.submitAndWait(`.admin-grant-table details button`)
	if flash := c.text(".flash"); !strings.Contains(flash, "can no longer use alice@example.com’s account") {
		t.Errorf("flash after revoking = %q", flash)
	}
	if !strings.Contains(c.location(), "client=Live") {
		t.Errorf("after revoking the browser is at %s, want the search kept", c.location())
	}
	c.assertNoProblems()
}
