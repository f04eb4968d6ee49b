package grants_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/grants"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// consentScreen starts a prompt=consent request for env's user and returns
// the signed request its form carries.
func consentScreen(t *testing.T, env *authorizeBench) string {
	t.Helper()
	q := url.Values{}
	for k, v := range env.query {
		q[k] = v
	}
	q.Set("prompt", "consent")
	req, err := env.engine.ValidateAuthorize(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	start, err := env.grants.Begin(context.Background(), env.user, time.Now(), req)
	if err != nil || start.Screen == nil {
		t.Fatalf("Begin = %+v, %v; want the consent screen", start, err)
	}
	return start.Screen.SignedRequest
}

// grantOf is the user's live grant, or ok false.
func grantOf(t *testing.T, env *authorizeBench) (models.ActiveGrant, bool) {
	t.Helper()
	g, err := env.store.ActiveGrantOf(context.Background(), env.user.ID, env.query.Get("client_id"))
	if errors.Is(err, models.ErrNotFound) {
		return g, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return g, true
}

// grantRow is the user's live grant row as stored (zero for none).
func grantRow(t *testing.T, env *authorizeBench) models.Grant {
	t.Helper()
	g, ok := grantOf(t, env)
	if !ok {
		return models.Grant{}
	}
	row, err := env.store.GrantByID(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	return row
}

func approveAll(env *authorizeBench) grants.Decision {
	return grants.Decision{Approve: true, Scopes: []string{"openid", "workspace:read", "offline_access"}, WorkspaceIDs: []string{env.ws}}
}

// TestDecideRefusesRequestsItCannotTrust: a consent form whose request was
// altered, made for someone else or expired grants nothing and issues no
// code.
func TestDecideRefusesRequestsItCannotTrust(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Now())
	env := newAuthorizeBench(t, clock.Now)
	signed := consentScreen(t, env)
	payload, sig, _ := strings.Cut(signed, ".")
	mallory := env.user
	mallory.ID = "someone-else"

	cases := []struct {
		name    string
		request string
		user    models.User
		advance time.Duration
	}{
		{"empty", "", env.user, 0},
		{"no signature", payload, env.user, 0},
		{"signature of another payload", consentScreen(t, env)[:len(payload)] + "." + sig, env.user, 0},
		{"payload altered", strings.ToUpper(payload[:4]) + payload[4:] + "." + sig, env.user, 0},
		{"signature altered", payload + "." + strings.Repeat("A", len(sig)), env.user, 0},
		{"not base64", payload + ".!!!", env.user, 0},
		{"another user's request", signed, mallory, 0},
		{"expired", signed, env.user, oauth.ConsentTTL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(tc.advance)
			defer clock.Advance(-tc.advance)
			_, err := env.grants.Decide(ctx, tc.user, tc.request, approveAll(env), benchActor)
			if !errors.Is(err, grants.ErrRequestGone) {
				t.Fatalf("Decide = %v, want ErrRequestGone", err)
			}
			if _, ok := grantOf(t, env); ok {
				t.Fatal("a grant was made")
			}
		})
	}
	// The same request, untouched, is still good.
	redirect, err := env.grants.Decide(ctx, env.user, signed, approveAll(env), benchActor)
	if err != nil || !strings.Contains(redirect, "code=") {
		t.Fatalf("Decide = %q, %v; want a code", redirect, err)
	}
}

// TestDecideAnswersARequestOnce: whatever the first answer was, a second
// one to the same request is refused and changes nothing.
func TestDecideAnswersARequestOnce(t *testing.T) {
	ctx := context.Background()
	deny := grants.Decision{}
	for _, tc := range []struct {
		name          string
		first, second func(env *authorizeBench) grants.Decision
		wantGrant     bool
	}{
		{"approve then approve", approveAll, approveAll, true},
		{"deny then approve", func(*authorizeBench) grants.Decision { return deny }, approveAll, false},
		{"approve then deny", approveAll, func(*authorizeBench) grants.Decision { return deny }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newAuthorizeBench(t, time.Now)
			signed := consentScreen(t, env)
			if _, err := env.grants.Decide(ctx, env.user, signed, tc.first(env), benchActor); err != nil {
				t.Fatalf("first answer: %v", err)
			}
			before := grantRow(t, env)
			_, err := env.grants.Decide(ctx, env.user, signed, tc.second(env), benchActor)
			if !errors.Is(err, grants.ErrRequestGone) {
				t.Fatalf("second answer = %v, want ErrRequestGone", err)
			}
			_, ok := grantOf(t, env)
			if after := grantRow(t, env); ok != tc.wantGrant || after.ID != before.ID || !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Fatalf("grant after the second answer = %+v (live %v), want it as the first answer left it (%+v)", after, ok, before)
			}
		})
	}
}

