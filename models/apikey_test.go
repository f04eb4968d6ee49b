package models_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

var apiKeyTime = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// newAPIKey stores a key of ws whose hash is SHA-256 of seed.
func newAPIKey(t *testing.T, s *models.Store, ws models.Workspace, creator *models.User, name, seed string, at time.Time) models.APIKey {
	t.Helper()
	sum := sha256.Sum256([]byte(seed))
	k := models.APIKey{ID: uuid.NewString(), WorkspaceID: ws.ID, Name: name, Hash: sum[:], Hint: "abcd", CreatedAt: at}
	if creator != nil {
		k.CreatedByID = &creator.ID
	}
	if err := s.CreateAPIKey(context.Background(), &k); err != nil {
		t.Fatalf("create API key %q: %v", name, err)
	}
	return k
}

func TestAPIKeyLookupByHash(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	ws := newWorkspace(t, s, "Acme", alice)
	k := newAPIKey(t, s, ws, &alice, "CI", "seed-1", apiKeyTime)

	got, err := s.ActiveAPIKeyByHash(ctx, k.Hash)
	if err != nil {
		t.Fatalf("ActiveAPIKeyByHash: %v", err)
	}
	if got.ID != k.ID || got.WorkspaceID != ws.ID || got.Name != "CI" || got.Hint != "abcd" || !bytes.Equal(got.Hash, k.Hash) {
		t.Errorf("ActiveAPIKeyByHash = %+v, want %+v", got, k)
	}
	if got.CreatedByID == nil || *got.CreatedByID != alice.ID || got.Revoked() || got.LastUsedAt != nil {
		t.Errorf("ActiveAPIKeyByHash = %+v, want created by alice, unused, active", got)
	}
	other := sha256.Sum256([]byte("seed-2"))
	if _, err := s.ActiveAPIKeyByHash(ctx, other[:]); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown hash: err = %v, want ErrNotFound", err)
	}
	if _, err := s.APIKeyByID(ctx, "no-such-key"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("APIKeyByID(unknown): err = %v, want ErrNotFound", err)
	}
}

func TestCreateAPIKeyDuplicateHashConflicts(t *testing.T) {
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	ws := newWorkspace(t, s, "Acme", alice)
	first := newAPIKey(t, s, ws, nil, "first", "same", apiKeyTime)
	again := models.APIKey{ID: uuid.NewString(), WorkspaceID: ws.ID, Name: "second", Hash: first.Hash, Hint: "abcd"}
	if err := s.CreateAPIKey(context.Background(), &again); !errors.Is(err, models.ErrConflict) {
		t.Errorf("CreateAPIKey(same hash) err = %v, want ErrConflict", err)
	}
}

func TestRevokeAPIKey(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	acme := newWorkspace(t, s, "Acme", alice)
	other := newWorkspace(t, s, "Other", alice)
	k := newAPIKey(t, s, acme, &alice, "CI", "seed", apiKeyTime)

	if err := s.RevokeAPIKey(ctx, other.ID, k.ID, apiKeyTime.Add(time.Hour)); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("revoke through another workspace: err = %v, want ErrNotFound", err)
	}
	if _, err := s.ActiveAPIKeyByHash(ctx, k.Hash); err != nil {
		t.Fatalf("the key stopped working after a refused revoke: %v", err)
	}

	before := s.TokenEpoch()
	revokedAt := apiKeyTime.Add(2 * time.Hour)
	if err := s.RevokeAPIKey(ctx, acme.ID, k.ID, revokedAt); err != nil {
		t.Fatalf("RevokeAPIKey: %v", err)
	}
	if after := s.TokenEpoch(); after <= before {
		t.Errorf("token epoch %d → %d: revoking a key must invalidate cached credentials", before, after)
	}
	if _, err := s.ActiveAPIKeyByHash(ctx, k.Hash); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoked key: err = %v, want ErrNotFound", err)
	}
	if err := s.RevokeAPIKey(ctx, acme.ID, k.ID, revokedAt.Add(time.Hour)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("second revoke: err = %v, want ErrNotFound", err)
	}
	got, err := s.APIKeyByID(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) {
		t.Errorf("revoked at %v, want the first revocation's %v", got.RevokedAt, revokedAt)
	}
}

func TestAPIKeysOfListsNewestFirstWithCreator(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	acme := newWorkspace(t, s, "Acme", alice)
	other := newWorkspace(t, s, "Other", alice)
	old := newAPIKey(t, s, acme, &alice, "old", "s1", apiKeyTime)
	cli := newAPIKey(t, s, acme, nil, "from the CLI", "s2", apiKeyTime.Add(time.Hour))
	newAPIKey(t, s, other, &alice, "elsewhere", "s3", apiKeyTime.Add(2*time.Hour))
	if err := s.RevokeAPIKey(ctx, acme.ID, old.ID, apiKeyTime.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	used := apiKeyTime.Add(4 * time.Hour)
	if err := s.TouchAPIKey(ctx, cli.ID, used); err != nil {
		t.Fatal(err)
	}

	got, err := s.APIKeysOf(ctx, acme.ID)
	if err != nil {
		t.Fatalf("APIKeysOf: %v", err)
	}
	if len(got) != 2 || got[0].ID != cli.ID || got[1].ID != old.ID {
		t.Fatalf("APIKeysOf = %+v, want the CLI key then the old one, nothing from another workspace", got)
	}
	if got[0].CreatorName != "" || got[0].CreatorEmail != "" || got[0].CreatedByID != nil {
		t.Errorf("CLI key creator = %q <%q>, want none", got[0].CreatorName, got[0].CreatorEmail)
	}
	if got[0].LastUsedAt == nil || !got[0].LastUsedAt.Equal(used) || got[0].Revoked() {
		t.Errorf("CLI key = %+v, want last used at %v and active", got[0].APIKey, used)
	}
	if got[1].CreatorName != alice.Name || got[1].CreatorEmail != alice.Email || !got[1].Revoked() {
		t.Errorf("old key = %+v, want created by alice and revoked", got[1])
	}
	if got[1].Name != "old" || got[1].Hint != "abcd" || !got[1].CreatedAt.Equal(apiKeyTime) {
		t.Errorf("old key = %+v, want its name, hint and creation time", got[1].APIKey)
	}
}
