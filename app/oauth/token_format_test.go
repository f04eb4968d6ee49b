package oauth_test

import (
	"bytes"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// Codes and tokens are stored under a key that starts with the time they
// were made (secret.NewOrdered); tokens issued before that are stored under
// their plain hash, and must go on working until they expire.
func TestTokensStoredUnderTheirPlainHashStillWork(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorize(t, e.conf, confRedirect, fullScope, []string{e.ws1}))
	stored, err := e.store.TokenByHash(e.ctx, models.AccessToken, secret.Key(tok.AccessToken))
	if err != nil {
		t.Fatalf("the issued access token is not found by its key: %v", err)
	}
	if bytes.Equal(stored.Hash, secret.Hash(tok.AccessToken)) {
		t.Errorf("the issued access token is stored under its plain hash, want a time-ordered key")
	}

	// A pair as a build before ordered keys issued it, in the same grant.
	now := e.clock.Now().UTC()
	family := uuid.NewString()
	var pair []*models.Token
	var plains []string
	for _, kind := range []models.TokenKind{models.AccessToken, models.RefreshToken} {
		prefix, ttl := secret.PrefixAccessToken, time.Hour
		if kind == models.RefreshToken {
			prefix, ttl = secret.PrefixRefreshToken, 24*time.Hour
		}
		plain, err := secret.New(rand.Reader, prefix)
		if err != nil {
			t.Fatal(err)
		}
		plains = append(plains, plain)
		pair = append(pair, &models.Token{
			ID: uuid.NewString(), Hash: secret.Hash(plain), Kind: kind, GrantID: stored.GrantID, ClientID: stored.ClientID,
			UserID: stored.UserID, FamilyID: family, Scopes: fullScope, NeedsWorkspace: true,
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(ttl),
		})
	}
	if err := e.store.CreateTokens(e.ctx, []string{e.ws1}, pair...); err != nil {
		t.Fatal(err)
	}
	oldAccess, oldRefresh := plains[0], plains[1]
	if !e.active(t, oldAccess) {
		t.Error("an access token stored under its plain hash is not active")
	}
	if _, err := e.engine.AuthenticateBearer(e.ctx, oldAccess); err != nil {
		t.Errorf("AuthenticateBearer(access token stored under its plain hash) = %v", err)
	}
	fresh := e.mustRefresh(t, e.conf, oldRefresh)
	if !e.active(t, fresh.AccessToken) {
		t.Error("the access token its refresh issued is not active")
	}
	if err := e.revoke(e.conf, oldAccess); err != nil {
		t.Fatal(err)
	}
	if e.active(t, oldAccess) {
		t.Error("revoking an access token stored under its plain hash left it active")
	}
}
