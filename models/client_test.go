package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

func newClient(t *testing.T, s *models.Store, id string) models.Client {
	t.Helper()
	c := models.Client{
		ID: id, Name: "App " + id, Type: models.ClientConfidential, SecretHash: []byte{1, 2, 3},
		RedirectURIs: []string{"https://app.example.com/cb"}, AllowedScopes: []string{"openid", "profile"},
	}
	if err := s.CreateClient(context.Background(), &c); err != nil {
		t.Fatalf("create client %q: %v", id, err)
	}
	return c
}

func TestCreateClientRoundTrips(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice := newUser(t, s, "alice@example.com")
	w := newWorkspace(t, s, "Acme", alice)
	want := models.Client{
		ID: "round-trip", Name: "Round Trip", LogoURL: "https://app.example.com/logo.png",
		HomepageURL: "https://app.example.com", Type: models.ClientPublic,
		RedirectURIs:  []string{"http://127.0.0.1/cb", "https://app.example.com/cb"},
		AllowedScopes: []string{"openid", "workspace:read"}, ResourceServer: true, WorkspaceID: &w.ID,
	}
	c := want
	if err := s.CreateClient(ctx, &c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	got, err := s.ClientByID(ctx, want.ID)
	if err != nil {
		t.Fatalf("ClientByID: %v", err)
	}
	if got.Name != want.Name || got.LogoURL != want.LogoURL || got.HomepageURL != want.HomepageURL ||
		got.Type != want.Type || !got.ResourceServer {
		t.Errorf("ClientByID = %+v, want %+v", got, want)
	}
	if !slices.Equal(got.RedirectURIs, want.RedirectURIs) {
		t.Errorf("redirect URIs = %q, want %q", got.RedirectURIs, want.RedirectURIs)
	}
	if !slices.Equal(got.AllowedScopes, want.AllowedScopes) {
		t.Errorf("allowed scopes = %q, want %q", got.AllowedScopes, want.AllowedScopes)
	}
	if got.WorkspaceID == nil || *got.WorkspaceID != w.ID {
		t.Errorf("workspace id = %v, want %q", got.WorkspaceID, w.ID)
	}
	if got.SecretHash != nil {
		t.Errorf("public client secret hash = %x, want nil", got.SecretHash)
	}
	if !got.Public() || got.Disabled() {
		t.Errorf("Public() = %v, Disabled() = %v; want true, false", got.Public(), got.Disabled())
	}
}

func TestCreateClientDuplicateIDConflicts(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	newClient(t, s, "dup")
	again := models.Client{ID: "dup", Name: "Second", Type: models.ClientPublic,
		RedirectURIs: []string{"https://x.example/cb"}, AllowedScopes: []string{"openid"}}
	if err := s.CreateClient(ctx, &again); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("CreateClient(dup) err = %v, want ErrConflict", err)
	}
	got, err := s.ClientByID(ctx, "dup")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "App dup" {
		t.Errorf("name after a refused duplicate = %q, want the first %q", got.Name, "App dup")
	}
}

func TestCreateClientUnknownWorkspaceFails(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	ws := "no-such-workspace"
	c := models.Client{ID: "orphan", Name: "Orphan", Type: models.ClientPublic, WorkspaceID: &ws,
		RedirectURIs: []string{"https://x.example/cb"}, AllowedScopes: []string{"openid"}}
	if err := s.CreateClient(ctx, &c); err == nil {
		t.Fatal("CreateClient with an unknown workspace succeeded, want a foreign key error")
	}
}

func TestClientByIDUnknownIsNotFound(t *testing.T) {
	s := storetest.Open(t)
	if _, err := s.ClientByID(context.Background(), "nope"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("ClientByID(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestSetClientRedirectURIs(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	newClient(t, s, "app")
	other := newClient(t, s, "other")
	want := []string{"https://new.example/cb", "https://new.example/cb2"}
	if err := s.SetClientRedirectURIs(ctx, "app", want); err != nil {
		t.Fatalf("SetClientRedirectURIs: %v", err)
	}
	got, err := s.ClientByID(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.RedirectURIs, want) {
		t.Errorf("redirect URIs = %q, want %q", got.RedirectURIs, want)
	}
	if !slices.Equal(got.AllowedScopes, []string{"openid", "profile"}) || got.Name != "App app" {
		t.Errorf("other fields changed: %+v", got)
	}
	untouched, err := s.ClientByID(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(untouched.RedirectURIs, other.RedirectURIs) {
		t.Errorf("another client's redirect URIs = %q, want %q", untouched.RedirectURIs, other.RedirectURIs)
	}
	if err := s.SetClientRedirectURIs(ctx, "nope", want); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("SetClientRedirectURIs(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestDisableClientKeepsTheFirstTime(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	newClient(t, s, "app")
	newClient(t, s, "bystander")
	// Sub-second, to the microsecond: the finest time PostgreSQL keeps.
	first := time.Date(2030, 1, 2, 3, 4, 5, 600_000, time.FixedZone("CET", 3600))
	if err := s.DisableClient(ctx, "app", first); err != nil {
		t.Fatalf("DisableClient: %v", err)
	}
	if err := s.DisableClient(ctx, "app", first.Add(time.Hour)); err != nil {
		t.Fatalf("second DisableClient: %v", err)
	}
	got, err := s.ClientByID(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Disabled() || !got.DisabledAt.Equal(first) {
		t.Errorf("DisabledAt = %v, want %v", got.DisabledAt, first)
	}
	bystander, err := s.ClientByID(ctx, "bystander")
	if err != nil {
		t.Fatal(err)
	}
	if bystander.Disabled() {
		t.Errorf("another client was disabled at %v", bystander.DisabledAt)
	}
	if err := s.DisableClient(ctx, "nope", first); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("DisableClient(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestDisableClientInsideATransaction(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	newClient(t, s, "app")
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	errStop := errors.New("stop")
	err := s.InTx(ctx, func(tx *models.Store) error {
		if err := tx.DisableClient(ctx, "app", at); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("InTx = %v, want %v", err, errStop)
	}
	got, err := s.ClientByID(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	if got.Disabled() {
		t.Errorf("client disabled at %v after a rolled-back transaction", got.DisabledAt)
	}
}
