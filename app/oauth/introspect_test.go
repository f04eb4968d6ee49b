package oauth_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/oauth"
)

func TestIntrospectOwnToken(t *testing.T) {
	e := newEnv(t)
	issuedAt := e.clock.Now()
	tok := e.mustExchange(t, e.authorize(t, e.conf, confRedirect, fullScope, []string{e.ws1, e.ws2}))
	got, err := e.introspect(e.conf, tok.AccessToken)
	if err != nil {
		t.Fatalf("Introspect: %v", err)
	}
	wantWS := []string{e.ws1, e.ws2}
	slices.Sort(wantWS)
	want := oauth.Introspection{
		Active: true, Scope: fullScope, ClientID: "conf-app", Subject: e.user.ID,
		Expiry: issuedAt.Add(15 * time.Minute).Unix(), IssuedAt: issuedAt.Unix(), Issuer: testIssuer,
		TokenType: "Bearer", WorkspaceIDs: wantWS,
	}
	gotWS := slices.Clone(got.WorkspaceIDs)
	slices.Sort(gotWS)
	got.WorkspaceIDs = gotWS
	if !introspectionEqual(got, want) {
		t.Errorf("Introspect = %+v\nwant %+v", got, want)
	}
	t.Run("an active token without workspaces still lists workspace_ids", func(t *testing.T) {
		tok := e.mustExchange(t, e.authorizeConf(t, "openid profile"))
		got, err := e.introspect(e.conf, tok.AccessToken)
		if err != nil {
			t.Fatalf("Introspect: %v", err)
		}
		var body map[string]any
		if err := json.Unmarshal(mustJSON(t, got), &body); err != nil {
			t.Fatal(err)
		}
		if ws, ok := body["workspace_ids"].([]any); !ok || len(ws) != 0 {
			t.Errorf("workspace_ids = %#v, want [] (SPEC §4.3: active responses carry it)", body["workspace_ids"])
		}
	})
	t.Run("a refresh token is active too", func(t *testing.T) {
		got, err := e.introspect(e.conf, tok.RefreshToken)
		if err != nil || !got.Active || got.Scope != fullScope || got.Subject != e.user.ID {
			t.Errorf("Introspect(refresh) = %+v, %v; want active with the full scope", got, err)
		}
	})
}

func introspectionEqual(a, b oauth.Introspection) bool {
	return a.Active == b.Active && a.Scope == b.Scope && a.ClientID == b.ClientID && a.Subject == b.Subject &&
		a.Expiry == b.Expiry && a.IssuedAt == b.IssuedAt && a.Issuer == b.Issuer && a.TokenType == b.TokenType &&
		slices.Equal(a.WorkspaceIDs, b.WorkspaceIDs)
}

func TestIntrospectVisibility(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, fullScope))
	t.Run("another client's token is exactly inactive", func(t *testing.T) {
		for _, plain := range []string{tok.AccessToken, tok.RefreshToken} {
			got, err := e.introspect(e.other, plain)
			if err != nil {
				t.Fatalf("Introspect: %v", err)
			}
			if !introspectionEqual(got, oauth.Introspection{}) || got.WorkspaceIDs != nil {
				t.Errorf("Introspect(other client's token) = %+v, want the zero Introspection", got)
			}
			if body := string(mustJSON(t, got)); body != `{"active":false}` {
				t.Errorf("JSON = %s, want {\"active\":false}", body)
			}
		}
	})
	t.Run("a resource server sees every token", func(t *testing.T) {
		got, err := e.introspect(e.rs, tok.AccessToken)
		if err != nil || !got.Active || got.ClientID != "conf-app" || got.Subject != e.user.ID {
			t.Errorf("Introspect as resource server = %+v, %v; want active for conf-app", got, err)
		}
	})
}

