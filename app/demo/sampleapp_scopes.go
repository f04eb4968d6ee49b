package demo

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/consentry/consentry/views/layout"
	"github.com/consentry/consentry/views/pages"
)

// errNoScopes is the start page sent with every box unchecked.
var errNoScopes = errors.New("no scope chosen")

// scopeChoice is a scope the sample app offers to ask for, and why.
type scopeChoice struct {
	name, why, warning string
	on                 bool
}

// scopeChoices are the scopes the start page offers, in catalog order.
func scopeChoices() []scopeChoice {
	return []scopeChoice{
		{name: "openid", why: "Know which Consentry account you are (an ID token)", on: true},
		{name: "profile", why: "Put your name and avatar on your reports", on: true},
		{name: "email", why: "Email your reports to you", on: true},
		{name: "workspace:read", why: "List the workspaces you choose", on: true},
		{name: "workspace:templates:read", why: "Read the templates in those workspaces", on: true},
		{name: "workspace:templates:write", why: "Delete templates in those workspaces", warning: "Destructive: Consentry warns you before you allow it."},
		{name: "render:generate", why: "Generate images, PDFs and videos from your templates"},
		{name: "offline_access", why: "Keep working while you are away (a refresh token)", on: true},
	}
}

func defaultScopes() []string {
	var names []string
	for _, s := range scopeChoices() {
		if s.on {
			names = append(names, s.name)
		}
	}
	return names
}

func homeProps(checked []string, promptConsent bool, problem string) pages.DemoHomeProps {
	choices := scopeChoices()
	options := make([]pages.DemoScopeOption, 0, len(choices))
	for _, s := range choices {
		options = append(options, pages.DemoScopeOption{Name: s.name, Why: s.why, Warning: s.warning, Checked: slices.Contains(checked, s.name)})
	}
	return pages.DemoHomeProps{
		Layout: layout.Page{Title: appTitle}, ConnectURL: connectPath,
		Scopes: options, PromptConsent: promptConsent, Error: problem,
	}
}

// Limits on what /demo/connect accepts, so the URL it builds stays sane.
const (
	maxScopes   = 20
	maxScopeLen = 128
)

// requestedScopes reads the scopes to ask for: repeated "scope" values (the
// start page's checkboxes), each of which may also hold several
// space-separated scopes. With none at all it asks for the defaults, unless
// the start page's form was sent ("chosen") with every box unchecked. Any
// well-formed scope passes, even one the start page does not offer, so a
// developer can see how Consentry answers an unknown scope.
func requestedScopes(q url.Values) ([]string, error) {
	var scopes []string
	for _, v := range q["scope"] {
		for _, s := range strings.Fields(v) {
			if !validScopeToken(s) {
				return nil, fmt.Errorf("%q is not a well-formed scope (RFC 6749 §3.3)", s)
			}
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	switch {
	case len(scopes) > maxScopes:
		return nil, fmt.Errorf("it asks for at most %d scopes at once", maxScopes)
	case len(scopes) > 0:
		return scopes, nil
	case q.Get("chosen") != "":
		return nil, errNoScopes
	}
	return defaultScopes(), nil
}

// validScopeToken applies RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
func validScopeToken(s string) bool {
	if s == "" || len(s) > maxScopeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\' {
			return false
		}
	}
	return true
}
