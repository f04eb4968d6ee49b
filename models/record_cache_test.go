package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// Every change to a client is seen by the next ClientByID of the store that
// made it, although the client was cached just before.
func TestClientCacheFollowsEveryClientChange(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		change func(ctx context.Context, tx *models.Store, id string) error
		seen   func(c models.Client) bool
	}{
		{"rotate secret", func(ctx context.Context, tx *models.Store, id string) error {
			return tx.SetClientSecretHash(ctx, id, []byte{9, 9}, at)
		}, func(c models.Client) bool { return slices.Equal(c.SecretHash, []byte{9, 9}) }},
		{"disable", func(ctx context.Context, tx *models.Store, id string) error {
			return tx.DisableClient(ctx, id, at)
		}, func(c models.Client) bool { return c.Disabled() }},
		{"edit", func(ctx context.Context, tx *models.Store, id string) error {
			c, err := tx.ClientByID(ctx, id)
			if err != nil {
				return err
			}
			c.Name, c.AllowedScopes = "Renamed", []string{"openid"}
			return tx.UpdateClient(ctx, c, at)
		}, func(c models.Client) bool {
			return c.Name == "Renamed" && slices.Equal(c.AllowedScopes, []string{"openid"})
		}},
		{"redirect URIs", func(ctx context.Context, tx *models.Store, id string) error {
			return tx.SetClientRedirectURIs(ctx, id, []string{"https://new.example.com/cb"})
		}, func(c models.Client) bool {
			return slices.Equal(c.RedirectURIs, []string{"https://new.example.com/cb"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t)
			c := newClient(t, s, "app")
			if _, err := s.ClientByID(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			if err := s.InTx(ctx, func(tx *models.Store) error { return tc.change(ctx, tx, c.ID) }); err != nil {
				t.Fatalf("change: %v", err)
			}
			got, err := s.ClientByID(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.seen(got) {
				t.Fatalf("ClientByID after the change = %+v: the change is not seen", got)
			}
		})
	}
}

// Enabling a disabled client is seen at once too.
func TestClientCacheSeesEnable(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	c := newClient(t, s, "app")
	if err := s.DisableClient(ctx, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClientByID(ctx, c.ID); !got.Disabled() {
		t.Fatal("the client is not disabled")
	}
	if _, err := s.EnableClient(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClientByID(ctx, c.ID); got.Disabled() {
		t.Fatal("ClientByID still answers disabled after EnableClient")
	}
}

// The cache really answers: a row changed behind the store's back (which no
// code path does) is not seen until the epoch moves. A caller changing the
// client it was given does not change the cached one.
func TestClientByIDIsCachedUntilTheEpochMoves(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	c := newClient(t, s, "app")
	other := newClient(t, s, "other")
	got, err := s.ClientByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.RedirectURIs[0], got.SecretHash[0] = "https://evil.example/cb", 0
	if err := s.ExecForTest("UPDATE clients SET name = 'Behind the back' WHERE id = 'app'"); err != nil {
		t.Fatal(err)
	}
	cached, _ := s.ClientByID(ctx, c.ID)
	if cached.Name != c.Name || cached.RedirectURIs[0] != c.RedirectURIs[0] || cached.SecretHash[0] != c.SecretHash[0] {
		t.Fatalf("ClientByID = %+v, want the cached %+v untouched", cached, c)
	}
	if err := s.DisableClient(ctx, other.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if fresh, _ := s.ClientByID(ctx, c.ID); fresh.Name != "Behind the back" {
		t.Fatalf("after the epoch moved ClientByID name = %q, want the stored one", fresh.Name)
	}
}

// A change made by another process (the CLI, another instance) is seen
// within the epoch poll.
func TestClientCacheSeesOtherProcessesChanges(t *testing.T) {
	ctx := context.Background()
	dsn := freshDSN(t)
	a := storetest.OpenDSN(t, dsn)
	b := storetest.OpenDSN(t, dsn)
	c := newClient(t, a, "app")
	if _, err := a.ClientByID(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.InTx(ctx, func(tx *models.Store) error { return tx.DisableClient(ctx, c.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * models.EpochPollEvery)
	for {
		got, err := a.ClientByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Disabled() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("another store's DisableClient unseen after %v", 5*models.EpochPollEvery)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Revoking tokens, the commonest change, leaves the client cache alone:
// a client row changed behind the store's back stays unseen. (A store also
// receives its own changes back from the poller, and on PostgreSQL as
// notifications; it cannot tell them from other processes', so those empty
// the client cache: the poller is stopped here, and PostgreSQL skipped.)
func TestClientCacheSurvivesTokenRevocations(t *testing.T) {
	storetest.SkipOnPostgres(t, "the store's own notification moves the client epoch")
	ctx := context.Background()
	s := storetest.Open(t)
	s.StopEpochPollerForTest()
	tok := liveToken(t, s)
	c := newClient(t, s, "app")
	if _, err := s.ClientByID(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.ExecForTest("UPDATE clients SET name = 'Behind the back' WHERE id = 'app'"); err != nil {
		t.Fatal(err)
	}
	before := s.TokenEpoch()
	if err := s.InTx(ctx, func(tx *models.Store) error {
		n, err := tx.RevokeFamily(ctx, tok.GrantID, tok.FamilyID, time.Now())
		if err == nil && n != 1 {
			err = fmt.Errorf("revoked %d tokens, want 1", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if s.TokenEpoch() == before {
		t.Fatal("a revocation did not move the token epoch")
	}
	if got, _ := s.ClientByID(ctx, c.ID); got.Name != c.Name {
		t.Fatalf("after a revocation ClientByID name = %q, want the cached %q", got.Name, c.Name)
	}
}

// A user is cached like a client: a row changed behind the store's back is
// not seen, but a new password is, by the next UserByID of the store that
// set it and by another process's store within the epoch poll.
func TestUserCacheFollowsPasswordChanges(t *testing.T) {
	ctx := context.Background()
	dsn := freshDSN(t)
	a := storetest.OpenDSN(t, dsn)
	b := storetest.OpenDSN(t, dsn)
	u := newUser(t, a, "cached@example.com")
	for _, s := range []*models.Store{a, b} {
		if _, err := s.UserByID(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.ExecForTest("UPDATE users SET name = 'Behind the back' WHERE id = '" + u.ID + "'"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.UserByID(ctx, u.ID); got.Name != u.Name {
		t.Fatalf("UserByID name = %q, want the cached %q", got.Name, u.Name)
	}
	if err := a.SetPassword(ctx, u.ID, "new-hash"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.UserByID(ctx, u.ID); got.PasswordHash != "new-hash" {
		t.Fatalf("the store that set the password reads hash %q", got.PasswordHash)
	}
	deadline := time.Now().Add(5 * models.EpochPollEvery)
	for {
		got, err := b.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PasswordHash == "new-hash" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("another store's SetPassword unseen after %v", 5*models.EpochPollEvery)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A user's workspaces are cached until the token epoch moves: a row changed
// behind the store's back is not seen, but every membership change and
// every new workspace is, at once. (The store's own changes also come back
// to it through the poller, and on PostgreSQL as notifications, which move
// the epoch too: the poller is stopped here, and on PostgreSQL the change
// behind the back is not checked.)
func TestMembershipCacheFollowsEveryMembershipChange(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	s.StopEpochPollerForTest()
	u := newUser(t, s, "member@example.com")
	first := newWorkspace(t, s, "First", u)
	other := newUser(t, s, "owner@example.com")
	second := newWorkspace(t, s, "Second", other)
	ids := func() []string {
		t.Helper()
		ws, err := s.WorkspacesOf(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, w := range ws {
			out = append(out, w.ID+":"+string(w.Role))
		}
		return out
	}
	want := func(step string, w ...string) {
		t.Helper()
		if got := ids(); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: WorkspacesOf = %v, want %v", step, got, w)
		}
	}
	want("at first", first.ID+":owner")
	if err := s.ExecForTest("UPDATE memberships SET role = 'viewer' WHERE user_id = '" + u.ID + "'"); err != nil {
		t.Fatal(err)
	}
	if !storetest.OnPostgres() {
		want("changed behind the back", first.ID+":owner")
	}
	if err := s.InTx(ctx, func(tx *models.Store) error { return tx.PutMembership(ctx, second.ID, u.ID, models.RoleMember) }); err != nil {
		t.Fatal(err)
	}
	want("added to a workspace", first.ID+":viewer", second.ID+":member")
	third := newWorkspace(t, s, "Third", u)
	want("created a workspace", first.ID+":viewer", second.ID+":member", third.ID+":owner")
	if err := s.InTx(ctx, func(tx *models.Store) error { return tx.DeleteMembership(ctx, second.ID, u.ID) }); err != nil {
		t.Fatal(err)
	}
	want("removed from a workspace", first.ID+":viewer", third.ID+":owner")
}
