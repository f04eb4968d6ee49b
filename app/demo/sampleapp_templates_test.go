package demo_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Scopes the templates tests connect with.
const (
	readScopes  = "?chosen=1&scope=workspace:read&scope=workspace:templates:read"
	writeScopes = readScopes + "&scope=workspace:templates:write"
)

// connected runs a whole flow asking for query's scopes and returns the
// result page; the harness then holds the session cookie.
func (h *sampleHarness) connected(query string) response {
	h.t.Helper()
	res := h.get(h.approve(h.connect(query), "osc_code"))
	if res.status != http.StatusOK {
		h.t.Fatalf("callback: status %d, want 200; body: %s", res.status, res.body)
	}
	return res
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf is the CSRF value in a page's Delete forms.
func csrfOf(t *testing.T, r response) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("page has no CSRF field; body: %s", r.body)
	}
	return m[1]
}

// deleteForm is what pressing Delete on a template sends.
func deleteForm(csrf, templateID string) url.Values {
	return url.Values{
		"csrf": {csrf}, "workspace": {fakeWorkspaceID}, "template": {templateID},
		"workspace_name": {"Acme Marketing"}, "template_name": {"Quarterly report cover"}, "role": {"viewer"},
	}
}

func TestCallbackKeepsTokenInSealedCookie(t *testing.T) {
	h := newSampleHarness(t)
	res := h.connected(writeScopes)
	var session *http.Cookie
	for _, c := range res.cookies {
		if c.Name == "pixel_reports_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("no session cookie in %v", res.header.Values("Set-Cookie"))
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/demo" || session.MaxAge != 900 {
		t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/demo, Max-Age=900 (expires_in)", session)
	}
	if session.Secure {
		t.Errorf("session cookie is Secure on an http issuer; the browser would drop it")
	}
	if strings.Contains(session.Value, fakeAccessToken) || strings.Contains(session.Value, "tok1") {
		t.Errorf("session cookie shows the access token")
	}
	if csrf := csrfOf(t, res); strings.Contains(session.Value, csrf) {
		t.Errorf("session cookie shows the CSRF value in clear")
	}
}

func TestResultListsTemplatesWithDeleteForms(t *testing.T) {
	h := newSampleHarness(t)
	res := h.connected(writeScopes)
	text := res.text()
	for _, want := range []string{
		"Templates in each workspace", "Acme Marketing",
		"GET /api/v1/workspaces/" + fakeWorkspaceID + "/templates",
		"Quarterly report cover", "Product launch banner",
		`action="/demo/templates/delete"`, `method="post"`,
		`name="workspace" value="` + fakeWorkspaceID + `"`, `name="template" value="` + fakeTemplateID + `"`,
		"Delete<span class=\"visually-hidden\"> Quarterly report cover</span>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	if got := strings.Count(res.body, `name="csrf"`); got != 2 {
		t.Errorf("%d forms carry the CSRF value, want one per template (2)", got)
	}
	if strings.Contains(res.body, "<script") {
		t.Errorf("result page needs JavaScript")
	}
}

