package models_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

func newToken(grantID, clientID, userID string, kind models.TokenKind) *models.Token {
	hash := make([]byte, 32)
	_, _ = rand.Read(hash)
	now := time.Now().UTC()
	return &models.Token{ID: uuid.Must(uuid.NewV7()).String(), Hash: hash, Kind: kind, GrantID: grantID,
		ClientID: clientID, UserID: userID, FamilyID: "family", Scopes: "workspace:read",
		NeedsWorkspace: true, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

// TestCreateTokensStoresEveryTokenWithEveryWorkspace: whatever the number
// of tokens and workspaces (across the rows one INSERT carries), each token
// is stored with exactly the workspaces given; a refused batch stores none.
func TestCreateTokensStoresEveryTokenWithEveryWorkspace(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "tokens@example.com")
	c := newClient(t, s, "tokens-app")
	var all []string
	for i := range 40 {
		all = append(all, newWorkspace(t, s, fmt.Sprintf("W%02d", i), u).ID)
	}
	slices.Sort(all)
	grantID := putGrant(t, s, u, c.ID, "workspace:read offline_access", all, time.Now())

	for _, tc := range []struct{ tokens, workspaces int }{
		{1, 0}, {1, 1}, {2, 1}, {2, 8}, {1, 17}, {2, 20}, {2, 40},
	} {
		t.Run(fmt.Sprintf("%d tokens × %d workspaces", tc.tokens, tc.workspaces), func(t *testing.T) {
			var tokens []*models.Token
			for range tc.tokens {
				tokens = append(tokens, newToken(grantID, c.ID, u.ID, models.AccessToken))
			}
			ws := all[:tc.workspaces]
			if err := s.InTx(ctx, func(tx *models.Store) error { return tx.CreateTokens(ctx, ws, tokens...) }); err != nil {
				t.Fatal(err)
			}
			for _, tok := range tokens {
				got, err := s.TokenWorkspaceIDs(ctx, tok.ID, grantID)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, ws) && !(len(got) == 0 && len(ws) == 0) {
					t.Errorf("token %s reaches %d workspaces, want %d", tok.ID, len(got), len(ws))
				}
			}
		})
	}

	t.Run("refused", func(t *testing.T) {
		good := newToken(grantID, c.ID, u.ID, models.AccessToken)
		clash := newToken(grantID, c.ID, u.ID, models.RefreshToken)
		clash.Hash = good.Hash // the hash is unique
		err := s.InTx(ctx, func(tx *models.Store) error { return tx.CreateTokens(ctx, all[:3], good, clash) })
		if err == nil {
			t.Fatal("two tokens with one hash were stored")
		}
		if _, err := s.TokenRefByHash(ctx, good.Hash); err == nil {
			t.Error("the refused batch left a token behind")
		}
	})
}

// TestTokenRefByHashFindsItRevokedOrNot, on either database; a live token
// is revoked once.
func TestTokenRefByHashFindsItRevokedOrNot(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	tok := liveToken(t, s)
	for _, revoke := range []bool{false, true} {
		if revoke {
			if _, ok, err := s.RevokeLiveToken(ctx, tok.Hash, tok.ClientID, time.Now()); err != nil || !ok {
				t.Fatalf("RevokeLiveToken = %v, %v", ok, err)
			}
		}
		got, err := s.TokenRefByHash(ctx, tok.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tok.ID || got.Kind != tok.Kind || got.ClientID != tok.ClientID || got.FamilyID != tok.FamilyID {
			t.Errorf("TokenRefByHash (revoked %v) = %+v, want token %s", revoke, got, tok.ID)
		}
	}
	if _, ok, err := s.RevokeLiveToken(ctx, tok.Hash, tok.ClientID, time.Now()); err != nil || ok {
		t.Errorf("revoking it again = %v, %v; want nothing to revoke", ok, err)
	}
}
