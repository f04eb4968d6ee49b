package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// approveFlow runs one consent and exchange, returning the tokens.
func approveFlow(t *testing.T, p *person, app *oauthApp, scopes, workspaces []string) *oauth2.Token {
	t.Helper()
	f := newFlow()
	res := p.decide(p.authorize(f.authURL(app, scopes...)), "approve", scopes, workspaces)
	return f.exchange(t, app, redirectParams(t, app, res.location).Get("code"))
}

// introspect asks the server about a token as the app itself.
func introspect(t *testing.T, live *liveServer, app *oauthApp, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, live.base+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(app.id), url.QueryEscape(app.secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReauthorization(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	design := live.workspaceID(t, "alice@example.com", "Acme Design")
	scopes := []string{"openid", "workspace:read", "workspace:templates:read"}
	first := approveFlow(t, alice, app, scopes, []string{marketing, design})

	t.Run("nothing new skips the screen", func(t *testing.T) {
		f := newFlow()
		res := alice.get(f.authURL(app, "openid", "workspace:read"))
		if res.status != http.StatusFound {
			t.Fatalf("status %d, want an immediate redirect with a code\n%s", res.status, res.body)
		}
		tok := f.exchange(t, app, redirectParams(t, app, res.location).Get("code"))
		if got := tok.Extra("scope"); got != "openid workspace:read" {
			t.Errorf("scope = %v, want the requested scopes", got)
		}
	})

	t.Run("prompt=consent shows what is already allowed and what is new", func(t *testing.T) {
		f := newFlow()
		form := alice.authorize(f.authURL(app, "openid", "workspace:read", "email") + "&prompt=consent")
		body := form.page.body
		if !strings.Contains(body, "Already allowed") || !strings.Contains(body, "New") {
			t.Errorf("consent screen lacks the Already allowed / New groups")
		}
		for _, id := range []string{marketing, design} {
			if !strings.Contains(body, `value="`+id+`" checked`) {
				t.Errorf("current workspace %s is not pre-selected", id)
			}
		}
	})

	t.Run("fewer workspaces and scopes narrow the grant and live tokens", func(t *testing.T) {
		before := introspect(t, live, app, first.AccessToken)
		if ws, _ := before["workspace_ids"].([]any); len(ws) != 2 {
			t.Fatalf("before: workspace_ids = %v, want two", before["workspace_ids"])
		}
		f := newFlow()
		form := alice.authorize(f.authURL(app, scopes...) + "&prompt=consent")
		alice.decide(form, "approve", []string{"openid", "workspace:read"}, []string{marketing})

		after := introspect(t, live, app, first.AccessToken)
		if ws, _ := after["workspace_ids"].([]any); len(ws) != 1 || ws[0] != marketing {
			t.Errorf("after: workspace_ids = %v, want only %s", after["workspace_ids"], marketing)
		}
		if after["scope"] != "openid workspace:read" {
			t.Errorf("after: scope = %v, want the narrowed scopes", after["scope"])
		}
	})
}

func TestTokenEndpointHTTP(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	post := func(contentType, body string, basic bool) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, live.base+"/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if basic {
			req.SetBasicAuth(url.QueryEscape(app.id), url.QueryEscape(app.secret))
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res, out
	}
	tests := []struct {
		name, contentType, body string
		basic                   bool
		wantStatus              int
		wantError               string
	}{
		{"wrong secret", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x&client_id=" + url.QueryEscape(app.id) + "&client_secret=oss_wrong", false, 401, "invalid_client"},
		{"no client authentication", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x", false, 401, "invalid_client"},
		{"unknown code, form body", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=osc_nope&code_verifier=" + strings.Repeat("a", 43) + "&redirect_uri=" + url.QueryEscape(app.redirectURI), true, 400, "invalid_grant"},
		{"unknown code, JSON body with client_secret_post", "application/json", `{"grant_type":"authorization_code","code":"osc_nope","code_verifier":"` + strings.Repeat("a", 43) + `","redirect_uri":"` + app.redirectURI + `","client_id":"` + app.id + `","client_secret":"` + app.secret + `"}`, false, 400, "invalid_grant"},
		{"JSON with a non-string value", "application/json", `{"grant_type":["authorization_code"]}`, true, 400, "invalid_request"},
		{"unsupported content type", "text/plain", "grant_type=authorization_code", true, 400, "invalid_request"},
		{"unsupported grant type", "application/x-www-form-urlencoded", "grant_type=password&username=a&password=b", true, 400, "unsupported_grant_type"},
		{"client credentials grant", "application/x-www-form-urlencoded", "grant_type=client_credentials", true, 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := post(tt.contentType, tt.body, tt.basic)
			if res.StatusCode != tt.wantStatus || body["error"] != tt.wantError || body["error_description"] == "" {
				t.Fatalf("status %d body %v, want %d with error %s and a description", res.StatusCode, body, tt.wantStatus, tt.wantError)
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", res.Header.Get("Cache-Control"))
			}
			if tt.wantStatus == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without WWW-Authenticate: %q", res.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	live := startLive(t)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		var meta map[string]any
		getJSON(t, http.DefaultClient, live.base+path, http.StatusOK, &meta)
		if meta["issuer"] != live.base {
			t.Errorf("%s issuer = %v, want exactly %q", path, meta["issuer"], live.base)
		}
		if m, _ := meta["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
			t.Errorf("%s code_challenge_methods_supported = %v, want [S256]", path, meta["code_challenge_methods_supported"])
		}
		if meta["authorization_response_iss_parameter_supported"] != true {
			t.Errorf("%s does not advertise iss on authorization responses", path)
		}
		for _, key := range []string{"authorization_endpoint", "token_endpoint", "revocation_endpoint", "introspection_endpoint", "userinfo_endpoint", "jwks_uri"} {
			if s, _ := meta[key].(string); !strings.HasPrefix(s, live.base+"/") {
				t.Errorf("%s %s = %v", path, key, meta[key])
			}
		}
	}
	var jwks struct{ Keys []map[string]any }
	getJSON(t, http.DefaultClient, live.base+"/.well-known/jwks.json", http.StatusOK, &jwks)
	if len(jwks.Keys) == 0 || jwks.Keys[0]["kid"] == "" || jwks.Keys[0]["d"] != nil {
		t.Errorf("jwks = %v, want a public key with a kid and no private part", jwks)
	}
}

func TestRevokeAndIntrospectOverHTTP(t *testing.T) {
	live := startLive(t)
	app := live.registerApp(t, "Pixel Reports")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	tok := approveFlow(t, alice, app, []string{"openid", "offline_access"}, nil)

	if got := introspect(t, live, app, tok.AccessToken); got["active"] != true || got["iss"] != live.base || got["token_type"] != "Bearer" {
		t.Fatalf("introspect live token = %v", got)
	}
	req, _ := http.NewRequest(http.MethodPost, live.base+"/oauth/revoke", strings.NewReader(url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(app.id), url.QueryEscape(app.secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("revoke = %d", res.StatusCode)
	}
	got := introspect(t, live, app, tok.AccessToken)
	if len(got) != 1 || got["active"] != false {
		t.Errorf("introspect after revoking the refresh token = %v, want exactly {\"active\": false}", got)
	}
	res, err = http.DefaultClient.Do(bearerRequest(t, live.base+"/api/v1/me", tok.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("/api/v1/me with a revoked token = %d %q, want 401 invalid_token", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

func bearerRequest(t *testing.T, target, token string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}
