package models_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// batchTokens are n access tokens of one grant; token i is issued for
// workspace i mod len(ws) and, when i is odd, the next one too.
func batchTokens(grantID, clientID, userID string, ws []string, n int) ([]models.Token, []models.TokenWorkspace) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tokens := make([]models.Token, n)
	var reach []models.TokenWorkspace
	for i := range tokens {
		hash := sha256.Sum256(fmt.Appendf(nil, "token-%d", i))
		tokens[i] = models.Token{
			ID: uuid.NewString(), Hash: hash[:], Kind: models.AccessToken, GrantID: grantID, ClientID: clientID,
			UserID: userID, FamilyID: uuid.NewString(), Scopes: "workspace:read", NeedsWorkspace: true,
			CreatedAt: at, ExpiresAt: at.Add(time.Hour),
		}
		reach = append(reach, models.TokenWorkspace{TokenID: tokens[i].ID, WorkspaceID: ws[i%len(ws)]})
		if i%2 == 1 {
			reach = append(reach, models.TokenWorkspace{TokenID: tokens[i].ID, WorkspaceID: ws[(i+1)%len(ws)]})
		}
	}
	return tokens, reach
}

func TestCreateTokenBatch(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "ada@example.com")
	ws := []string{newWorkspace(t, s, "A", u).ID, newWorkspace(t, s, "B", u).ID, newWorkspace(t, s, "C", u).ID}
	c := newClient(t, s, "batch-app")
	grantID, err := s.PutGrant(ctx, uuid.NewString(), u.ID, c.ID, "workspace:read", ws, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("stores every token and its workspaces, over several batches", func(t *testing.T) {
		tokens, reach := batchTokens(grantID, c.ID, u.ID, ws, 2500)
		if err := s.CreateTokenBatch(ctx, tokens, reach); err != nil {
			t.Fatalf("CreateTokenBatch: %v", err)
		}
		for _, i := range []int{0, 1, 1999, 2499} {
			got, err := s.TokenWorkspaceIDs(ctx, tokens[i].ID, grantID)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{ws[i%3]}
			if i%2 == 1 {
				want = append(want, ws[(i+1)%3])
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("token %d reaches %v, want %v", i, got, want)
			}
			if _, err := s.TokenByHash(ctx, models.AccessToken, tokens[i].Hash); err != nil {
				t.Errorf("token %d: TokenByHash: %v", i, err)
			}
		}
	})

	t.Run("a workspace row of a token outside the batch stores nothing", func(t *testing.T) {
		tokens, reach := batchTokens(grantID, c.ID, u.ID, ws, 10)
		for i := range tokens {
			tokens[i].Hash = append([]byte("y"), tokens[i].Hash[1:]...)
		}
		reach = append(reach, models.TokenWorkspace{TokenID: "not-in-the-batch", WorkspaceID: ws[0]})
		if err := s.CreateTokenBatch(ctx, tokens, reach); err == nil || !strings.Contains(err.Error(), "not in the batch") {
			t.Fatalf("CreateTokenBatch: err = %v, want the token named as not in the batch", err)
		}
		if _, err := s.TokenByHash(ctx, models.AccessToken, tokens[0].Hash); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a token of the refused batch was stored: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("a conflict in any batch stores nothing", func(t *testing.T) {
		tokens, reach := batchTokens(grantID, c.ID, u.ID, ws, 1500)
		for i := range tokens {
			tokens[i].Hash = append([]byte("x"), tokens[i].Hash[1:]...)
		}
		tokens[1400].Hash = tokens[0].Hash
		if err := s.CreateTokenBatch(ctx, tokens, reach); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("CreateTokenBatch with a repeated hash: err = %v, want ErrConflict", err)
		}
		if _, err := s.TokenByHash(ctx, models.AccessToken, tokens[1].Hash); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a token of the failed batch was stored: err = %v, want ErrNotFound", err)
		}
	})
}