func TestResultShowsTemplatesRefusedForScope(t *testing.T) {
	h := newSampleHarness(t)
	res := h.connected("?chosen=1&scope=workspace:read")
	text := res.text()
	for _, want := range []string{
		"GET /api/v1/workspaces/" + fakeWorkspaceID + "/templates", "403 Forbidden",
		`scope="workspace:templates:read"`, "scope enforcement at work", `"code": "insufficient_scope"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	if strings.Contains(res.body, `name="template"`) {
		t.Errorf("result page offers Delete without a list")
	}
}

func TestResultExplainsNoWorkspaceList(t *testing.T) {
	h := newSampleHarness(t)
	res := h.connected("?chosen=1&scope=workspace:templates:read")
	if !strings.Contains(res.text(), "which needs workspace:read. The token does not carry it") {
		t.Errorf("result page does not say why no workspace is listed; body: %s", res.body)
	}
}

func TestResultPageCallsAgainWithKeptToken(t *testing.T) {
	h := newSampleHarness(t)
	h.connected(writeScopes)
	h.now = h.now.Add(5 * time.Minute)
	res := h.get("/demo/result")
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body: %s", res.status, res.body)
	}
	text := res.text()
	for _, want := range []string{"Pixel Reports is connected", "Every answer below is fresh", "ost_…tok1", "in 10 minutes", "Quarterly report cover", "GET /api/v1/me"} {
		if !strings.Contains(text, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	if strings.Contains(res.body, fakeAccessToken) {
		t.Errorf("result page shows the access token")
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if n := h.peer.tokenCalls(); n != 1 {
		t.Errorf("token endpoint called %d times, want 1 (the token is reused)", n)
	}
}

// spoilSession are the ways a session cookie goes bad, and what the sample
// app says of each.
var spoilSession = []struct {
	name  string
	spoil func(h *sampleHarness)
	want  string
}{
	{"missing", func(h *sampleHarness) { h.session = "" }, "connect first"},
	{"tampered", func(h *sampleHarness) {
		b := []byte(h.session)
		b[len(b)/2] ^= 1
		h.session = string(b)
	}, "could not read the cookie"},
	{"flow cookie's value", func(h *sampleHarness) {
		h.connect("")
		h.session = h.cookie
	}, "could not read the cookie"},
	{"expired with the token", func(h *sampleHarness) { h.now = h.now.Add(15 * time.Minute) }, "has expired"},
}

func TestResultRefusesSessionCookie(t *testing.T) {
	for _, tc := range spoilSession {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			h.connected(writeScopes)
			tc.spoil(h)
			before := h.peer.apiCalls()
			res := h.get("/demo/result")
			if res.status != http.StatusForbidden || !strings.Contains(res.text(), tc.want) {
				t.Errorf("status %d, want 403 with %q; body: %s", res.status, tc.want, res.body)
			}
			if n := h.peer.apiCalls() - before; n != 0 {
				t.Errorf("the API was called %d times, want none", n)
			}
		})
	}
}

func TestDeleteRefusesSessionCookie(t *testing.T) {
	for _, tc := range spoilSession {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			csrf := csrfOf(t, h.connected(writeScopes))
			tc.spoil(h)
			res := h.post("/demo/templates/delete", deleteForm(csrf, fakeTemplateID))
			if res.status != http.StatusForbidden || !strings.Contains(res.text(), tc.want) {
				t.Errorf("status %d, want 403 with %q; body: %s", res.status, tc.want, res.body)
			}
			if got := h.peer.templateIDs(); !slices.Contains(got, fakeTemplateID) {
				t.Errorf("the template was deleted")
			}
		})
	}
}

func TestDeleteRefusesForgedForm(t *testing.T) {
	for _, tc := range []struct {
		name string
		csrf func(own string) string
	}{
		{"no CSRF value", func(string) string { return "" }},
		{"wrong CSRF value", func(own string) string { return own[:len(own)-1] + "x" }},
		{"another session's value", func(string) string {
			other := newSampleHarness(t)
			return csrfOf(t, other.connected(writeScopes))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			own := csrfOf(t, h.connected(writeScopes))
			before := h.peer.apiCalls()
			res := h.post("/demo/templates/delete", deleteForm(tc.csrf(own), fakeTemplateID))
			if res.status != http.StatusForbidden || !strings.Contains(res.text(), "not from Pixel Reports") {
				t.Errorf("status %d, want 403 explaining CSRF; body: %s", res.status, res.body)
			}
			if n := h.peer.apiCalls() - before; n != 0 {
				t.Errorf("the API was called %d times, want none", n)
			}
		})
	}
}

func TestDeleteRefusesBadIDs(t *testing.T) {
	h := newSampleHarness(t)
	csrf := csrfOf(t, h.connected(writeScopes))
	for _, form := range []url.Values{
		{"csrf": {csrf}, "workspace": {fakeWorkspaceID}},
		{"csrf": {csrf}, "workspace": {"../../oauth"}, "template": {fakeTemplateID}},
		{"csrf": {csrf}, "workspace": {fakeWorkspaceID}, "template": {"x/../y"}},
	} {
		before := h.peer.apiCalls()
		if res := h.post("/demo/templates/delete", form); res.status != http.StatusBadRequest {
			t.Errorf("%v: status %d, want 400", form, res.status)
		}
		if n := h.peer.apiCalls() - before; n != 0 {
			t.Errorf("%v: the API was called %d times, want none", form, n)
		}
	}
}

// deleteCases are the outcomes of pressing Delete, end to end against the
// fake issuer.
var deleteCases = []struct {
	name     string
	scopes   string
	setup    func(h *sampleHarness)
	template string
	wants    []string
	deleted  bool
}{
	{"deleted", writeScopes, nil, fakeTemplateID,
		[]string{"<h1 id=\"demo-delete-heading\">Deleted</h1>", "204 No Content", "callout-success", "Quarterly report cover"}, true},
	{"scope not granted", readScopes, nil, fakeTemplateID,
		[]string{"Not deleted: the token lacks the scope", "403 Forbidden", `WWW-Authenticate: <code class="reference">Bearer error="insufficient_scope", scope="workspace:templates:write"</code>`,
			`"code": "insufficient_scope"`, "did not ask for workspace:templates:write"}, false},
	{"role too low", writeScopes, func(h *sampleHarness) { h.peer.setRole("viewer") }, fakeTemplateID,
		[]string{"Not deleted: your role is too low", "403 Forbidden", `"code": "insufficient_role"`, "you are a viewer there"}, false},
	{"token revoked", writeScopes, func(h *sampleHarness) { h.peer.revokeAll() }, fakeTemplateID,
		[]string{"Not deleted: the token is no longer valid", "401 Unauthorized", `Bearer error="invalid_token"`, `"code": "invalid_token"`, "Connected apps"}, false},
	{"no such template", writeScopes, nil, "7c3e2a6a-5555-4f70-9b22-3c4d5e6f7081",
		[]string{"Not deleted: no such template", "404 Not Found", `"code": "not_found"`}, false},
}

func TestDeleteOutcomes(t *testing.T) {
	for _, tc := range deleteCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			csrf := csrfOf(t, h.connected(tc.scopes))
			if tc.setup != nil {
				tc.setup(h)
			}
			res := h.post("/demo/templates/delete", deleteForm(csrf, tc.template))
			if res.status != http.StatusOK {
				t.Fatalf("status %d, want 200 (every answer is an outcome); body: %s", res.status, res.body)
			}
			text := res.text()
			for _, want := range append(tc.wants, "DELETE /api/v1/workspaces/"+fakeWorkspaceID+"/templates/"+tc.template, `href="/demo/result"`, "Back to results") {
				if !strings.Contains(text, want) {
					t.Errorf("outcome page lacks %q", want)
				}
			}
			if strings.Contains(res.body, fakeAccessToken) {
				t.Errorf("outcome page shows the access token")
			}
			want := []string{fakeTemplateID, fakeTemplateID2}
			if tc.deleted {
				want = slices.DeleteFunc(want, func(id string) bool { return id == tc.template })
			}
			if got := h.peer.templateIDs(); !slices.Equal(got, want) {
				t.Errorf("templates left = %v, want %v", got, want)
			}
		})
	}
}

func TestBackToResultsShowsDeletion(t *testing.T) {
	h := newSampleHarness(t)
	csrf := csrfOf(t, h.connected(writeScopes))
	h.post("/demo/templates/delete", deleteForm(csrf, fakeTemplateID))
	res := h.get("/demo/result")
	if strings.Contains(res.text(), "Quarterly report cover") || !strings.Contains(res.text(), "Product launch banner") {
		t.Errorf("result page after the delete: want only the other template; body: %s", res.body)
	}
	// The session, and so its CSRF value, carries on.
	if got := csrfOf(t, res); got != csrf {
		t.Errorf("CSRF value changed within a session: %q, want %q", got, csrf)
	}
}
