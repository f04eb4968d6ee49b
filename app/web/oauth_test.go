package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// flow runs a whole authorization with the real golang.org/x/oauth2 client:
// authorize → consent (as chosen) → code → token exchange with PKCE.
type flow struct {
	state, nonce, verifier string
}

func newFlow() flow {
	return flow{state: oauth2.GenerateVerifier()[:20], nonce: oauth2.GenerateVerifier()[:20], verifier: oauth2.GenerateVerifier()}
}

func (f flow) authURL(app *oauthApp, scopes ...string) string {
	c := *app.conf
	c.Scopes = scopes
	return c.AuthCodeURL(f.state, oauth2.S256ChallengeOption(f.verifier), oauth2.SetAuthURLParam("nonce", f.nonce))
}

func (f flow) exchange(t *testing.T, app *oauthApp, code string) *oauth2.Token {
	t.Helper()
	tok, err := app.conf.Exchange(context.Background(), code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatalf("exchange code: %v", err)
	}
	return tok
}

func TestOAuthFlowWithRealClient(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")

	f := newFlow()
	scopes := []string{"openid", "profile", "email", "workspace:read", "offline_access"}
	form := alice.authorize(f.authURL(app, scopes...))
	res := alice.decide(form, "approve", scopes, []string{marketing})
	if res.status != http.StatusSeeOther {
		t.Fatalf("approve: status %d\n%s", res.status, res.body)
	}
	q := redirectParams(t, app, res.location)
	if q.Get("state") != f.state || q.Get("iss") != live.base || !strings.HasPrefix(q.Get("code"), "osc_") {
		t.Fatalf("authorization response %v: want code osc_…, state %q and iss %q", q, f.state, live.base)
	}

	tok := f.exchange(t, app, q.Get("code"))
	if !strings.HasPrefix(tok.AccessToken, "ost_") || !strings.HasPrefix(tok.RefreshToken, "osr_") {
		t.Errorf("tokens %q / %q lack their ost_/osr_ prefixes", tok.AccessToken, tok.RefreshToken)
	}
	if got := tok.Extra("scope"); got != strings.Join(scopes, " ") {
		t.Errorf("scope = %v, want %q", got, strings.Join(scopes, " "))
	}
	if got := tok.Extra("expires_in"); got != float64(900) {
		t.Errorf("expires_in = %v, want 900", got)
	}
	if ws, _ := tok.Extra("workspace_ids").([]any); len(ws) != 1 || ws[0] != marketing {
		t.Errorf("workspace_ids = %v, want [%s]", tok.Extra("workspace_ids"), marketing)
	}
	alicesID, _ := tok.Extra("user_id").(string)
	checkIDToken(t, live, app, tok, f.nonce, alicesID)

	client := app.conf.Client(context.Background(), tok)
	var me map[string]any
	getJSON(t, client, live.base+"/api/v1/me", http.StatusOK, &me)
	if me["id"] != alicesID || me["email"] != "alice@example.com" || me["name"] != "Alice Example" {
		t.Errorf("/api/v1/me = %v", me)
	}
	var list struct {
		Workspaces []struct{ ID, Name, Role string }
	}
	getJSON(t, client, live.base+"/api/v1/workspaces", http.StatusOK, &list)
	if len(list.Workspaces) != 1 || list.Workspaces[0].Name != "Acme Marketing" || list.Workspaces[0].Role != "owner" {
		t.Errorf("/api/v1/workspaces = %+v, want only Acme Marketing (owner)", list.Workspaces)
	}

	// Refresh through the library: rotation gives new tokens.
	expired := *tok
	expired.Expiry = expired.Expiry.Add(-24 * time.Hour)
	fresh, err := app.conf.TokenSource(context.Background(), &expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken {
		t.Error("refresh did not rotate the tokens")
	}
}

func checkIDToken(t *testing.T, live *liveServer, app *oauthApp, tok *oauth2.Token, nonce, sub string) {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("no id_token despite openid")
	}
	var keys jose.JSONWebKeySet
	getJSON(t, http.DefaultClient, live.base+"/.well-known/jwks.json", http.StatusOK, &keys)
	parsed, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("parse id_token: %v", err)
	}
	var claims struct {
		jwt.Claims
		Nonce    string `json:"nonce"`
		AZP      string `json:"azp"`
		AuthTime int64  `json:"auth_time"`
		Email    string `json:"email"`
	}
	if err := parsed.Claims(keys, &claims); err != nil {
		t.Fatalf("verify id_token against the JWKS: %v", err)
	}
	if err := claims.Validate(jwt.Expected{Issuer: live.base, AnyAudience: jwt.Audience{app.id}, Subject: sub}); err != nil {
		t.Errorf("id_token claims: %v", err)
	}
	if claims.Nonce != nonce || claims.AZP != app.id || claims.AuthTime == 0 || claims.Email != "alice@example.com" {
		t.Errorf("id_token nonce=%q azp=%q auth_time=%d email=%q", claims.Nonce, claims.AZP, claims.AuthTime, claims.Email)
	}
}