// inactiveTests make a token inactive in one way; every way must give
// exactly {"active":false} to its own client and to a resource server.
var inactiveTests = []struct {
	name string
	make func(t *testing.T, e *env, tok oauth.TokenResponse)
}{
	{"expired at exactly 15 minutes", func(_ *testing.T, e *env, _ oauth.TokenResponse) { e.clock.Advance(15 * time.Minute) }},
	{"expired long ago", func(_ *testing.T, e *env, _ oauth.TokenResponse) { e.clock.Advance(24 * time.Hour) }},
	{"revoked", func(t *testing.T, e *env, tok oauth.TokenResponse) {
		if err := e.revoke(e.conf, tok.AccessToken); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
	}},
	{"grant revoked", func(t *testing.T, e *env, _ oauth.TokenResponse) { e.revokeGrant(t, e.conf) }},
	{"no workspace left for its workspace scopes", func(t *testing.T, e *env, _ oauth.TokenResponse) {
		e.putGrant(t, e.conf, fullScope, nil)
	}},
	{"no scope left", func(t *testing.T, e *env, _ oauth.TokenResponse) {
		e.putGrant(t, e.conf, "email", []string{e.ws1})
	}},
}

func TestIntrospectInactive(t *testing.T) {
	for _, tt := range inactiveTests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tok := e.mustExchange(t, e.authorizeConf(t, fullScope))
			tt.make(t, e, tok)
			for _, c := range []string{"conf", "rs"} {
				caller := e.conf
				if c == "rs" {
					caller = e.rs
				}
				got, err := e.introspect(caller, tok.AccessToken)
				if err != nil {
					t.Fatalf("Introspect as %s: %v", c, err)
				}
				if body := string(mustJSON(t, got)); body != `{"active":false}` {
					t.Errorf("Introspect as %s = %s, want {\"active\":false}", c, body)
				}
			}
			if _, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken); !oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
				t.Errorf("AuthenticateBearer error = %v, want invalid_token", err)
			}
		})
	}
}

func TestIntrospectActiveJustBeforeExpiry(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, "openid"))
	e.clock.Advance(15*time.Minute - time.Second)
	if !e.active(t, tok.AccessToken) {
		t.Errorf("token inactive one second before expiry")
	}
}

func TestIntrospectRefusals(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, "openid"))
	t.Run("missing client authentication is invalid_client", func(t *testing.T) {
		_, err := e.engine.Introspect(e.ctx, oauth.ClientCredentials{}, map[string][]string{"token": {tok.AccessToken}})
		wantCode(t, err, oauth.ErrCodeInvalidClient)
	})
	t.Run("missing token is invalid_request", func(t *testing.T) {
		_, err := e.introspect(e.conf, "")
		wantCode(t, err, oauth.ErrCodeInvalidRequest)
	})
	t.Run("an unknown token is inactive", func(t *testing.T) {
		got, err := e.introspect(e.conf, "ost_"+uuid.NewString())
		if err != nil || got.Active {
			t.Errorf("Introspect(unknown) = %+v, %v; want inactive", got, err)
		}
	})
}