// TestDecideWithChoicesToFixKeepsTheRequest: a submission that needs
// fixing re-shows the screen with the same request, still unanswered.
func TestDecideWithChoicesToFixKeepsTheRequest(t *testing.T) {
	ctx := context.Background()
	env := newAuthorizeBench(t, time.Now)
	signed := consentScreen(t, env)
	_, err := env.grants.Decide(ctx, env.user, signed, grants.Decision{Approve: true}, benchActor)
	var choice *grants.ChoiceError
	if !errors.As(err, &choice) || choice.Screen.ScopeError == "" {
		t.Fatalf("Decide with nothing ticked = %v, want a ChoiceError", err)
	}
	if choice.Screen.SignedRequest != signed {
		t.Fatal("the re-shown screen carries another request")
	}
	if _, err := env.grants.Decide(ctx, env.user, signed, approveAll(env), benchActor); err != nil {
		t.Fatalf("answering after the fix: %v", err)
	}
}

// TestDecideRefusesRequestsTheClientMayNoLongerMake: a request signed by a
// server with another key is not this server's; and one whose redirect URI
// or scope the client lost since the screen was shown gets no code.
func TestDecideRefusesRequestsTheClientMayNoLongerMake(t *testing.T) {
	ctx := context.Background()
	env := newAuthorizeBench(t, time.Now)
	clientID := env.query.Get("client_id")
	client, err := env.store.ClientByID(ctx, clientID)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("signed with another key", func(t *testing.T) {
		other, err := grants.New(env.store, env.engine, []byte("another-server-s-consent-request-key"), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		elsewhere := *env
		elsewhere.grants = other
		signed := consentScreen(t, &elsewhere)
		if _, err := env.grants.Decide(ctx, env.user, signed, approveAll(env), benchActor); !errors.Is(err, grants.ErrRequestGone) {
			t.Fatalf("Decide = %v, want ErrRequestGone", err)
		}
		if _, err := other.Decide(ctx, env.user, signed, approveAll(env), benchActor); err != nil {
			t.Fatalf("the server that signed it: Decide = %v", err)
		}
		if err := env.store.InTx(ctx, func(tx *models.Store) error {
			_, err := tx.RevokeGrant(ctx, mustGrant(t, env).ID, time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct {
		name   string
		change func(tx *models.Store) error
	}{
		{"redirect URI removed", func(tx *models.Store) error {
			return tx.SetClientRedirectURIs(ctx, clientID, []string{"https://pixel.example/elsewhere"})
		}},
		{"scope no longer allowed", func(tx *models.Store) error {
			c := client
			c.AllowedScopes = []string{"openid", "workspace:read"}
			return tx.UpdateClient(ctx, c, time.Now())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed := consentScreen(t, env)
			if err := env.store.InTx(ctx, tc.change); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := env.store.InTx(ctx, func(tx *models.Store) error { return tx.UpdateClient(ctx, client, time.Now()) }); err != nil {
					t.Fatal(err)
				}
			}()
			if _, err := env.grants.Decide(ctx, env.user, signed, approveAll(env), benchActor); !errors.Is(err, grants.ErrRequestGone) {
				t.Fatalf("Decide = %v, want ErrRequestGone", err)
			}
			if _, ok := grantOf(t, env); ok {
				t.Fatal("a grant was made")
			}
		})
	}
}

func mustGrant(t *testing.T, env *authorizeBench) models.ActiveGrant {
	t.Helper()
	g, ok := grantOf(t, env)
	if !ok {
		t.Fatal("no grant")
	}
	return g
}
