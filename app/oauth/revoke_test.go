package oauth_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/app/oauth"
)

func TestRevokeAccessToken(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, fullScope))
	if err := e.revoke(e.conf, tok.AccessToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken); !oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
		t.Errorf("AuthenticateBearer(revoked) error = %v, want invalid_token", err)
	}
	if e.active(t, tok.AccessToken) {
		t.Errorf("revoked access token is active")
	}
	t.Run("only the access token is revoked", func(t *testing.T) {
		if !e.active(t, tok.RefreshToken) {
			t.Errorf("revoking an access token revoked its refresh token")
		}
		e.mustRefresh(t, e.conf, tok.RefreshToken)
	})
	t.Run("the revocation is audited", func(t *testing.T) {
		events := e.audit(t, "tokens.revoked")
		if len(events) != 1 {
			t.Fatalf("tokens.revoked events = %d, want 1", len(events))
		}
		if ev := events[0]; ev.ClientID != "conf-app" || ev.SubjectUserID != e.user.ID || ev.ActorID != "conf-app" {
			t.Errorf("audit event = %+v, want conf-app revoking for user %s", ev, e.user.ID)
		}
		e.verifyAudit(t)
	})
}

// Revoking any refresh token of a family, the live one or one already
// rotated, revokes the family's live tokens and no other; the audit event
// counts only those it ended (a rotated token was dead already).
func TestRevokeRefreshTokenRevokesItsFamily(t *testing.T) {
	for _, tc := range []struct {
		name string
		// revoked picks the refresh token to revoke: the family's first
		// (rotated by the refresh) or its second (live).
		revoked   func(first, second oauth.TokenResponse) string
		wantCount string
	}{
		// The second refresh token, its access token and the first
		// access token; the first refresh token was rotated.
		{"the live refresh token", func(_, second oauth.TokenResponse) string { return second.RefreshToken }, `"count":3`},
		{"a rotated refresh token", func(first, _ oauth.TokenResponse) string { return first.RefreshToken }, `"count":3`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.mustExchange(t, e.authorizeConf(t, fullScope))
			second := e.mustRefresh(t, e.conf, first.RefreshToken)
			other := e.mustExchange(t, e.authorizeConf(t, fullScope))

			if err := e.revoke(e.conf, tc.revoked(first, second)); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			for name, tok := range map[string]string{
				"refresh": second.RefreshToken, "access issued with it": second.AccessToken, "earlier access": first.AccessToken,
			} {
				if e.active(t, tok) {
					t.Errorf("%s token is active after its family's refresh token was revoked", name)
				}
			}
			if !e.active(t, other.AccessToken) || !e.active(t, other.RefreshToken) {
				t.Errorf("revoking one family revoked another")
			}
			events := e.audit(t, "tokens.revoked")
			if len(events) != 1 {
				t.Fatalf("tokens.revoked events = %d, want 1", len(events))
			}
			if !strings.Contains(events[0].Details, tc.wantCount) {
				t.Errorf("tokens.revoked details = %s, want %s", events[0].Details, tc.wantCount)
			}
			e.verifyAudit(t)
		})
	}
}

func TestRevokeRefusals(t *testing.T) {
	t.Run("an unknown token succeeds silently", func(t *testing.T) {
		e := newEnv(t)
		epoch := e.store.TokenEpoch()
		if err := e.revoke(e.conf, "ost_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); err != nil {
			t.Errorf("Revoke(unknown) = %v, want nil (RFC 7009 §2.2)", err)
		}
		if n := len(e.audit(t, "tokens.revoked")); n != 0 {
			t.Errorf("tokens.revoked events = %d, want none", n)
		}
		// Nothing was revoked, so no cached bearer answer is thrown away:
		// unknown tokens cannot be used to empty the cache.
		if got := e.store.TokenEpoch(); got != epoch {
			t.Errorf("token epoch moved from %d to %d for an unknown token", epoch, got)
		}
	})
	t.Run("an already revoked token succeeds without a second event", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorizeConf(t, "openid"))
		for range 2 {
			if err := e.revoke(e.conf, tok.AccessToken); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
		}
		if n := len(e.audit(t, "tokens.revoked")); n != 1 {
			t.Errorf("tokens.revoked events = %d, want 1", n)
		}
	})
	t.Run("another client's token is unauthorized_client and stays active", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorizeConf(t, fullScope))
		for _, plain := range []string{tok.AccessToken, tok.RefreshToken} {
			wantCode(t, e.revoke(e.other, plain), oauth.ErrCodeUnauthorizedClient)
			wantCode(t, e.revoke(e.rs, plain), oauth.ErrCodeUnauthorizedClient)
			if !e.active(t, plain) {
				t.Errorf("another client revoked %s…", plain[:8])
			}
		}
		if n := len(e.audit(t, "tokens.revoked")); n != 0 {
			t.Errorf("tokens.revoked events = %d, want none", n)
		}
	})
	t.Run("a missing token is invalid_request", func(t *testing.T) {
		e := newEnv(t)
		wantCode(t, e.revoke(e.conf, ""), oauth.ErrCodeInvalidRequest)
	})
	t.Run("a repeated token is invalid_request", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorizeConf(t, "openid"))
		creds, p := clientAuth(e.conf)
		p["token"] = []string{tok.AccessToken, tok.AccessToken}
		wantCode(t, e.engine.Revoke(e.ctx, creds, p, "", ""), oauth.ErrCodeInvalidRequest)
		if !e.active(t, tok.AccessToken) {
			t.Errorf("a refused revocation revoked the token")
		}
	})
	t.Run("a public client revokes its own token", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorize(t, e.pub, pubLoopbackV4, "openid offline_access", nil))
		if err := e.engine.Revoke(e.ctx, oauth.ClientCredentials{},
			url.Values{"client_id": {"native-app"}, "token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, "", ""); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if e.active(t, tok.AccessToken) {
			t.Errorf("access token active after its refresh token was revoked")
		}
	})
	t.Run("the wrong hint does not matter", func(t *testing.T) {
		e := newEnv(t)
		tok := e.mustExchange(t, e.authorizeConf(t, "openid"))
		creds, p := clientAuth(e.conf)
		p.Set("token", tok.AccessToken)
		p.Set("token_type_hint", "refresh_token")
		if err := e.engine.Revoke(e.ctx, creds, p, "", ""); err != nil || e.active(t, tok.AccessToken) {
			t.Errorf("Revoke with a wrong hint = %v, active %v; want revoked", err, e.active(t, tok.AccessToken))
		}
	})
}