// TestCeilingRule: a token never does more than its grant allows now
// (SPEC §6): narrowing the grant narrows its tokens at once.
func TestCeilingRule(t *testing.T) {
	t.Run("narrowed scopes and workspaces show at once", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorize(t, e.conf, confRedirect, fullScope, []string{e.ws1, e.ws2}))
		e.putGrant(t, e.conf, "openid workspace:read", []string{e.ws2})

		access, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
		if err != nil {
			t.Fatalf("AuthenticateBearer: %v", err)
		}
		if want := []string{"openid", "workspace:read"}; !slices.Equal(access.Scopes, want) {
			t.Errorf("bearer scopes = %q, want %q", access.Scopes, want)
		}
		if !slices.Equal(access.WorkspaceIDs, []string{e.ws2}) {
			t.Errorf("bearer workspaces = %q, want %q", access.WorkspaceIDs, []string{e.ws2})
		}
		if access.HasScope("profile") || !access.HasScope("workspace:read") {
			t.Errorf("HasScope(profile), HasScope(workspace:read) = %v, %v; want false, true", access.HasScope("profile"), access.HasScope("workspace:read"))
		}
		in, err := e.introspect(e.rs, tok.AccessToken)
		if err != nil || in.Scope != "openid workspace:read" || !slices.Equal(in.WorkspaceIDs, []string{e.ws2}) {
			t.Errorf("Introspect = %+v, %v; want openid workspace:read in %s", in, err, e.ws2)
		}
	})
	t.Run("a widened grant never widens a token", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorizeConf(t, "openid workspace:read"))
		e.putGrant(t, e.conf, fullScope, []string{e.ws1, e.ws2})
		access, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
		if err != nil {
			t.Fatalf("AuthenticateBearer: %v", err)
		}
		if !slices.Equal(access.Scopes, []string{"openid", "workspace:read"}) || !slices.Equal(access.WorkspaceIDs, []string{e.ws1}) {
			t.Errorf("bearer access = %+v, want only what the token was issued", access)
		}
	})
	t.Run("no workspace left for workspace scopes is inactive", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorizeConf(t, "openid workspace:read"))
		e.putGrant(t, e.conf, "openid workspace:read", []string{e.ws2})
		if _, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken); !oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
			t.Errorf("AuthenticateBearer error = %v, want invalid_token", err)
		}
		if e.active(t, tok.AccessToken) {
			t.Errorf("token without workspaces is active")
		}
	})
	t.Run("no workspace left is fine when no remaining scope needs one", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorizeConf(t, "openid workspace:read"))
		e.putGrant(t, e.conf, "openid", nil)
		access, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
		if err != nil {
			t.Fatalf("AuthenticateBearer: %v", err)
		}
		if !slices.Equal(access.Scopes, []string{"openid"}) || len(access.WorkspaceIDs) != 0 {
			t.Errorf("bearer access = %+v, want openid and no workspaces", access)
		}
	})
	t.Run("a disabled client's tokens are inactive", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorizeConf(t, fullScope))
		// Straight through the store, so that nothing but the client's
		// disabled flag changes: the engine must check it on every read.
		if err := e.store.DisableClient(e.ctx, "conf-app", e.clock.Now()); err != nil {
			t.Fatalf("DisableClient: %v", err)
		}
		for _, plain := range []string{tok.AccessToken, tok.RefreshToken} {
			if e.active(t, plain) {
				t.Errorf("token of a disabled client is active")
			}
		}
		if _, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken); !oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
			t.Errorf("AuthenticateBearer error = %v, want invalid_token", err)
		}
		_, err := e.refresh(e.conf, tok.RefreshToken, nil)
		wantCode(t, err, oauth.ErrCodeInvalidClient)
	})
}

func TestAuthenticateBearer(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, fullScope))
	t.Run("an access token is accepted", func(t *testing.T) {
		got, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
		if err != nil {
			t.Fatalf("AuthenticateBearer: %v", err)
		}
		if got.ClientID != "conf-app" || got.UserID != e.user.ID || got.TokenID == "" ||
			!got.ExpiresAt.Equal(e.clock.Now().Add(15*time.Minute)) {
			t.Errorf("Access = %+v, want conf-app, user %s, expiring in 15 minutes", got, e.user.ID)
		}
	})
	for _, bad := range []struct{ name, token string }{
		{"a refresh token is refused", tok.RefreshToken},
		{"a refresh token relabelled as an access token is refused", "ost_" + tok.RefreshToken[len("osr_"):]},
		{"an empty token is refused", ""},
		{"an unknown token is refused", "ost_" + uuid.NewString()},
	} {
		t.Run(bad.name, func(t *testing.T) {
			_, err := e.engine.AuthenticateBearer(e.ctx, bad.token)
			wantCode(t, err, oauth.ErrCodeInvalidToken)
		})
	}
}

// userInfoTests: userinfo needs openid and releases only what the scopes
// allow.
var userInfoTests = []struct {
	scope     string
	wantErr   string
	wantEmail string
	wantName  string
}{
	{scope: "openid", wantEmail: "", wantName: ""},
	{scope: "openid email", wantEmail: "ada@example.com"},
	{scope: "openid profile", wantName: "Ada Lovelace"},
	{scope: "profile email", wantErr: "insufficient_scope"},
}

func TestUserInfo(t *testing.T) {
	e := newEnv(t)
	for _, tt := range userInfoTests {
		t.Run(tt.scope, func(t *testing.T) {
			tok := e.mustExchange(t, e.authorizeConf(t, tt.scope))
			access, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
			if err != nil {
				t.Fatalf("AuthenticateBearer: %v", err)
			}
			got, err := e.engine.UserInfo(e.ctx, access)
			wantCode(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got.Subject != e.user.ID || got.Email != tt.wantEmail || got.Name != tt.wantName {
				t.Errorf("UserInfo = %+v, want sub %s, email %q, name %q", got, e.user.ID, tt.wantEmail, tt.wantName)
			}
		})
	}
}
