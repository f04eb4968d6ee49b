package oauth_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/consentry/consentry/app/oauth"
)

// authorizeTests change one thing in a valid request (authQuery) and say
// where the error must go: wantPage is the code of an error page (*Error,
// never a redirect, because the client or redirect URI is not trusted);
// wantRedirect the code sent back to the client as a *RedirectError. Both
// empty means the request is valid.
var authorizeTests = []struct {
	name         string
	edit         func(q url.Values)
	wantPage     string
	wantRedirect string
}{
	// Client and redirect URI not trusted: an error page, never a redirect.
	{name: "missing client_id is an error page", edit: func(q url.Values) { q.Del("client_id") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "empty client_id is an error page", edit: func(q url.Values) { q.Set("client_id", "") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "duplicate client_id is an error page", edit: func(q url.Values) { q.Add("client_id", "conf-app") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "unknown client_id is an error page", edit: func(q url.Values) { q.Set("client_id", "nobody") }, wantPage: oauth.ErrCodeInvalidClient},
	{name: "disabled client is an error page", edit: func(q url.Values) {
		q.Set("client_id", "old-app")
		q.Set("redirect_uri", "https://old.example.com/callback")
	}, wantPage: oauth.ErrCodeInvalidClient},
	{name: "missing redirect_uri is an error page", edit: func(q url.Values) { q.Del("redirect_uri") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "duplicate redirect_uri is an error page", edit: func(q url.Values) { q.Add("redirect_uri", confRedirect) }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "unregistered redirect_uri is an error page", edit: func(q url.Values) { q.Set("redirect_uri", "https://evil.example.com/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "redirect_uri with an extra path segment is an error page", edit: func(q url.Values) { q.Set("redirect_uri", confRedirect+"/x") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "redirect_uri with a trailing slash is an error page", edit: func(q url.Values) { q.Set("redirect_uri", confRedirect+"/") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "redirect_uri differing in host case is an error page", edit: func(q url.Values) { q.Set("redirect_uri", "https://APP.example.com/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "redirect_uri with an explicit default port is an error page", edit: func(q url.Values) { q.Set("redirect_uri", "https://app.example.com:443/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "redirect_uri without its registered query is an error page", edit: func(q url.Values) { q.Set("redirect_uri", "https://app.example.com/cb") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "redirect_uri with an added query is an error page", edit: func(q url.Values) { q.Set("redirect_uri", confRedirect+"?next=/") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "confidential client loopback on another port is an error page", edit: func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:9001/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "confidential client loopback without its port is an error page", edit: func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "public loopback with a different path is an error page", edit: func(q url.Values) { setPublic(q, "http://127.0.0.1:5000/other") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "public loopback with a different loopback IP is an error page", edit: func(q url.Values) { setPublic(q, "http://127.0.0.2:5000/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "public loopback IPv6 with a different path is an error page", edit: func(q url.Values) { setPublic(q, "http://[::1]:5000/other") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "public loopback as localhost is an error page", edit: func(q url.Values) { setPublic(q, "http://localhost:5000/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "public loopback over https is an error page", edit: func(q url.Values) { setPublic(q, "https://127.0.0.1:5000/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "public loopback with user info is an error page", edit: func(q url.Values) { setPublic(q, "http://evil@127.0.0.1:5000/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "public loopback with an added query is an error page", edit: func(q url.Values) { setPublic(q, "http://127.0.0.1:5000/callback?x=1") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "public non-loopback host is an error page", edit: func(q url.Values) { setPublic(q, "http://evil.example.com:5000/callback") }, wantPage: oauth.ErrCodeInvalidRequest},
	{name: "bad redirect_uri wins over a bad response_type", edit: func(q url.Values) {
		q.Set("redirect_uri", "https://evil.example.com/callback")
		q.Set("response_type", "token")
	}, wantPage: oauth.ErrCodeInvalidRequest},

	// Public clients: loopback IP literals on any port (RFC 8252 §7.3).
	{name: "public loopback IPv4 on any port is accepted", edit: func(q url.Values) { setPublic(q, "http://127.0.0.1:51234/callback") }},
	{name: "public loopback IPv4 exactly as registered is accepted", edit: func(q url.Values) { setPublic(q, pubLoopbackV4) }},
	{name: "public loopback IPv6 on another port than registered is accepted", edit: func(q url.Values) { setPublic(q, "http://[::1]:61000/callback") }},
	{name: "public loopback IPv6 without the registered port is accepted", edit: func(q url.Values) { setPublic(q, "http://[::1]/callback") }},
	{name: "registered redirect_uri with a query is accepted", edit: func(q url.Values) { q.Set("redirect_uri", confQueryRedirect) }},
	{name: "confidential loopback exactly as registered is accepted", edit: func(q url.Values) { q.Set("redirect_uri", confLoopback) }},

	// Redirect URI trusted: errors go back to the client.
	{name: "duplicate response_type is redirected", edit: func(q url.Values) { q.Add("response_type", "code") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "duplicate scope is redirected", edit: func(q url.Values) { q.Add("scope", "openid") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "duplicate state is redirected", edit: func(q url.Values) { q.Add("state", "other") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "duplicate code_challenge is redirected", edit: func(q url.Values) { q.Add("code_challenge", rfcChallenge) }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "duplicate code_challenge_method is redirected", edit: func(q url.Values) { q.Add("code_challenge_method", "S256") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "duplicate nonce is redirected", edit: func(q url.Values) { q.Add("nonce", "n2") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "duplicate prompt is redirected", edit: func(q url.Values) { q["prompt"] = []string{"consent", "consent"} }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "duplicate response_mode is redirected", edit: func(q url.Values) { q["response_mode"] = []string{"query", "query"} }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "missing response_type is invalid_request", edit: func(q url.Values) { q.Del("response_type") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "response_type token is unsupported", edit: func(q url.Values) { q.Set("response_type", "token") }, wantRedirect: oauth.ErrCodeUnsupportedResponseType},
	{name: "response_type code id_token is unsupported", edit: func(q url.Values) { q.Set("response_type", "code id_token") }, wantRedirect: oauth.ErrCodeUnsupportedResponseType},
	{name: "response_mode fragment is refused", edit: func(q url.Values) { q.Set("response_mode", "fragment") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "response_mode form_post is refused", edit: func(q url.Values) { q.Set("response_mode", "form_post") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "response_mode query is accepted", edit: func(q url.Values) { q.Set("response_mode", "query") }},
	{name: "missing code_challenge is refused", edit: func(q url.Values) { q.Del("code_challenge") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "missing code_challenge and method is refused", edit: func(q url.Values) {
		q.Del("code_challenge")
		q.Del("code_challenge_method")
	}, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "plain method is refused", edit: func(q url.Values) {
		q.Set("code_challenge_method", "plain")
		q.Set("code_challenge", rfcVerifier)
	}, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "missing method is refused (it would mean plain)", edit: func(q url.Values) { q.Del("code_challenge_method") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "lower-case s256 method is refused", edit: func(q url.Values) { q.Set("code_challenge_method", "s256") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "challenge of 42 characters is refused", edit: func(q url.Values) { q.Set("code_challenge", rfcChallenge[:42]) }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "challenge of 129 characters is refused", edit: func(q url.Values) { q.Set("code_challenge", strings.Repeat("a", 129)) }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "challenge of 128 characters is accepted", edit: func(q url.Values) { q.Set("code_challenge", strings.Repeat("a", 128)) }},
	{name: "challenge in padded standard base64 is refused", edit: func(q url.Values) { q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM=") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "challenge with a space is refused", edit: func(q url.Values) { q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw cM") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "missing scope is invalid_scope", edit: func(q url.Values) { q.Del("scope") }, wantRedirect: oauth.ErrCodeInvalidScope},
	{name: "blank scope is invalid_scope", edit: func(q url.Values) { q.Set("scope", "   ") }, wantRedirect: oauth.ErrCodeInvalidScope},
	{name: "unknown scope is invalid_scope", edit: func(q url.Values) { q.Set("scope", "openid admin:everything") }, wantRedirect: oauth.ErrCodeInvalidScope},
	{name: "scope differing in case is unknown", edit: func(q url.Values) { q.Set("scope", "OpenID") }, wantRedirect: oauth.ErrCodeInvalidScope},
	{name: "scope the client may not request is invalid_scope", edit: func(q url.Values) { q.Set("scope", "openid mcp:access") }, wantRedirect: oauth.ErrCodeInvalidScope},
	{name: "request objects are not supported", edit: func(q url.Values) { q.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, wantRedirect: oauth.ErrCodeRequestNotSupported},
	{name: "request_uri is not supported", edit: func(q url.Values) { q.Set("request_uri", "urn:ietf:params:oauth:request_uri:abc") }, wantRedirect: oauth.ErrCodeRequestURINotSupported},
	{name: "prompt none with consent is refused", edit: func(q url.Values) { q.Set("prompt", "none consent") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "unknown prompt value is refused", edit: func(q url.Values) { q.Set("prompt", "consent bogus") }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "prompt consent is accepted", edit: func(q url.Values) { q.Set("prompt", "consent") }},
	{name: "prompt login consent is accepted", edit: func(q url.Values) { q.Set("prompt", "login consent") }},
	{name: "prompt none alone is accepted", edit: func(q url.Values) { q.Set("prompt", "none") }},
	{name: "state over 1024 characters is refused", edit: func(q url.Values) { q.Set("state", strings.Repeat("s", 1025)) }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "state of 1024 characters is accepted", edit: func(q url.Values) { q.Set("state", strings.Repeat("s", 1024)) }},
	{name: "nonce over 1024 characters is refused", edit: func(q url.Values) { q.Set("nonce", strings.Repeat("n", 1025)) }, wantRedirect: oauth.ErrCodeInvalidRequest},
	{name: "nonce of 1024 characters is accepted", edit: func(q url.Values) { q.Set("nonce", strings.Repeat("n", 1024)) }},
	{name: "missing state is accepted", edit: func(q url.Values) { q.Del("state") }},
}

// setPublic turns the request into one of the public native client.
func setPublic(q url.Values, redirectURI string) {
	q.Set("client_id", "native-app")
	q.Set("redirect_uri", redirectURI)
}

func TestValidateAuthorize(t *testing.T) {
	e := newEnv(t)
	for _, tt := range authorizeTests {
		t.Run(tt.name, func(t *testing.T) {
			q := authQuery()
			tt.edit(q)
			got, err := e.engine.ValidateAuthorize(e.ctx, q)
			var re *oauth.RedirectError
			isRedirect := errors.As(err, &re)
			switch {
			case tt.wantPage != "":
				if isRedirect {
					t.Fatalf("error = redirect to %q (%v), want an error page", re.RedirectURI, err)
				}
				wantCode(t, err, tt.wantPage)
				var oe *oauth.Error
				if errors.As(err, &oe) && !rfcDescription(oe.Description) {
					t.Errorf("error_description %q has characters RFC 6749 §4.1.2.1 forbids", oe.Description)
				}
			case tt.wantRedirect != "":
				if !isRedirect {
					t.Fatalf("error = %v (%T), want a *RedirectError", err, err)
				}
				if re.Err.Code != tt.wantRedirect {
					t.Errorf("redirect error code = %s (%v), want %s", re.Err.Code, err, tt.wantRedirect)
				}
				if want := q.Get("redirect_uri"); re.RedirectURI != want {
					t.Errorf("RedirectURI = %q, want %q", re.RedirectURI, want)
				}
				if want := q.Get("state"); re.State != want {
					t.Errorf("State = %q, want the request's %q", re.State, want)
				}
				if !oauth.HasCode(err, tt.wantRedirect) {
					t.Errorf("HasCode(err, %s) = false, want true", tt.wantRedirect)
				}
				if !rfcDescription(re.Err.Description) {
					t.Errorf("error_description %q has characters RFC 6749 §4.1.2.1 forbids", re.Err.Description)
				}
			default:
				if err != nil {
					t.Fatalf("ValidateAuthorize: %v, want a valid request", err)
				}
				if got.Client.ID != q.Get("client_id") || got.RedirectURI != q.Get("redirect_uri") {
					t.Errorf("client, redirect = %q, %q; want %q, %q", got.Client.ID, got.RedirectURI, q.Get("client_id"), q.Get("redirect_uri"))
				}
				if got.State != q.Get("state") || got.Nonce != q.Get("nonce") || got.CodeChallenge != q.Get("code_challenge") || got.Prompt != q.Get("prompt") {
					t.Errorf("state, nonce, challenge, prompt = %q, %q, %q, %q; want the request's", got.State, got.Nonce, got.CodeChallenge, got.Prompt)
				}
			}
		})
	}
}

func TestValidateAuthorizeScopes(t *testing.T) {
	e := newEnv(t)
	q := authQuery()
	q.Set("scope", "offline_access workspace:read openid  profile openid offline_access")
	got, err := e.engine.ValidateAuthorize(e.ctx, q)
	if err != nil {
		t.Fatalf("ValidateAuthorize: %v", err)
	}
	want := []string{"openid", "profile", "workspace:read", "offline_access"}
	if !slices.Equal(got.Scopes, want) {
		t.Errorf("Scopes = %q, want %q (catalog order, no repeats)", got.Scopes, want)
	}
}

var promptTests = []struct {
	prompt                string
	wantConsent, wantNone bool
}{
	{"", false, false},
	{"consent", true, false},
	{"login consent", true, false},
	{"none", false, true},
	{"login", false, false},
}

func TestAuthorizeRequestPrompt(t *testing.T) {
	for _, tt := range promptTests {
		t.Run("prompt "+tt.prompt, func(t *testing.T) {
			r := oauth.AuthorizeRequest{Prompt: tt.prompt}
			if got := r.PromptConsent(); got != tt.wantConsent {
				t.Errorf("PromptConsent() = %v, want %v", got, tt.wantConsent)
			}
			if got := r.PromptNone(); got != tt.wantNone {
				t.Errorf("PromptNone() = %v, want %v", got, tt.wantNone)
			}
		})
	}
}

func TestPKCEReferencePair(t *testing.T) {
	// The table above relies on the RFC 7636 Appendix B pair.
	if got := oauth2.S256ChallengeFromVerifier(rfcVerifier); got != rfcChallenge {
		t.Fatalf("S256ChallengeFromVerifier(RFC verifier) = %q, want %q", got, rfcChallenge)
	}
}

var errorRedirectTests = []struct {
	name        string
	redirectURI string
	state       string
	wantBase    string
	wantQuery   url.Values
}{
	{
		name: "adds error, description, state and iss", redirectURI: confRedirect, state: "af0 ifj&=sldkj",
		wantBase:  confRedirect,
		wantQuery: url.Values{"error": {"invalid_scope"}, "error_description": {"bad scope"}, "state": {"af0 ifj&=sldkj"}, "iss": {testIssuer}},
	},
	{
		name: "keeps the registered query", redirectURI: confQueryRedirect, state: "xyz",
		wantBase:  "https://app.example.com/cb",
		wantQuery: url.Values{"tenant": {"acme"}, "error": {"invalid_scope"}, "error_description": {"bad scope"}, "state": {"xyz"}, "iss": {testIssuer}},
	},
	{
		name: "omits an empty state", redirectURI: confRedirect, state: "",
		wantBase:  confRedirect,
		wantQuery: url.Values{"error": {"invalid_scope"}, "error_description": {"bad scope"}, "iss": {testIssuer}},
	},
}

func TestErrorRedirect(t *testing.T) {
	e := newEnv(t)
	for _, tt := range errorRedirectTests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.engine.ErrorRedirect(&oauth.RedirectError{
				Err:         &oauth.Error{Code: "invalid_scope", Description: "bad scope"},
				RedirectURI: tt.redirectURI, State: tt.state,
			})
			assertRedirect(t, got, tt.wantBase, tt.wantQuery)
		})
	}
}

func TestRedirectFromValidation(t *testing.T) {
	e := newEnv(t)
	q := authQuery()
	q.Set("redirect_uri", confQueryRedirect)
	q.Set("scope", "openid bogus")
	_, err := e.engine.ValidateAuthorize(e.ctx, q)
	var re *oauth.RedirectError
	if !errors.As(err, &re) {
		t.Fatalf("ValidateAuthorize error = %v, want a *RedirectError", err)
	}
	got, err := url.Parse(e.engine.ErrorRedirect(re))
	if err != nil {
		t.Fatalf("parse redirect: %v", err)
	}
	v := got.Query()
	if v.Get("error") != "invalid_scope" || v.Get("error_description") == "" || v.Get("state") != q.Get("state") ||
		v.Get("iss") != testIssuer || v.Get("tenant") != "acme" {
		t.Errorf("redirect query = %v, want error=invalid_scope, a description, state, iss and tenant=acme", v)
	}
}

func TestRedirectURLs(t *testing.T) {
	e := newEnv(t)
	req := oauth.AuthorizeRequest{RedirectURI: confQueryRedirect, State: "s1"}
	t.Run("deny sends access_denied with state and iss", func(t *testing.T) {
		assertRedirect(t, e.engine.DenyRedirect(req), "https://app.example.com/cb", url.Values{
			"tenant": {"acme"}, "error": {"access_denied"}, "error_description": {"the user denied the request"},
			"state": {"s1"}, "iss": {testIssuer},
		})
	})
	t.Run("code redirect carries code, state and iss", func(t *testing.T) {
		a := e.authorize(t, e.conf, confQueryRedirect, "openid", nil)
		assertRedirect(t, e.engine.RedirectURL(a.redirectURI, url.Values{"code": {a.code}, "state": {"s2"}}),
			"https://app.example.com/cb", url.Values{"tenant": {"acme"}, "code": {a.code}, "state": {"s2"}, "iss": {testIssuer}})
	})
}

// assertRedirect checks that raw is base (scheme, host and path) with
// exactly the query wantQuery.
func assertRedirect(t *testing.T, raw, base string, wantQuery url.Values) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse redirect %q: %v", raw, err)
	}
	gotQuery := u.Query()
	u.RawQuery = ""
	wantBase, _ := url.Parse(base)
	wantBase.RawQuery = ""
	if u.String() != wantBase.String() {
		t.Errorf("redirect goes to %q, want %q", u, wantBase)
	}
	if len(gotQuery) != len(wantQuery) {
		t.Errorf("redirect query = %v, want %v", gotQuery, wantQuery)
	}
	for k, want := range wantQuery {
		if got := gotQuery[k]; !slices.Equal(got, want) {
			t.Errorf("redirect %s = %q, want %q", k, got, want)
		}
	}
}

// rfcDescription reports whether s keeps to the characters RFC 6749
// §4.1.2.1 allows in error_description: %x20-21 / %x23-5B / %x5D-7E.
func rfcDescription(s string) bool {
	for _, r := range s {
		if !(r == 0x20 || r == 0x21 || (r >= 0x23 && r <= 0x5B) || (r >= 0x5D && r <= 0x7E)) {
			return false
		}
	}
	return true
}

// TestRedirectURLKeepsTheRegisteredQueryVerbatim: RFC 6749 §3.1.2 says the
// registered query must be retained, so its order and form survive.
func TestRedirectURLKeepsTheRegisteredQueryVerbatim(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ registered, wantPrefix string }{
		{"https://app.example.com/cb?b=2&a=1", "https://app.example.com/cb?b=2&a=1&"},
		{"https://app.example.com/cb?flag", "https://app.example.com/cb?flag&"},
		{"https://app.example.com/cb", "https://app.example.com/cb?"},
	}
	for _, tt := range tests {
		got := e.engine.RedirectURL(tt.registered, url.Values{"code": {"osc_x"}})
		if !strings.HasPrefix(got, tt.wantPrefix) || !strings.Contains(got, "code=osc_x") || !strings.Contains(got, "iss=") {
			t.Errorf("RedirectURL(%q) = %q, want it to start with %q and add code and iss", tt.registered, got, tt.wantPrefix)
		}
	}
}
