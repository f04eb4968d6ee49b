package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserConsentApprove(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	c := newChrome(t)

	f := newFlow()
	scopes := []string{"openid", "email", "workspace:read", "workspace:templates:write", "offline_access"}
	c.do(chromedp.Navigate(f.authURL(app, scopes...)))
	c.signInThroughForm("alice@example.com", "alice-password")

	if h1 := c.text("h1"); !strings.Contains(h1, "Pixel Reports") {
		t.Fatalf("after sign-in the page heading is %q, want the consent screen for Pixel Reports", h1)
	}
	destructive := `input[name="scope"][value="workspace:templates:write"]`
	if checked, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`document.querySelector('`+destructive+`').checked`)); err != nil || checked {
		t.Fatalf("the destructive scope is pre-checked (%v, %v)", checked, err)
	}
	if warning := c.text(`.callout-warning`); !strings.Contains(warning, "cannot be undone") {
		t.Errorf("destructive warning = %q, want its warning text", warning)
	}
	c.do(
		chromedp.Click(chromedp.CSS(`input[name="scope"][value="email"]`)),
		chromedp.Click(chromedp.CSS(destructive)),
		chromedp.Click(chromedp.CSS(`input[name="workspace"][value="`+marketing+`"]`)),
	)
	c.submitAndWait(`button[name="decision"][value="approve"]`)

	loc := c.location()
	if !strings.HasPrefix(loc, app.redirectURI+"?") {
		t.Fatalf("after Allow the browser is at %s, want the app's redirect URI", loc)
	}
	u, _ := url.Parse(loc)
	if u.Query().Get("state") != f.state {
		t.Errorf("state = %q, want %q", u.Query().Get("state"), f.state)
	}
	tok := f.exchange(t, app, u.Query().Get("code"))
	if got, want := tok.Extra("scope"), "openid workspace:read workspace:templates:write offline_access"; got != want {
		t.Errorf("granted scope = %v, want %q (email unchecked, destructive opted in)", got, want)
	}
	c.assertNoProblems()
}

func TestBrowserConsentNeedsAWorkspaceThenDeny(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	c := newChrome(t)

	f := newFlow()
	c.do(chromedp.Navigate(live.base + "/login"))
	c.signInThroughForm("alice@example.com", "alice-password")
	c.do(chromedp.Navigate(f.authURL(app, "openid", "workspace:read")))

	// Allow with no workspace picked: the form comes back with the error.
	c.submitAndWait(`button[name="decision"][value="approve"]`)
	if msg := c.text(`[role="alert"]`); !strings.Contains(msg, "Choose at least one workspace") {
		t.Errorf("error summary = %q, want it to ask for a workspace", msg)
	}

	c.submitAndWait(`button[name="decision"][value="deny"]`)
	u, err := url.Parse(c.location())
	if err != nil || !strings.HasPrefix(c.location(), app.redirectURI+"?") {
		t.Fatalf("after Cancel the browser is at %s, want the app's redirect URI", c.location())
	}
	if u.Query().Get("error") != "access_denied" || u.Query().Get("state") != f.state {
		t.Errorf("deny redirect query = %v, want error=access_denied with the state", u.Query())
	}
	c.assertNoProblems()
}
