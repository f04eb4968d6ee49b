package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserConnectedApps: after consenting, the app is listed; removing a
// workspace and revoking (through the confirmation) work from the browser.
func TestBrowserConnectedApps(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	design := live.workspaceID(t, "alice@example.com", "Acme Design")
	c := newChrome(t)

	f := newFlow()
	c.do(chromedp.Navigate(f.authURL(app, "openid", "workspace:read", "offline_access")))
	c.signInThroughForm("alice@example.com", "alice-password")
	c.do(
		chromedp.Click(chromedp.CSS(`input[name="workspace"][value="`+marketing+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name="workspace"][value="`+design+`"]`)),
	)
	c.submitAndWait(`button[name="decision"][value="approve"]`)
	loc, _ := url.Parse(c.location())
	tok := f.exchange(t, app, loc.Query().Get("code"))

	c.do(chromedp.Navigate(live.base + "/apps"))
	card := c.text("main")
	for _, want := range []string{"Pixel Reports", "Acme Marketing", "Acme Design", "Read workspaces"} {
		if !strings.Contains(card, want) {
			t.Errorf("/apps does not show %q:\n%s", want, card)
		}
	}

	c.do(chromedp.Navigate(live.base + "/apps/" + url.PathEscape(app.id)))
	c.submitAndWait(`form[action$="/workspaces/` + marketing + `/remove"] button[type="submit"]`)
	if flash := c.text(".flash"); !strings.Contains(flash, "can no longer reach Acme Marketing") {
		t.Errorf("flash after removing a workspace = %q", flash)
	}
	if got := introspect(t, live, app, tok.AccessToken)["workspace_ids"]; len(got.([]any)) != 1 {
		t.Errorf("after removing a workspace in the browser the token reaches %v, want one workspace", got)
	}

	c.do(chromedp.Click(chromedp.CSS(`a.button-danger`)))
	c.do(chromedp.WaitVisible(chromedp.CSS(`form[action$="/revoke"] button[type="submit"]`)))
	if body := c.text("main"); !strings.Contains(body, "stops working immediately") {
		t.Errorf("the confirmation does not say what stops working:\n%s", body)
	}
	c.submitAndWait(`form[action$="/revoke"] button[type="submit"]`)
	if loc := c.location(); loc != live.base+"/apps" {
		t.Errorf("after revoking the browser is at %s, want /apps", loc)
	}
	if flash := c.text(".flash"); !strings.Contains(flash, "no longer has access") {
		t.Errorf("flash after revoking = %q", flash)
	}
	if body := c.text("main"); !strings.Contains(body, "No connected apps yet") {
		t.Errorf("after revoking, /apps still lists apps:\n%s", body)
	}
	if got := introspect(t, live, app, tok.AccessToken); got["active"] != false {
		t.Errorf("after revoking in the browser the token is %v", got)
	}
	c.assertNoProblems()
}
