package models_test

import (
	"context"
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

// putGrant stores a live grant and returns its id.
func putGrant(t *testing.T, s *models.Store, user models.User, clientID, scopes string, workspaces []string, at time.Time) string {
	t.Helper()
	id, err := s.PutGrant(context.Background(), uuid.NewString(), user.ID, clientID, scopes, workspaces, at)
	if err != nil {
		t.Fatalf("put grant: %v", err)
	}
	return id
}

// putToken stores a token of a grant and returns it.
func putToken(t *testing.T, s *models.Store, user models.User, clientID, grantID, scopes string, kind models.TokenKind, expires time.Time) models.Token {
	t.Helper()
	tok := models.Token{
		ID: uuid.NewString(), Hash: []byte(uuid.NewString())[:32], Kind: kind, GrantID: grantID, ClientID: clientID,
		UserID: user.ID, FamilyID: uuid.NewString(), Scopes: scopes, ExpiresAt: expires,
	}
	if err := s.CreateTokens(context.Background(), nil, &tok); err != nil {
		t.Fatalf("create token: %v", err)
	}
	return tok
}

func TestCountPlatform(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	now := time.Now()
	alice, bob := newUser(t, s, "alice@example.com"), newUser(t, s, "bob@example.com")
	newWorkspace(t, s, "Acme", alice)
	newClient(t, s, "pixel")
	newClient(t, s, "other")
	live := putGrant(t, s, alice, "pixel", "openid", nil, now)
	gone := putGrant(t, s, bob, "pixel", "openid", nil, now)
	putToken(t, s, alice, "pixel", live, "openid", models.AccessToken, now.Add(time.Hour))
	putToken(t, s, alice, "pixel", live, "openid", models.RefreshToken, now.Add(24*time.Hour))
	putToken(t, s, alice, "pixel", live, "openid", models.AccessToken, now.Add(-time.Minute)) // expired
	rotated := putToken(t, s, alice, "pixel", live, "openid", models.RefreshToken, now.Add(time.Hour))
	if _, err := s.MarkRefreshRotated(ctx, rotated.ID, now); err != nil {
		t.Fatal(err)
	}
	putToken(t, s, bob, "pixel", gone, "openid", models.AccessToken, now.Add(time.Hour))
	if _, err := s.RevokeGrant(ctx, gone, now); err != nil {
		t.Fatal(err)
	}
	got, err := s.CountPlatform(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	want := models.PlatformCounts{Users: 2, Workspaces: 1, Clients: 2, ActiveGrants: 1, LiveTokens: 2}
	if got != want {
		t.Errorf("CountPlatform = %+v, want %+v", got, want)
	}
}

func TestEachGrantChange(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i, ev := range []struct {
		action string
		at     time.Time
	}{
		{"grant.created", day.Add(-time.Hour)}, // before the window
		{"grant.created", day.Add(2 * time.Hour)},
		{"grant.updated", day.Add(3 * time.Hour)},
		{"grant.revoked", day.Add(26 * time.Hour)},
		{"tokens.revoked", day.Add(26 * time.Hour)},
		{"grant.created", day.Add(time.Hour)}, // appended later, happened earlier
	} {
		err := s.InTx(ctx, func(tx *models.Store) error {
			_, err := tx.AppendAudit(ctx, models.Actor{Type: models.ActorSystem, ID: fmt.Sprint(i)}, models.AuditRecord{Action: ev.action}, ev.at)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err := s.EachGrantChange(ctx, day, func(action string, at time.Time) {
		got = append(got, action+"@"+at.UTC().Format("02T15"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "grant.created@20T01 grant.created@20T02 grant.revoked@21T02"; strings.Join(got, " ") != want {
		t.Errorf("changes = %s, want %s", strings.Join(got, " "), want)
	}
}

// grantWorld is one client with grants of six users, created one minute
// apart except the last three, created in the same instant.
type grantWorld struct {
	s              *models.Store
	users          []models.User
	grants         []string
	acme, acmeDesk models.Workspace
}

func newGrantWorld(t *testing.T) grantWorld {
	t.Helper()
	s := storetest.Open(t)
	w := grantWorld{s: s}
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := range 6 {
		w.users = append(w.users, newUser(t, s, fmt.Sprintf("user%d@example.com", i)))
	}
	w.acme = newWorkspace(t, s, "Acme 100%", w.users[0])
	w.acmeDesk = newWorkspace(t, s, "Acme_Design", w.users[0])
	newClient(t, s, "pixel")
	newClient(t, s, "render")
	for i, u := range w.users {
		ws := []string{w.acme.ID}
		if i%2 == 1 {
			ws = []string{w.acmeDesk.ID, w.acme.ID}
		}
		client := "pixel"
		if i == 5 {
			client = "render"
		}
		w.grants = append(w.grants, putGrant(t, s, u, client, "openid workspace:read", ws, base.Add(time.Duration(min(i, 3))*time.Minute)))
	}
	return w
}

func TestSearchGrantsPagesByKeyset(t *testing.T) {
	ctx := context.Background()
	w := newGrantWorld(t)
	// Revoked grants are not listed.
	extra := newUser(t, w.s, "gone@example.com")
	gone := putGrant(t, w.s, extra, "pixel", "openid", nil, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	if _, err := w.s.RevokeGrant(ctx, gone, time.Now()); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var cursor models.GrantCursor
	for page := 0; ; page++ {
		got, next, err := w.s.SearchGrants(ctx, models.GrantSearch{After: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 2 {
			t.Fatalf("page %d has %d grants, want at most 2", page, len(got))
		}
		for _, g := range got {
			seen = append(seen, g.UserEmail)
		}
		if page == 0 {
			// A grant created now, between two page loads, does not shift
			// the pages that follow.
			putGrant(t, w.s, newUser(t, w.s, "late@example.com"), "pixel", "openid", nil, time.Now())
		}
		if next.IsZero() {
			break
		}
		cursor = next
	}
	// Newest first; the three created together in id order, descending.
	if len(seen) != 6 || seen[0] == "late@example.com" || slices.Contains(seen, "gone@example.com") {
		t.Fatalf("pages = %v, want the six live grants once each", seen)
	}
	sorted := slices.Clone(seen)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != 6 {
		t.Errorf("pages repeat a grant: %v", seen)
	}
	if got := seen[3:]; !slices.Equal(got, []string{"user2@example.com", "user1@example.com", "user0@example.com"}) {
		t.Errorf("oldest three = %v, want by created time, newest first", got)
	}
}

func TestSearchGrantsFilters(t *testing.T) {
	ctx := context.Background()
	w := newGrantWorld(t)
	tests := []struct {
		name string
		q    models.GrantSearch
		want []int // indexes of users
	}{
		{"email substring, any case", models.GrantSearch{UserEmail: "USER3"}, []int{3}},
		{"client by name", models.GrantSearch{Client: "App REN"}, []int{5}},
		{"client by id", models.GrantSearch{Client: "pixel"}, []int{0, 1, 2, 3, 4}},
		{"workspace by name", models.GrantSearch{Workspace: "acme_design"}, []int{1, 3, 5}},
		{"workspace by id", models.GrantSearch{Workspace: w.acmeDesk.ID}, []int{1, 3, 5}},
		{"LIKE wildcards are literal: %", models.GrantSearch{Workspace: "100%"}, []int{0, 1, 2, 3, 4, 5}},
		{"LIKE wildcards are literal: _", models.GrantSearch{Workspace: "e_d"}, []int{1, 3, 5}},
		{"an underscore matches no other letter", models.GrantSearch{UserEmail: "user_"}, nil},
		{"together", models.GrantSearch{UserEmail: "user", Client: "pixel", Workspace: "design"}, []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := w.s.SearchGrants(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var emails, want []string
			for _, g := range got {
				emails = append(emails, g.UserEmail)
			}
			for _, i := range tt.want {
				want = append(want, w.users[i].Email)
			}
			slices.Sort(emails)
			if !slices.Equal(emails, want) || !next.IsZero() {
				t.Errorf("got %v (next %v), want %v", emails, next, want)
			}
		})
	}
	all, _, err := w.s.SearchGrants(ctx, models.GrantSearch{UserEmail: "user1@"})
	if err != nil || len(all) != 1 {
		t.Fatalf("search user1: %v, %v", all, err)
	}
	g := all[0]
	if g.ClientName != "App pixel" || g.Scopes != "openid workspace:read" || g.UserName != "user1@example.com" ||
		len(g.Workspaces) != 2 || g.Workspaces[0].Name != "Acme 100%" || g.Workspaces[1].Name != "Acme_Design" {
		t.Errorf("grant row = %+v", g)
	}
}

func TestNarrowClientScopes(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice, bob := newUser(t, s, "alice@example.com"), newUser(t, s, "bob@example.com")
	w := newWorkspace(t, s, "Acme", alice)
	newClient(t, s, "pixel")
	newClient(t, s, "other")
	now := time.Now()
	aliceGrant := putGrant(t, s, alice, "pixel", "openid workspace:read offline_access", []string{w.ID}, now)
	bobGrant := putGrant(t, s, bob, "pixel", "workspace:read", []string{w.ID}, now)
	otherGrant := putGrant(t, s, alice, "other", "openid workspace:read", []string{w.ID}, now)
	aliceTok := putToken(t, s, alice, "pixel", aliceGrant, "openid workspace:read offline_access", models.AccessToken, now.Add(time.Hour))
	bobTok := putToken(t, s, bob, "pixel", bobGrant, "workspace:read", models.AccessToken, now.Add(time.Hour))
	otherTok := putToken(t, s, alice, "other", otherGrant, "openid workspace:read", models.AccessToken, now.Add(time.Hour))
	epoch := s.TokenEpoch()

	var got models.ScopeNarrowing
	err := s.InTx(ctx, func(tx *models.Store) error {
		var err error
		got, err = tx.NarrowClientScopes(ctx, "pixel", []string{"workspace:read", "profile"}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := (models.ScopeNarrowing{GrantsNarrowed: 2, GrantsRevoked: 1, TokensRevoked: 1}); got != want {
		t.Errorf("narrowing = %+v, want %+v", got, want)
	}
	if s.TokenEpoch() == epoch {
		t.Error("narrowing did not move the token epoch")
	}
	check := func(grantID, wantScopes string, wantLive bool) {
		t.Helper()
		g, err := s.GrantByID(ctx, grantID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Scopes != wantScopes || (g.RevokedAt == nil) != wantLive {
			t.Errorf("grant %s = %q revoked %v, want %q live %v", grantID, g.Scopes, g.RevokedAt, wantScopes, wantLive)
		}
	}
	check(aliceGrant, "openid offline_access", true)
	check(bobGrant, "", false)
	check(otherGrant, "openid workspace:read", true)
	for _, tt := range []struct {
		tok    models.Token
		scopes string
		live   bool
	}{{aliceTok, "openid offline_access", true}, {bobTok, "", false}, {otherTok, "openid workspace:read", true}} {
		tok, err := s.TokenByHash(ctx, tt.tok.Kind, tt.tok.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if tok.Scopes != tt.scopes || (tok.RevokedAt == nil) != tt.live {
			t.Errorf("token of %s = %q revoked %v, want %q live %v", tt.tok.ClientID, tok.Scopes, tok.RevokedAt, tt.scopes, tt.live)
		}
	}
	if _, err := s.ActiveGrantOf(ctx, bob.ID, "pixel"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("bob's emptied grant is still active: %v", err)
	}
	rows, _, err := s.SearchGrants(ctx, models.GrantSearch{Client: "pixel"})
	if err != nil || len(rows) != 1 {
		t.Errorf("live pixel grants after narrowing = %d, %v; want alice's only", len(rows), err)
	}
}

func TestClientAdminWrites(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	c := newClient(t, s, "pixel")
	now := time.Now()

	c.Name, c.RedirectURIs, c.AllowedScopes, c.ResourceServer = "Pixel 2", []string{"https://x.example/cb"}, []string{"openid"}, true
	c.Type, c.SecretHash = models.ClientPublic, nil // not editable: must be ignored
	if err := s.UpdateClient(ctx, c, now); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClientByID(ctx, "pixel")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Pixel 2" || !got.ResourceServer || got.Public() || len(got.SecretHash) == 0 || got.AllowedScopes[0] != "openid" {
		t.Errorf("after UpdateClient = %+v", got)
	}
	if err := s.UpdateClient(ctx, models.Client{ID: "nope", Name: "x"}, now); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("UpdateClient(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.SetClientSecretHash(ctx, "pixel", []byte{9, 9}, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClientByID(ctx, "pixel"); !slices.Equal(got.SecretHash, []byte{9, 9}) {
		t.Errorf("secret hash = %v", got.SecretHash)
	}
	if changed, err := s.EnableClient(ctx, "pixel"); changed || err != nil {
		t.Errorf("EnableClient(enabled) = %v, %v; want false, nil", changed, err)
	}
	if err := s.DisableClient(ctx, "pixel", now); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.EnableClient(ctx, "pixel"); !changed || err != nil {
		t.Errorf("EnableClient(disabled) = %v, %v; want true, nil", changed, err)
	}
	if got, _ := s.ClientByID(ctx, "pixel"); got.Disabled() {
		t.Error("still disabled after EnableClient")
	}
	if _, err := s.EnableClient(ctx, "nope"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("EnableClient(unknown) = %v, want ErrNotFound", err)
	}
	newClient(t, s, "another")
	list, err := s.Clients(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "another" {
		t.Errorf("Clients = %v, %v; want both, by name", list, err)
	}
}

func TestWorkspaceMembers(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	alice, bob, carol := newUser(t, s, "alice@example.com"), newUser(t, s, "bob@example.com"), newUser(t, s, "carol@example.com")
	acme := newWorkspace(t, s, "Acme", alice)
	other := newWorkspace(t, s, "Other", carol)
	if err := s.PutMembership(ctx, acme.ID, bob.ID, models.RoleViewer); err != nil {
		t.Fatal(err)
	}
	got, err := s.WorkspaceMembers(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	var desc []string
	for _, m := range got {
		desc = append(desc, m.Email+":"+string(m.Role))
	}
	if want := "alice@example.com:owner bob@example.com:viewer"; strings.Join(desc, " ") != want {
		t.Errorf("members = %v, want %s (no one from another workspace)", desc, want)
	}
	if got, _ := s.WorkspaceMembers(ctx, other.ID); len(got) != 1 || got[0].UserID != carol.ID {
		t.Errorf("other's members = %+v", got)
	}
}