func getJSON(t *testing.T, client *http.Client, target string, wantStatus int, into any) {
	t.Helper()
	res, err := client.Get(target)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != wantStatus {
		t.Fatalf("GET %s = %d, want %d: %s", target, res.StatusCode, wantStatus, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: %v in %s", target, err, body)
	}
}

func TestOAuthDeny(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	f := newFlow()
	form := alice.authorize(f.authURL(app, "openid", "profile"))
	res := alice.decide(form, "deny", nil, nil)
	q := redirectParams(t, app, res.location)
	if q.Get("error") != "access_denied" || q.Get("state") != f.state || q.Get("iss") != live.base || q.Has("code") {
		t.Errorf("deny redirect %v: want error=access_denied, the state, iss and no code", q)
	}
	if _, err := live.store.ActiveGrantOf(context.Background(), userID(t, live, "alice@example.com"), app.id); err == nil {
		t.Error("a grant exists after the user denied")
	}
}

func userID(t *testing.T, live *liveServer, email string) string {
	t.Helper()
	u, err := live.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestAuthorizeErrorsNeverRedirectToUntrustedURIs(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	f := newFlow()
	good, _ := url.Parse(f.authURL(app, "openid"))
	tests := []struct {
		name   string
		change func(q url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "no-such-client") }},
		{"unregistered redirect URI", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }},
		{"redirect URI with extra path", func(q url.Values) { q.Set("redirect_uri", app.redirectURI+"/x") }},
		{"missing redirect URI", func(q url.Values) { q.Del("redirect_uri") }},
		{"duplicate client_id", func(q url.Values) { q.Add("client_id", app.id) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := good.Query()
			tt.change(q)
			res := alice.get(live.base + "/oauth/authorize?" + q.Encode())
			if res.status != http.StatusBadRequest || res.location != "" {
				t.Fatalf("status %d location %q, want a 400 page and no redirect", res.status, res.location)
			}
			if !strings.Contains(res.header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type = %q, want an HTML page", res.header.Get("Content-Type"))
			}
		})
	}
}

func TestAuthorizeErrorsRedirectBack(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	f := newFlow()
	good, _ := url.Parse(f.authURL(app, "openid"))
	tests := []struct {
		name   string
		change func(q url.Values)
		want   string
	}{
		{"unknown scope", func(q url.Values) { q.Set("scope", "openid files:nuke") }, "invalid_scope"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		{"duplicate scope", func(q url.Values) { q.Add("scope", "profile") }, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := good.Query()
			tt.change(q)
			res := alice.get(live.base + "/oauth/authorize?" + q.Encode())
			if res.status != http.StatusFound {
				t.Fatalf("status %d, want 302 back to the app\n%s", res.status, res.body)
			}
			got := redirectParams(t, app, res.location)
			if got.Get("error") != tt.want || got.Get("state") != f.state || got.Get("iss") != live.base || got.Get("error_description") == "" {
				t.Errorf("redirect %v: want error=%s with state, iss and a description", got, tt.want)
			}
		})
	}
}

