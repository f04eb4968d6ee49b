package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserSignIn(t *testing.T) {
	live := startLive(t)
	c := newChrome(t)

	c.do(chromedp.Navigate(live.base + "/apps"))
	if loc := c.location(); !strings.Contains(loc, "/login?return_to=") {
		t.Fatalf("signed-out visit to /apps landed on %s, want the sign-in page", loc)
	}
	c.signInThroughForm("alice@example.com", "alice-password")

	if loc := c.location(); loc != live.base+"/apps" {
		t.Fatalf("after sign-in the browser is at %s, want %s/apps", loc, live.base)
	}
	if h1 := c.text("h1"); !strings.Contains(h1, "Connected apps") {
		t.Errorf("landing heading = %q, want Connected apps", h1)
	}
	if header := c.text("header"); !strings.Contains(header, "Alice Example") {
		t.Errorf("header %q does not show who is signed in", header)
	}

	c.submitAndWait(`form[action="/logout"] button[type="submit"]`)
	if loc := c.location(); !strings.HasPrefix(loc, live.base+"/login") {
		t.Errorf("after sign-out the browser is at %s, want /login", loc)
	}
	c.assertNoProblems()
}

func TestBrowserWrongPassword(t *testing.T) {
	live := startLive(t)
	c := newChrome(t)

	c.do(chromedp.Navigate(live.base + "/login"))
	c.signInThroughForm("alice@example.com", "wrong-password")

	if loc := c.location(); !strings.HasPrefix(loc, live.base+"/login") {
		t.Fatalf("after a wrong password the browser is at %s, want the sign-in page", loc)
	}
	if msg := c.text(`[role="alert"]`); !strings.Contains(msg, msgWrongCredentials) {
		t.Errorf("alert = %q, want %q", msg, msgWrongCredentials)
	}
	email, err := chromedp.Run(c.ctx, chromedp.Value(chromedp.ID("email")))
	if err != nil {
		t.Fatal(err)
	}
	if email != "alice@example.com" {
		t.Errorf("email field = %q, want it kept after the failure", email)
	}
	c.assertNoProblems()
}
