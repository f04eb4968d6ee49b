package demo_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/demo"
)

// testKey is a fixed 32-byte session key.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// sampleHarness is the sample app mounted at /demo on its own Fiber app,
// talking to a fake issuer.
type sampleHarness struct {
	t      *testing.T
	peer   *fakeIssuer
	app    *fiber.App
	now    time.Time
	cookie string // the flow cookie, as a browser would keep it
	// session is the session cookie (the kept access token), likewise.
	session string
}

func newSampleHarness(t *testing.T) *sampleHarness {
	t.Helper()
	h := &sampleHarness{t: t, peer: newFakeIssuer(t, testKey), now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	h.app = fiber.New()
	demo.NewSampleApp(demo.SampleAppConfig{
		Issuer: h.peer.issuer(), SessionKey: testKey, HTTPClient: h.peer.srv.Client(),
		Now: func() time.Time { return h.now },
	}).Register(h.app.Group(demo.AppPath))
	return h
}

// response is what the harness got back.
type response struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

// text is the body with HTML entities decoded, for matching sentences.
func (r response) text() string { return html.UnescapeString(r.body) }

// get requests target with the kept cookies, and keeps any new ones.
func (h *sampleHarness) get(target string) response {
	h.t.Helper()
	return h.do(httptest.NewRequest(http.MethodGet, target, nil))
}

// post sends a form to target with the kept cookies, as a browser would.
func (h *sampleHarness) post(target string, form url.Values) response {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

func (h *sampleHarness) do(req *http.Request) response {
	h.t.Helper()
	if h.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "pixel_reports_flow", Value: h.cookie})
	}
	if h.session != "" {
		req.AddCookie(&http.Cookie{Name: "pixel_reports_session", Value: h.session})
	}
	res, err := h.app.Test(req, 10_000)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	r := response{status: res.StatusCode, header: res.Header, body: string(body), cookies: res.Cookies()}
	for _, c := range r.cookies {
		value := c.Value
		if c.MaxAge < 0 || c.Value == "" {
			value = ""
		}
		switch c.Name {
		case "pixel_reports_flow":
			h.cookie = value
		case "pixel_reports_session":
			h.session = value
		}
	}
	return r
}

// connect starts a flow and returns the authorization request's parameters.
func (h *sampleHarness) connect(query string) url.Values {
	h.t.Helper()
	res := h.get("/demo/connect" + query)
	if res.status != http.StatusFound {
		h.t.Fatalf("GET /demo/connect%s: status %d, want 302; body: %s", query, res.status, res.body)
	}
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	if got, want := loc.Scheme+"://"+loc.Host+loc.Path, h.peer.issuer()+"/oauth/authorize"; got != want {
		h.t.Fatalf("redirect to %s, want %s", got, want)
	}
	return loc.Query()
}

// approve plays Consentry approving the request: it binds a code to it and
// returns the callback URL the browser would be sent to.
func (h *sampleHarness) approve(auth url.Values, code string) string {
	h.peer.issueCode(code, fakeCode{challenge: auth.Get("code_challenge"), nonce: auth.Get("nonce"), scopes: strings.Fields(auth.Get("scope"))})
	return "/demo/callback?" + url.Values{"code": {code}, "state": {auth.Get("state")}, "iss": {h.peer.issuer()}}.Encode()
}

func TestHomeOffersScopesAndConnect(t *testing.T) {
	h := newSampleHarness(t)
	res := h.get("/demo")
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200", res.status)
	}
	for _, want := range []string{
		"<title>Pixel Reports (demo) · Consentry</title>", `action="/demo/connect"`, `method="get"`,
		`value="openid" checked`, `value="workspace:read" checked`, `value="offline_access" checked`,
		`value="render:generate"`, `value="workspace:templates:write"`, "Connect with Consentry",
	} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	for _, unwanted := range []string{`value="render:generate" checked`, `value="workspace:templates:write" checked`, "<script", "style="} {
		if strings.Contains(res.body, unwanted) {
			t.Errorf("home page has %q", unwanted)
		}
	}
}