func TestAuthorizeSignedOutGoesThroughSignIn(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	p := live.person(t)
	f := newFlow()
	authURL := f.authURL(app, "openid", "profile")
	res := p.get(authURL)
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/login?return_to=") {
		t.Fatalf("signed-out authorize: status %d location %q, want the sign-in page", res.status, res.location)
	}
	login := p.get(res.location)
	back := p.post("/login", url.Values{
		"email": {"alice@example.com"}, "password": {"alice-password"},
		"_csrf": {field(t, csrfInput, login.body)}, "return_to": {field(t, regexpReturnTo, login.body)},
	})
	if want := strings.TrimPrefix(authURL, live.base); back.location != want {
		t.Fatalf("after sign-in: location %q, want the authorization request %q", back.location, want)
	}
	p.authorize(live.base + back.location)

	// prompt=none without a session answers login_required instead.
	anon := live.person(t)
	res = anon.get(authURL + "&prompt=none")
	if got := redirectParams(t, app, res.location).Get("error"); got != "login_required" {
		t.Errorf("prompt=none signed out: error %q, want login_required", got)
	}
}

func TestConsentRefusalsGrantNothing(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	bobs := live.person(t)
	bobs.signIn("bob@example.com", "bob-password")
	scopes := []string{"openid", "workspace:read"}

	tests := []struct {
		name       string
		submit     func(f consentForm) httpPage
		wantStatus int
		wantText   string
	}{
		{"no CSRF token", func(f consentForm) httpPage {
			return alice.post("/oauth/consent", url.Values{"request": {f.request}, "decision": {"approve"}, "scope": scopes, "workspace": {marketing}})
		}, http.StatusForbidden, "expired"},
		{"a scope that was not requested", func(f consentForm) httpPage {
			return alice.decide(f, "approve", append(slices.Clone(scopes), "workspace:templates:write"), []string{marketing})
		}, http.StatusBadRequest, "nothing was granted"},
		{"a workspace the user is not in", func(f consentForm) httpPage {
			return alice.decide(f, "approve", scopes, []string{"not-a-workspace-of-alice"})
		}, http.StatusBadRequest, "nothing was granted"},
		{"no workspace picked", func(f consentForm) httpPage {
			return alice.decide(f, "approve", scopes, nil)
		}, http.StatusUnprocessableEntity, "Choose at least one workspace"},
		{"no permission left", func(f consentForm) httpPage {
			return alice.decide(f, "approve", nil, []string{marketing})
		}, http.StatusUnprocessableEntity, "Choose at least one permission"},
		{"someone else's request", func(f consentForm) httpPage {
			token := field(t, csrfInput, bobs.get("/apps").body)
			return bobs.post("/oauth/consent", url.Values{"_csrf": {token}, "request": {f.request}, "decision": {"approve"}, "scope": scopes})
		}, http.StatusBadRequest, "expired"},
		{"an altered request", func(f consentForm) httpPage {
			f.request = strings.Replace(f.request, ".", "x.", 1)
			return alice.decide(f, "approve", scopes, []string{marketing})
		}, http.StatusBadRequest, "expired"},
		{"a request answered already", func(f consentForm) httpPage {
			if res := alice.decide(f, "deny", nil, nil); res.status != http.StatusSeeOther {
				t.Fatalf("deny: status %d", res.status)
			}
			return alice.decide(f, "approve", scopes, []string{marketing})
		}, http.StatusBadRequest, "already answered"},
		{"no decision", func(f consentForm) httpPage {
			return alice.decide(f, "maybe", scopes, []string{marketing})
		}, http.StatusBadRequest, "Allow or Cancel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := alice.authorize(newFlow().authURL(app, scopes...))
			res := tt.submit(form)
			if res.status != tt.wantStatus || res.location != "" {
				t.Fatalf("status %d location %q, want %d and no redirect\n%s", res.status, res.location, tt.wantStatus, res.body)
			}
			if !strings.Contains(res.body, tt.wantText) {
				t.Errorf("page does not say %q:\n%s", tt.wantText, res.body)
			}
			if _, err := live.store.ActiveGrantOf(context.Background(), userID(t, live, "alice@example.com"), app.id); err == nil {
				t.Error("a grant exists after a refused consent")
			}
		})
	}

	t.Run("a decision is taken once", func(t *testing.T) {
		form := alice.authorize(newFlow().authURL(app, scopes...))
		if res := alice.decide(form, "approve", scopes, []string{marketing}); res.status != http.StatusSeeOther {
			t.Fatalf("first approve: %d", res.status)
		}
		if res := alice.decide(form, "approve", scopes, []string{marketing}); res.status != http.StatusBadRequest {
			t.Errorf("second approve of the same request: %d, want 400", res.status)
		}
	})
}
