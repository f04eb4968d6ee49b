package models_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// namesWorld is two users, two workspaces (one owning a private app), two
// apps and an API key.
func namesWorld(t *testing.T) *models.Store {
	t.Helper()
	s := storetest.Open(t)
	ctx := context.Background()
	for _, u := range []models.User{
		{ID: "u-alice", Email: "alice@example.com", Name: "Alice Example", PasswordHash: "x"},
		{ID: "u-bob", Email: "bob@example.com", Name: "Bob Builder", PasswordHash: "x"},
	} {
		if err := s.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []models.Workspace{
		{ID: "ws-a", Name: "Acme Marketing", CreatedByID: "u-alice"},
		{ID: "ws-b", Name: "Bob's Studio", CreatedByID: "u-bob"},
	} {
		if err := s.CreateWorkspace(ctx, &w); err != nil {
			t.Fatal(err)
		}
	}
	owned := "ws-b"
	for _, c := range []models.Client{
		{ID: "pixel", Name: "Pixel Reports", Type: models.ClientPublic, RedirectURIs: []string{"https://p.example/cb"}, AllowedScopes: []string{"openid"}},
		{ID: "studio-tool", Name: "Studio Tool", Type: models.ClientPublic, RedirectURIs: []string{"https://s.example/cb"}, AllowedScopes: []string{"openid"}, WorkspaceID: &owned},
	} {
		if err := s.CreateClient(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	k := models.APIKey{ID: "key-1", WorkspaceID: "ws-a", Name: "Nightly export", Hash: []byte("0123456789abcdef0123456789abcdef"), Hint: "abcd", CreatedAt: time.Now()}
	if err := s.CreateAPIKey(ctx, &k); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDisplayNames(t *testing.T) {
	s := namesWorld(t)
	got, err := s.DisplayNames(context.Background(), models.NameIDs{
		Users:      []string{"u-alice", "u-bob", "u-alice", "", "u-gone"},
		Clients:    []string{"pixel", "gone"},
		Workspaces: []string{"ws-b"},
		APIKeys:    []string{"key-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if u := got.Users["u-alice"]; u.Name != "Alice Example" || u.Email != "alice@example.com" {
		t.Errorf("alice = %+v", u)
	}
	if len(got.Users) != 2 {
		t.Errorf("users = %v, want alice and bob only (u-gone does not exist)", got.Users)
	}
	if got.Clients["pixel"] != "Pixel Reports" || len(got.Clients) != 1 {
		t.Errorf("clients = %v", got.Clients)
	}
	if got.Workspaces["ws-b"] != "Bob's Studio" || len(got.Workspaces) != 1 {
		t.Errorf("workspaces = %v, want only the one asked for", got.Workspaces)
	}
	if got.APIKeys["key-1"] != "Nightly export" {
		t.Errorf("API keys = %v", got.APIKeys)
	}
	empty, err := s.DisplayNames(context.Background(), models.NameIDs{})
	if err != nil || empty.Users == nil || len(empty.Users)+len(empty.Clients)+len(empty.Workspaces)+len(empty.APIKeys) != 0 {
		t.Errorf("no ids: %+v, %v; want empty, usable maps", empty, err)
	}
}

func TestAuditChoices(t *testing.T) {
	s := namesWorld(t)
	ctx := context.Background()
	tests := []struct {
		workspace string
		want      []string
	}{
		{"", []string{"Pixel Reports", "Studio Tool"}},
		{"ws-b", []string{"Pixel Reports", "Studio Tool"}},
		// Bob's Studio's private app is not Acme Marketing's to see.
		{"ws-a", []string{"Pixel Reports"}},
	}
	for _, tt := range tests {
		got, err := s.AuditClientChoices(ctx, tt.workspace)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		if !slices.Equal(names, tt.want) {
			t.Errorf("AuditClientChoices(%q) = %v, want %v", tt.workspace, names, tt.want)
		}
	}
	ws, err := s.AuditWorkspaceChoices(ctx)
	if err != nil || len(ws) != 2 || ws[0].Name != "Acme Marketing" || ws[0].ID != "ws-a" {
		t.Errorf("AuditWorkspaceChoices() = %v, %v", ws, err)
	}
}
