package oauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// TestBearerCacheAvoidsTheDatabase: once checked, a token's answer comes
// from memory — it still works with the database closed.
func TestBearerCacheAvoidsTheDatabase(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, "openid workspace:read"))
	first, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("second check with the database closed: %v, want the cached answer", err)
	}
	if again.TokenID != first.TokenID {
		t.Errorf("cached answer for another token: %+v", again)
	}
}

// TestBearerCacheSeesChangesAtOnce: a change made through the store in this
// process is seen by the very next check, cache or not.
func TestBearerCacheSeesChangesAtOnce(t *testing.T) {
	e := newEnv(t)
	a := e.authorizeConf(t, "openid workspace:read")
	tok := e.mustExchange(t, a)
	if _, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	grant, err := e.store.ActiveGrantOf(e.ctx, e.user.ID, e.conf.Client.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = e.store.InTx(e.ctx, func(tx *models.Store) error {
		_, err := tx.RevokeGrant(e.ctx, grant.ID, e.clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
	wantCode(t, err, oauth.ErrCodeInvalidToken)
}

// TestBearerCacheSeesOtherProcesses: a change committed by another process
// (here a second store on the same file, as the CLI would be) is seen within
// the documented bound.
func TestBearerCacheSeesOtherProcesses(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, "openid workspace:read"))
	if _, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	other := storetest.OpenAt(t, e.path)
	if _, err := other.RevokeClientTokens(context.Background(), e.conf.Client.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(4 * models.EpochPollEvery)
	for {
		_, err := e.engine.AuthenticateBearer(e.ctx, tok.AccessToken)
		if oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a revocation by another process was still not seen after %s (err %v)", 4*models.EpochPollEvery, err)
		}
		time.Sleep(models.EpochPollEvery / 4)
	}
}