// connectCases are the authorization requests /demo/connect builds.
var connectCases = []struct {
	name, query string
	wantScope   string
	wantNonce   bool
	wantPrompt  string
}{
	{"defaults without a choice", "", "openid profile email workspace:read workspace:templates:read offline_access", true, ""},
	{"checkboxes", "?chosen=1&scope=profile&scope=workspace:read", "profile workspace:read", false, ""},
	{"space-separated and repeated", "?scope=openid+email&scope=email", "openid email", true, ""},
	{"unknown but well-formed scope passes", "?scope=openid+made:up", "openid made:up", true, ""},
	{"prompt consent", "?chosen=1&scope=openid&prompt=consent", "openid", true, "consent"},
	{"other prompt values are dropped", "?scope=openid&prompt=none", "openid", true, ""},
}

func TestConnectBuildsAuthorizationRequest(t *testing.T) {
	for _, tc := range connectCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			q := h.connect(tc.query)
			want := map[string]string{
				"response_type":         "code",
				"client_id":             demo.ClientID,
				"redirect_uri":          demo.RedirectURI(h.peer.issuer()),
				"code_challenge_method": "S256",
				"scope":                 tc.wantScope,
				"prompt":                tc.wantPrompt,
			}
			for k, v := range want {
				if got := q.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := len(q.Get("code_challenge")); got != 43 {
				t.Errorf("code_challenge has %d characters, want 43", got)
			}
			if got := len(q.Get("state")); got < 43 {
				t.Errorf("state has %d characters, want at least 43 (256 bits)", got)
			}
			if got := q.Has("nonce"); got != tc.wantNonce {
				t.Errorf("nonce present = %v, want %v", got, tc.wantNonce)
			}
			if q.Has("client_secret") || q.Has("code_verifier") {
				t.Errorf("authorization URL carries a secret: %v", q)
			}
		})
	}
}

func TestConnectSetsSealedFlowCookie(t *testing.T) {
	h := newSampleHarness(t)
	res := h.get("/demo/connect")
	loc, _ := url.Parse(res.header.Get("Location"))
	var flow *http.Cookie
	for _, c := range res.cookies {
		if c.Name == "pixel_reports_flow" {
			flow = c
		}
	}
	if flow == nil {
		t.Fatalf("no flow cookie in %v", res.header.Values("Set-Cookie"))
	}
	if !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode || flow.Path != "/demo" || flow.MaxAge != 600 {
		t.Errorf("flow cookie = %+v, want HttpOnly, SameSite=Lax, Path=/demo, Max-Age=600", flow)
	}
	if flow.Secure {
		t.Errorf("flow cookie is Secure on an http issuer; the browser would drop it")
	}
	for _, v := range []string{loc.Query().Get("state"), loc.Query().Get("nonce")} {
		if strings.Contains(flow.Value, v) {
			t.Errorf("flow cookie shows %q in clear", v)
		}
	}
	// A second flow gets fresh values.
	again := h.connect("")
	if again.Get("state") == loc.Query().Get("state") || again.Get("code_challenge") == loc.Query().Get("code_challenge") {
		t.Errorf("two flows share state or PKCE challenge")
	}
}

func TestConnectRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, query, want string
		status            int
	}{
		{"every box unchecked", "?chosen=1", "Choose at least one thing", http.StatusBadRequest},
		{"malformed scope", "?scope=%22quoted%22", "is not a well-formed scope", http.StatusBadRequest},
		{"too many scopes", "?scope=" + manyScopes(21), "at most 20 scopes", http.StatusBadRequest},
		{"malformed query", "?scope=%zz", "could not read", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			res := h.get("/demo/connect" + tc.query)
			if res.status != tc.status || !strings.Contains(res.text(), tc.want) {
				t.Errorf("status %d, want %d with %q; body: %s", res.status, tc.status, tc.want, res.body)
			}
			if h.cookie != "" {
				t.Errorf("a refused request set a flow cookie")
			}
		})
	}
}

// manyScopes is n distinct scopes, space-separated for a query.
func manyScopes(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = "s" + strconv.Itoa(i)
	}
	return strings.Join(names, "+")
}

