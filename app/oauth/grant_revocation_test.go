package oauth_test

import (
	"testing"

	"github.com/consentry/consentry/app/oauth"
)

// Revoking a grant writes none of its tokens: they die with the grant row,
// which is never revived. So what must hold is that nothing brings them
// back: not approving the app again, not a refresh, not the revocation
// endpoint (which must not count them as revoked a second time).
func TestRevokedGrantsTokensStayDeadAfterApprovingAgain(t *testing.T) {
	e := newEnv(t)
	old := e.mustExchange(t, e.authorize(t, e.conf, confRedirect, fullScope, []string{e.ws1, e.ws2}))
	// A rotated refresh token is no longer live: it is not counted.
	old = e.mustRefresh(t, e.conf, old.RefreshToken)
	grant, err := e.store.ActiveGrantOf(e.ctx, e.user.ID, e.conf.Client.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Checked once before, so the answer is cached: the revocation must
	// reach the cache too.
	if _, err := e.engine.AuthenticateBearer(e.ctx, old.AccessToken); err != nil {
		t.Fatalf("AuthenticateBearer before the revocation: %v", err)
	}
	ended, err := e.store.RevokeGrant(e.ctx, grant.ID, e.clock.Now())
	if err != nil {
		t.Fatalf("RevokeGrant: %v", err)
	}
	// The first exchange's access token, and the refresh's two.
	if ended != 3 {
		t.Errorf("RevokeGrant ended %d live tokens, want 3", ended)
	}
	if _, err := e.store.RevokeGrant(e.ctx, grant.ID, e.clock.Now()); err == nil {
		t.Error("revoking the revoked grant again succeeded")
	}

	// The person approves the app again, for more than before.
	fresh := e.mustExchange(t, e.authorize(t, e.conf, confRedirect, fullScope, []string{e.ws1, e.ws2}))
	again, err := e.store.ActiveGrantOf(e.ctx, e.user.ID, e.conf.Client.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == grant.ID {
		t.Fatalf("approving again revived the revoked grant %s", grant.ID)
	}
	for name, tok := range map[string]string{"access": old.AccessToken, "refresh": old.RefreshToken} {
		if e.active(t, tok) {
			t.Errorf("the revoked grant's %s token is active again", name)
		}
	}
	if _, err := e.engine.AuthenticateBearer(e.ctx, old.AccessToken); !oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
		t.Errorf("AuthenticateBearer(old access token) error = %v, want invalid_token", err)
	}
	_, err = e.refresh(e.conf, old.RefreshToken, nil)
	wantCode(t, err, oauth.ErrCodeInvalidGrant)

	before := len(e.audit(t, "tokens.revoked"))
	for _, tok := range []string{old.AccessToken, old.RefreshToken} {
		if err := e.revoke(e.conf, tok); err != nil {
			t.Errorf("Revoke(dead token) = %v, want success (RFC 7009 §2.2)", err)
		}
	}
	if after := len(e.audit(t, "tokens.revoked")); after != before {
		t.Errorf("revoking the dead grant's tokens wrote %d tokens.revoked events, want none", after-before)
	}
	counts, err := e.store.CountPlatform(e.ctx, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if counts.ActiveGrants != 1 || counts.LiveTokens != 2 {
		t.Errorf("platform counts %d grants, %d live tokens; want 1 and 2 (the new grant's)", counts.ActiveGrants, counts.LiveTokens)
	}

	// The new grant's tokens work, and refresh.
	if !e.active(t, fresh.AccessToken) {
		t.Error("the new grant's access token is not active")
	}
	e.mustRefresh(t, e.conf, fresh.RefreshToken)
	e.verifyAudit(t)
}
