package models_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// batchCodes are n codes of one grant, prefix making their hashes unique;
// every other one is used.
func batchCodes(prefix string, g models.ActiveGrant, n int) []models.AuthCode {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	used := at.Add(2 * time.Second)
	codes := make([]models.AuthCode, n)
	for i := range codes {
		hash := sha256.Sum256(fmt.Appendf(nil, "%s-%d", prefix, i))
		codes[i] = models.AuthCode{
			ID: uuid.NewString(), Hash: hash[:], ClientID: g.ClientID, UserID: g.UserID, GrantID: g.ID,
			RedirectURI: "https://app.example.com/cb", CodeChallenge: "challenge", Scopes: g.Scopes,
			WorkspaceIDs: g.WorkspaceIDs, AuthTime: at, CreatedAt: at, ExpiresAt: at.Add(time.Minute),
		}
		if i%2 == 1 {
			codes[i].UsedAt = &used
		}
	}
	return codes
}

func TestCreateCodeBatch(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "ada@example.com")
	ws := []string{newWorkspace(t, s, "A", u).ID}
	c := newClient(t, s, "batch-app")
	if _, err := s.PutGrant(ctx, uuid.NewString(), u.ID, c.ID, "workspace:read", ws, time.Now()); err != nil {
		t.Fatal(err)
	}
	g, err := s.ActiveGrantOf(ctx, u.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("stores every code, over several batches", func(t *testing.T) {
		codes := batchCodes("code", g, 2500)
		if err := s.CreateCodeBatch(ctx, codes); err != nil {
			t.Fatalf("CreateCodeBatch: %v", err)
		}
		for _, i := range []int{0, 1, 1999, 2499} {
			got, err := s.CodeByHash(ctx, codes[i].Hash)
			if err != nil {
				t.Fatalf("code %d: CodeByHash: %v", i, err)
			}
			if got.ID != codes[i].ID || got.GrantID != g.ID || !slices.Equal(got.WorkspaceIDs, ws) || (got.UsedAt != nil) != (i%2 == 1) {
				t.Errorf("code %d = %+v, want %+v", i, got, codes[i])
			}
		}
	})

	t.Run("a conflict in any batch stores nothing", func(t *testing.T) {
		codes := batchCodes("other", g, 1500)
		codes[1400].Hash = codes[0].Hash
		if err := s.CreateCodeBatch(ctx, codes); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("CreateCodeBatch with a repeated hash: err = %v, want ErrConflict", err)
		}
		if _, err := s.CodeByHash(ctx, codes[1].Hash); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a code of the failed batch was stored: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("no codes is nothing to do", func(t *testing.T) {
		if err := s.CreateCodeBatch(ctx, nil); err != nil {
			t.Errorf("CreateCodeBatch(nil) = %v", err)
		}
	})
}