func TestConnectRefusesBadDiscovery(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		value     any
	}{
		{"issuer is another", "issuer", "https://evil.example"},
		{"token endpoint elsewhere", "token_endpoint", "https://evil.example/token"},
		{"no S256", "code_challenge_methods_supported", []string{"plain"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			h.peer.setMetadata(tc.key, tc.value)
			res := h.get("/demo/connect")
			if res.status != http.StatusBadGateway || !strings.Contains(res.text(), "could not reach Consentry") {
				t.Errorf("status %d, want 502 with an explanation; body: %s", res.status, res.body)
			}
		})
	}
}

func TestCallbackRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		// query builds the callback query from the authorization request.
		query  func(auth url.Values, issuer string) url.Values
		noFlow bool
		status int
		want   string
	}{
		{"missing state", func(a url.Values, iss string) url.Values {
			return url.Values{"code": {"osc_x"}, "iss": {iss}}
		}, false, http.StatusBadRequest, "has no state"},
		{"mismatched state", func(a url.Values, iss string) url.Values {
			return url.Values{"code": {"osc_x"}, "state": {a.Get("state") + "x"}, "iss": {iss}}
		}, false, http.StatusBadRequest, "does not match"},
		{"no flow cookie", func(a url.Values, iss string) url.Values {
			return url.Values{"code": {"osc_x"}, "state": {a.Get("state")}, "iss": {iss}}
		}, true, http.StatusBadRequest, "no record of starting this request"},
		{"repeated state", func(a url.Values, iss string) url.Values {
			return url.Values{"code": {"osc_x"}, "state": {a.Get("state"), a.Get("state")}, "iss": {iss}}
		}, false, http.StatusBadRequest, "more than once"},
		{"wrong iss", func(a url.Values, iss string) url.Values {
			return url.Values{"code": {"osc_x"}, "state": {a.Get("state")}, "iss": {"https://evil.example"}}
		}, false, http.StatusBadRequest, "wrong server"},
		{"missing iss", func(a url.Values, iss string) url.Values {
			return url.Values{"code": {"osc_x"}, "state": {a.Get("state")}}
		}, false, http.StatusBadRequest, "wrong server"},
		{"neither code nor error", func(a url.Values, iss string) url.Values {
			return url.Values{"state": {a.Get("state")}, "iss": {iss}}
		}, false, http.StatusBadRequest, "neither a code nor an error"},
		{"access denied is a cancel", func(a url.Values, iss string) url.Values {
			return url.Values{"error": {"access_denied"}, "state": {a.Get("state")}, "iss": {iss}}
		}, false, http.StatusOK, "You cancelled"},
		{"other authorization error", func(a url.Values, iss string) url.Values {
			return url.Values{"error": {"invalid_scope"}, "error_description": {"made:up is not a scope"}, "state": {a.Get("state")}, "iss": {iss}}
		}, false, http.StatusBadRequest, "made:up is not a scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			auth := h.connect("")
			if tc.noFlow {
				h.cookie = ""
			}
			res := h.get("/demo/callback?" + tc.query(auth, h.peer.issuer()).Encode())
			if res.status != tc.status || !strings.Contains(res.text(), tc.want) {
				t.Errorf("status %d, want %d with %q; body: %s", res.status, tc.status, tc.want, res.body)
			}
			if n := h.peer.tokenCalls(); n != 0 {
				t.Errorf("the token endpoint was called %d times, want none", n)
			}
		})
	}
}

func TestCallbackRefusesFlowCookie(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spoil  func(h *sampleHarness)
		want   string
		status int
	}{
		{"tampered", func(h *sampleHarness) {
			b := []byte(h.cookie)
			b[len(b)/2] ^= 1
			h.cookie = string(b)
		}, "no record of starting this request", http.StatusBadRequest},
		{"expired", func(h *sampleHarness) { h.now = h.now.Add(10*time.Minute + time.Second) }, "longer than ten minutes", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSampleHarness(t)
			auth := h.connect("")
			callback := h.approve(auth, "osc_code")
			tc.spoil(h)
			res := h.get(callback)
			if res.status != tc.status || !strings.Contains(res.text(), tc.want) {
				t.Errorf("status %d, want %d with %q; body: %s", res.status, tc.status, tc.want, res.body)
			}
		})
	}
}

