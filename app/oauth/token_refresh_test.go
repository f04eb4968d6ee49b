package oauth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/oauth"
)

const fullScope = "openid profile workspace:read offline_access"

func TestRefreshRotation(t *testing.T) {
	e := newEnv(t)
	first := e.mustExchange(t, e.authorizeConf(t, fullScope))
	second := e.mustRefresh(t, e.conf, first.RefreshToken)

	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh_token after refresh = %q, want a new one", second.RefreshToken)
	}
	if !strings.HasPrefix(second.AccessToken, "ost_") || !strings.HasPrefix(second.RefreshToken, "osr_") {
		t.Errorf("tokens = %q, %q; want ost_ and osr_ prefixes", second.AccessToken, second.RefreshToken)
	}
	if second.AccessToken == first.AccessToken {
		t.Errorf("refresh returned the old access token")
	}
	if second.Scope != fullScope || second.UserID != e.user.ID || !slices.Equal(second.WorkspaceIDs, []string{e.ws1}) {
		t.Errorf("refresh response = %+v, want scope %q, user %s, workspace %s", second, fullScope, e.user.ID, e.ws1)
	}
	if second.IDToken == "" || second.TokenType != "Bearer" || second.ExpiresIn != 900 {
		t.Errorf("refresh response = %+v, want an id_token, Bearer and 900 s", second)
	}
	t.Run("the rotated token is no longer active", func(t *testing.T) {
		in, err := e.introspect(e.conf, first.RefreshToken)
		if err != nil || in.Active {
			t.Errorf("Introspect(rotated) = %+v, %v; want inactive", in, err)
		}
	})
	t.Run("the new token works", func(t *testing.T) {
		third := e.mustRefresh(t, e.conf, second.RefreshToken)
		if third.RefreshToken == second.RefreshToken || !e.active(t, third.AccessToken) {
			t.Errorf("third refresh = %+v, want a new active pair", third)
		}
	})
}

func TestRefreshReuse(t *testing.T) {
	e := newEnv(t)
	first := e.mustExchange(t, e.authorizeConf(t, fullScope))
	second := e.mustRefresh(t, e.conf, first.RefreshToken)
	third := e.mustRefresh(t, e.conf, second.RefreshToken)

	_, err := e.refresh(e.conf, first.RefreshToken, nil)
	wantCode(t, err, oauth.ErrCodeInvalidGrant)

	t.Run("the whole family is revoked", func(t *testing.T) {
		for name, tok := range map[string]string{
			"newest access": third.AccessToken, "newest refresh": third.RefreshToken,
			"middle access": second.AccessToken, "first access": first.AccessToken,
		} {
			if e.active(t, tok) {
				t.Errorf("%s token is still active after refresh-token reuse", name)
			}
		}
		_, err := e.refresh(e.conf, third.RefreshToken, nil)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
	})
	t.Run("the reuse is audited", func(t *testing.T) {
		events := e.audit(t, "refresh.reuse_detected")
		if len(events) != 1 {
			t.Fatalf("refresh.reuse_detected events = %d, want 1", len(events))
		}
		if ev := events[0]; ev.ClientID != "conf-app" || ev.SubjectUserID != e.user.ID {
			t.Errorf("audit event = %+v, want conf-app and user %s", ev, e.user.ID)
		}
		e.verifyAudit(t)
	})
	t.Run("another family of the same grant is untouched", func(t *testing.T) {
		f := newEnv(t)
		one := f.mustExchange(t, f.authorizeConf(t, fullScope))
		two := f.mustExchange(t, f.authorizeConf(t, fullScope))
		f.mustRefresh(t, f.conf, one.RefreshToken)
		_, err := f.refresh(f.conf, one.RefreshToken, nil)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
		if !f.active(t, two.AccessToken) || !f.active(t, two.RefreshToken) {
			t.Errorf("reuse in one family revoked another family's tokens")
		}
	})
}

// refreshScopeTests ask for a scope on refresh; the token was granted
// fullScope.
var refreshScopeTests = []struct {
	name        string
	scope       string
	wantErr     string
	wantScope   string
	wantIDToken bool
}{
	{name: "a narrower scope narrows the access token", scope: "workspace:read", wantScope: "workspace:read"},
	{name: "a narrower scope keeps catalog order", scope: "workspace:read openid", wantScope: "openid workspace:read", wantIDToken: true},
	{name: "the full scope is allowed", scope: fullScope, wantScope: fullScope, wantIDToken: true},
	{name: "a wider scope is invalid_scope", scope: "workspace:read email", wantErr: oauth.ErrCodeInvalidScope},
	{name: "a scope the client may not have is invalid_scope", scope: "workspace:read mcp:access", wantErr: oauth.ErrCodeInvalidScope},
	{name: "an unknown scope is invalid_scope", scope: "workspace:read bogus", wantErr: oauth.ErrCodeInvalidScope},
	{name: "an empty scope is invalid_scope", scope: "", wantErr: oauth.ErrCodeInvalidScope},
}

