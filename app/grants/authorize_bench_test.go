package grants_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/grants"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// authorizeBench is one user, one workspace and one client, with the engine
// and consent service wired as in production.
type authorizeBench struct {
	store  *models.Store
	engine *oauth.Engine
	grants *grants.Service
	user   models.User
	query  url.Values
	ws     string
}

// testRequestKey signs the consent requests of these tests.
var testRequestKey = []byte("consentry-grants-test-request-key-32b")

// newAuthorizeBench builds the environment with the given clock (the
// engine's and the consent service's).
func newAuthorizeBench(b testing.TB, now func() time.Time) *authorizeBench {
	b.Helper()
	ctx := context.Background()
	store := storetest.Open(b)
	catalog := models.DefaultCatalog()
	keys, err := oauth.LoadKeySet(ctx, store, rand.Reader, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	engine := oauth.New("http://127.0.0.1:8080", store, catalog, keys, oauth.Options{Now: now, Random: rand.Reader})
	user := models.User{ID: "u1", Email: "alice@example.com", Name: "Alice", PasswordHash: "x"}
	if err := store.CreateUser(ctx, &user); err != nil {
		b.Fatal(err)
	}
	ws := models.Workspace{ID: "w1", Name: "Acme", CreatedByID: user.ID}
	if err := store.CreateWorkspace(ctx, &ws); err != nil {
		b.Fatal(err)
	}
	reg, err := clients.NewRegistry(store, catalog, rand.Reader, time.Now).Register(ctx, clients.Registration{
		Name: "Pixel", RedirectURIs: []string{"https://pixel.example/cb"}, Scopes: catalog.Names(),
	})
	if err != nil {
		b.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	q := url.Values{
		"client_id": {reg.Client.ID}, "redirect_uri": {"https://pixel.example/cb"}, "response_type": {"code"},
		"scope": {"openid workspace:read offline_access"}, "state": {"s"}, "code_challenge_method": {"S256"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
	}
	svc, err := grants.New(store, engine, testRequestKey, now)
	if err != nil {
		b.Fatal(err)
	}
	return &authorizeBench{store: store, engine: engine, grants: svc, user: user, query: q, ws: ws.ID}
}

var benchActor = models.Actor{Type: models.ActorUser, ID: "u1"}

// BenchmarkAuthorizeToCode measures the server side of an authorization:
// validating the request, then either the consent screen and the approval
// (prompt=consent), or the skip when nothing new is asked.
func BenchmarkAuthorizeToCode(b *testing.B) {
	ctx := context.Background()
	b.Run("through consent", func(b *testing.B) {
		env := newAuthorizeBench(b, time.Now)
		q := url.Values{}
		for k, v := range env.query {
			q[k] = v
		}
		q.Set("prompt", "consent")
		decision := grants.Decision{Approve: true, Scopes: []string{"openid", "workspace:read", "offline_access"}, WorkspaceIDs: []string{env.ws}}
		b.ResetTimer()
		for b.Loop() {
			req, err := env.engine.ValidateAuthorize(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			start, err := env.grants.Begin(ctx, env.user, time.Now(), req)
			if err != nil || start.Screen == nil {
				b.Fatalf("Begin = %+v, %v; want the consent screen", start, err)
			}
			if _, err := env.grants.Decide(ctx, env.user, start.Screen.SignedRequest, decision, benchActor); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("nothing new asked", func(b *testing.B) {
		env := newAuthorizeBench(b, time.Now)
		req, err := env.engine.ValidateAuthorize(ctx, env.query)
		if err != nil {
			b.Fatal(err)
		}
		start, err := env.grants.Begin(ctx, env.user, time.Now(), req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := env.grants.Decide(ctx, env.user, start.Screen.SignedRequest, grants.Decision{
			Approve: true, Scopes: []string{"openid", "workspace:read", "offline_access"}, WorkspaceIDs: []string{env.ws},
		}, benchActor); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			req, err := env.engine.ValidateAuthorize(ctx, env.query)
			if err != nil {
				b.Fatal(err)
			}
			start, err := env.grants.Begin(ctx, env.user, time.Now(), req)
			if err != nil || start.RedirectURL == "" {
				b.Fatalf("Begin = %+v, %v; want a code at once", start, err)
			}
		}
	})
}