func TestCallbackExchangesCodeAndCallsAPI(t *testing.T) {
	h := newSampleHarness(t)
	auth := h.connect("")
	res := h.get(h.approve(auth, "osc_code"))
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body: %s", res.status, res.body)
	}
	text := res.text()
	for _, want := range []string{
		"Pixel Reports is connected",
		"ost_…tok1", "osr_…ref9", // masked tokens
		"900 seconds (15 minutes)", fakeUserID, fakeWorkspaceID,
		"Decoded without checking its signature", "Nonce matches", `"nonce": "` + auth.Get("nonce") + `"`,
		"GET /api/v1/me", "200 OK", `"email": "alice@example.com"`,
		"GET /api/v1/workspaces", `"name": "Acme Marketing"`,
		`href="/demo"`, `href="/apps"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	for _, secret := range []string{fakeAccessToken, fakeRefreshToken, demo.ClientSecret(testKey)} {
		if strings.Contains(res.body, secret) {
			t.Errorf("result page shows the secret %q", secret)
		}
	}
	if h.cookie != "" {
		t.Errorf("flow cookie not cleared after the exchange")
	}
	// The browser reloads the page: the flow is gone, nothing is exchanged.
	if again := h.get(h.approve(auth, "osc_code2")); again.status != http.StatusBadRequest {
		t.Errorf("reload: status %d, want 400", again.status)
	}
	if n := h.peer.tokenCalls(); n != 1 {
		t.Errorf("token endpoint called %d times, want 1", n)
	}
}

func TestCallbackShowsInsufficientScopeAsOutcome(t *testing.T) {
	h := newSampleHarness(t)
	auth := h.connect("?chosen=1&scope=profile&scope=email")
	res := h.get(h.approve(auth, "osc_code"))
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body: %s", res.status, res.body)
	}
	text := res.text()
	for _, want := range []string{
		"403 Forbidden", `error="insufficient_scope"`, "scope enforcement at work", `badge badge-warning`,
		"None (offline_access was not granted)", "No ID token came back",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
}

func TestCallbackShowsScopesNotGranted(t *testing.T) {
	h := newSampleHarness(t)
	auth := h.connect("?scope=profile+email+workspace:read")
	// The user unchecked email on the consent screen.
	h.peer.issueCode("osc_code", fakeCode{challenge: auth.Get("code_challenge"), scopes: []string{"profile", "workspace:read"}})
	res := h.get("/demo/callback?" + url.Values{"code": {"osc_code"}, "state": {auth.Get("state")}, "iss": {h.peer.issuer()}}.Encode())
	if !strings.Contains(res.text(), "Asked for, not granted") || !strings.Contains(res.text(), "<code>email</code>") {
		t.Errorf("result page does not say email was not granted; body: %s", res.body)
	}
}

func TestCallbackShowsRefusedExchange(t *testing.T) {
	h := newSampleHarness(t)
	auth := h.connect("")
	// The code was never issued (or already used): invalid_grant.
	res := h.get("/demo/callback?" + url.Values{"code": {"osc_unknown"}, "state": {auth.Get("state")}, "iss": {h.peer.issuer()}}.Encode())
	if res.status != http.StatusBadRequest || !strings.Contains(res.text(), "invalid_grant") {
		t.Errorf("status %d, want 400 naming invalid_grant; body: %s", res.status, res.body)
	}
}

func TestCallbackChecksPKCE(t *testing.T) {
	h := newSampleHarness(t)
	auth := h.connect("")
	// An attacker's code, bound to another challenge, injected into this flow.
	h.peer.issueCode("osc_injected", fakeCode{challenge: "another-challenge", scopes: []string{"openid"}})
	res := h.get("/demo/callback?" + url.Values{"code": {"osc_injected"}, "state": {auth.Get("state")}, "iss": {h.peer.issuer()}}.Encode())
	if res.status != http.StatusBadRequest || !strings.Contains(res.text(), "PKCE verification failed") {
		t.Errorf("status %d, want 400 with the PKCE failure; body: %s", res.status, res.body)
	}
}