func TestRefreshScope(t *testing.T) {
	for _, tt := range refreshScopeTests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.mustExchange(t, e.authorizeConf(t, fullScope))
			got, err := e.refresh(e.conf, first.RefreshToken, ptr(tt.scope))
			wantCode(t, err, tt.wantErr)
			if tt.wantErr != "" {
				// A refused request does not use the token up.
				e.mustRefresh(t, e.conf, first.RefreshToken)
				return
			}
			if got.Scope != tt.wantScope {
				t.Errorf("scope = %q, want %q", got.Scope, tt.wantScope)
			}
			if gotID := got.IDToken != ""; gotID != tt.wantIDToken {
				t.Errorf("id_token present = %v, want %v", gotID, tt.wantIDToken)
			}
			access, err := e.engine.AuthenticateBearer(e.ctx, got.AccessToken)
			if err != nil {
				t.Fatalf("AuthenticateBearer: %v", err)
			}
			if strings.Join(access.Scopes, " ") != tt.wantScope {
				t.Errorf("access token scopes = %q, want %q", access.Scopes, tt.wantScope)
			}
			if got.RefreshToken == "" {
				t.Fatalf("no refresh token after a narrowed refresh")
			}
			in, err := e.introspect(e.conf, got.RefreshToken)
			if err != nil || in.Scope != fullScope {
				t.Errorf("new refresh token scope = %q (%v), want the full %q", in.Scope, err, fullScope)
			}
			// And it can give the full scope back.
			again := e.mustRefresh(t, e.conf, got.RefreshToken)
			if again.Scope != fullScope {
				t.Errorf("scope after a plain refresh = %q, want %q", again.Scope, fullScope)
			}
		})
	}
}

// refreshRefusalTests each present a refresh token that must be refused.
var refreshRefusalTests = []struct {
	name string
	// present returns the client and token to present after issuing tok.
	present func(t *testing.T, e *env, tok oauth.TokenResponse) (string, string)
	want    string
}{
	{name: "another client's refresh token is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		present: func(_ *testing.T, _ *env, tok oauth.TokenResponse) (string, string) { return "other", tok.RefreshToken }},
	{name: "an expired refresh token is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		present: func(_ *testing.T, e *env, tok oauth.TokenResponse) (string, string) {
			e.clock.Advance(oauth.RefreshTokenTTL + time.Second)
			return "conf", tok.RefreshToken
		}},
	{name: "a revoked refresh token is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		present: func(t *testing.T, e *env, tok oauth.TokenResponse) (string, string) {
			if err := e.revoke(e.conf, tok.RefreshToken); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			return "conf", tok.RefreshToken
		}},
	{name: "an access token is not a refresh token", want: oauth.ErrCodeInvalidGrant,
		present: func(_ *testing.T, _ *env, tok oauth.TokenResponse) (string, string) { return "conf", tok.AccessToken }},
	{name: "an unknown refresh token is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		present: func(_ *testing.T, _ *env, _ oauth.TokenResponse) (string, string) {
			return "conf", "osr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		}},
	{name: "a missing refresh token is invalid_request", want: oauth.ErrCodeInvalidRequest,
		present: func(_ *testing.T, _ *env, _ oauth.TokenResponse) (string, string) { return "conf", "" }},
	{name: "a revoked grant is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		present: func(t *testing.T, e *env, tok oauth.TokenResponse) (string, string) {
			e.revokeGrant(t, e.conf)
			return "conf", tok.RefreshToken
		}},
	{name: "a grant revoked through the store is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		present: func(t *testing.T, e *env, tok oauth.TokenResponse) (string, string) {
			g, err := e.store.ActiveGrantOf(e.ctx, e.user.ID, "conf-app")
			if err != nil {
				t.Fatalf("ActiveGrantOf: %v", err)
			}
			if _, err := e.store.RevokeGrant(e.ctx, g.ID, e.clock.Now()); err != nil {
				t.Fatalf("RevokeGrant: %v", err)
			}
			return "conf", tok.RefreshToken
		}},
	{name: "a grant without offline_access any more is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		present: func(t *testing.T, e *env, tok oauth.TokenResponse) (string, string) {
			e.putGrant(t, e.conf, "openid profile workspace:read", []string{e.ws1})
			return "conf", tok.RefreshToken
		}},
	{name: "a grant without any of the token's workspaces is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		present: func(t *testing.T, e *env, tok oauth.TokenResponse) (string, string) {
			e.putGrant(t, e.conf, fullScope, []string{e.ws2})
			return "conf", tok.RefreshToken
		}},
}

func TestRefreshRefusals(t *testing.T) {
	for _, tt := range refreshRefusalTests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tok := e.mustExchange(t, e.authorizeConf(t, fullScope))
			who, presented := tt.present(t, e, tok)
			c := e.conf
			if who == "other" {
				c = e.other
			}
			got, err := e.refresh(c, presented, nil)
			wantCode(t, err, tt.want)
			if got.AccessToken != "" {
				t.Errorf("refused refresh returned access token %q", got.AccessToken)
			}
			if who == "other" {
				// Presenting it from the wrong client is no reuse: the owner
				// keeps it.
				e.mustRefresh(t, e.conf, tok.RefreshToken)
			}
		})
	}
}

func TestRefreshAfterGrantChanged(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorize(t, e.conf, confRedirect, fullScope, []string{e.ws1, e.ws2}))
	e.putGrant(t, e.conf, "openid workspace:read offline_access", []string{e.ws2})
	got := e.mustRefresh(t, e.conf, tok.RefreshToken)
	if got.Scope != "openid workspace:read offline_access" {
		t.Errorf("scope = %q, want profile gone", got.Scope)
	}
	if !slices.Equal(got.WorkspaceIDs, []string{e.ws2}) {
		t.Errorf("workspace_ids = %q, want %q", got.WorkspaceIDs, []string{e.ws2})
	}
	// Widening the grant again does not widen the new refresh token.
	e.putGrant(t, e.conf, fullScope, []string{e.ws1, e.ws2})
	in, err := e.introspect(e.conf, got.RefreshToken)
	if err != nil || in.Scope != "openid workspace:read offline_access" || !slices.Equal(in.WorkspaceIDs, []string{e.ws2}) {
		t.Errorf("refresh token after the grant widened = %+v (%v), want it to stay narrowed to workspace:read in %s", in, err, e.ws2)
	}
}
