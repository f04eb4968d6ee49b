package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserWorkspaceAuditLog walks a workspace's audit log in Chromium:
// from the workspace admin page to the log, filtering by action, opening an
// event's raw details — with no script or browser error on any page.
func TestBrowserWorkspaceAuditLog(t *testing.T) {
	w := newCascadeWorld(t)
	c := newChrome(t)
	admin := w.live.base + "/admin/workspaces/" + w.marketing

	c.do(chromedp.Navigate(admin))
	c.signInThroughForm("alice@example.com", "alice-password")
	if loc := c.location(); loc != admin {
		t.Fatalf("after sign-in the browser is at %s, want %s", loc, admin)
	}
	c.submitAndWait(`.page-header a[href$="/audit"]`)
	c.do(chromedp.WaitVisible(chromedp.CSS(`.audit-table`)))
	main := c.text("main")
	for _, want := range []string{
		"Audit log of Acme Marketing",
		"Alice Example allowed Pixel Reports into Acme Marketing and 1 other workspace",
		"Bob Builder allowed Pixel Reports into Acme Marketing",
		"Alice Example allowed Other App into Acme Marketing",
	} {
		if !strings.Contains(main, want) {
			t.Errorf("the log does not show %q:\n%s", want, main)
		}
	}

	c.do(chromedp.SetValue(chromedp.CSS(`#audit-action`), "grant.created"))
	c.submitAndWait(`.audit-filter-form button[type="submit"]`)
	loc, _ := url.Parse(c.location())
	if loc.Path != "/admin/workspaces/"+w.marketing+"/audit" || loc.Query().Get("action") != "grant.created" {
		t.Errorf("after filtering the browser is at %s", loc)
	}
	c.do(chromedp.Click(chromedp.CSS(`.audit-raw > summary`)), chromedp.WaitVisible(chromedp.CSS(`.audit-raw-json`)))
	if raw := c.text(".audit-raw-json"); !strings.Contains(raw, `"action": "grant.created"`) {
		t.Errorf("raw details = %s", raw)
	}
	export, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.querySelector('a.audit-export').getAttribute('href')`))
	if err != nil || export != "/admin/workspaces/"+w.marketing+"/audit.csv?action=grant.created" {
		t.Errorf("Export CSV links to %q (%v), want the export with the applied filter", export, err)
	}
	c.assertNoProblems()
}
