package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// benchPasswords are cheap argon2id parameters for the bench users. Each
// worker signs in once, before timing; the production cost of a password
// hash is not what any workload measures. The hash records its parameters,
// so the server checks these passwords at this cost too.
var benchPasswords = argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// seededTokenTTL is how long seeded tokens live: longer than any run.
const seededTokenTTL = 24 * time.Hour

// benchRedirectURI is the bench apps' redirect URI. The driver never
// follows the redirect; it reads the code from the Location header.
const benchRedirectURI = "https://app.bench.example/callback"

// creds are a client's id and secret, with the client_secret_basic header.
type creds struct {
	id, secret string
	auth       string
}

// benchUser is a person the workloads sign in as.
type benchUser struct {
	id, email, password string
	// workspaces are the ids of the workspaces the user owns.
	workspaces []string
}

// seeder writes what the workloads need straight through the store and the
// account and client services, before the server starts: the server then
// opens a database that looks like one it has been serving for a while.
type seeder struct {
	store    *models.Store
	catalog  *models.Catalog
	accounts *accounts.Service
	clients  *clients.Registry
	// tag makes every name unique to one run, so a database that has seen
	// other runs (or a running server's, with --url) takes new ones.
	tag string
	now time.Time
}

func openSeeder(ctx context.Context, path string, catalog *models.Catalog, tag string) (*seeder, error) {
	store, err := models.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		_ = store.Close()
		return nil, fmt.Errorf("database %q: %w", path, err)
	}
	return newSeeder(store, catalog, tag), nil
}

// newSeeder seeds an open, migrated store.
func newSeeder(store *models.Store, catalog *models.Catalog, tag string) *seeder {
	return &seeder{
		store:    store,
		catalog:  catalog,
		accounts: accounts.New(store, accounts.NewPasswords(benchPasswords), accounts.NewThrottle(accounts.DefaultThrottleLimits, time.Now)),
		clients:  clients.NewRegistry(store, catalog, rand.Reader, time.Now),
		tag:      tag,
		now:      time.Now().UTC(),
	}
}

// close closes the store; the last connection to close checkpoints the
// WAL, so the server starts on one tidy file.
func (s *seeder) close() error { return s.store.Close() }

// user creates a person owning n workspaces.
func (s *seeder) user(ctx context.Context, name string, n int) (benchUser, error) {
	u := benchUser{email: fmt.Sprintf("%s-%s@bench.example", name, s.tag), password: "bench-password-" + s.tag}
	created, err := s.accounts.CreateUser(ctx, accounts.NewUser{Email: u.email, Password: u.password, Name: name})
	if err != nil {
		return benchUser{}, fmt.Errorf("seed user %s: %w", name, err)
	}
	u.id = created.ID
	for i := range n {
		w, err := s.accounts.CreateWorkspace(ctx, fmt.Sprintf("%s %02d", name, i), u.email)
		if err != nil {
			return benchUser{}, fmt.Errorf("seed workspace of %s: %w", name, err)
		}
		u.workspaces = append(u.workspaces, w.ID)
	}
	return u, nil
}

// users creates n people named prefix-0…, each owning one workspace.
func (s *seeder) users(ctx context.Context, prefix string, n int) ([]benchUser, error) {
	out := make([]benchUser, n)
	for i := range out {
		u, err := s.user(ctx, fmt.Sprintf("%s-%d", prefix, i), 1)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}

// app registers a confidential client; a resource server may introspect
// every token.
func (s *seeder) app(ctx context.Context, name string, scopes []string, resourceServer bool) (creds, error) {
	reg, err := s.clients.Register(ctx, clients.Registration{
		ID: name + "-" + s.tag, Name: name, RedirectURIs: []string{benchRedirectURI},
		Scopes: scopes, ResourceServer: resourceServer,
	})
	if err != nil {
		return creds{}, fmt.Errorf("seed client %s: %w", name, err)
	}
	return creds{id: reg.Client.ID, secret: reg.Secret, auth: basicAuth(reg.Client.ID, reg.Secret)}, nil
}

// timeOrderedID is a code's or token's id as the server makes them
// (UUIDv7), so that the stored rows lie in their primary keys as a
// server's own would: older than the next one it issues.
func timeOrderedID() string { return uuid.Must(uuid.NewV7()).String() }

// grantTokens gives the user's grant to clientID these scopes in all the
// user's workspaces, and stores n live access tokens of that grant in bulk,
// token i issued for the workspaces reach(i) (indexes into u.workspaces).
// It returns the tokens in clear, in order.
func (s *seeder) grantTokens(ctx context.Context, u benchUser, clientID, scopes string, n int, reach func(i int) []int) ([]string, error) {
	grantID, err := s.store.PutGrant(ctx, uuid.NewString(), u.id, clientID, scopes, u.workspaces, s.now)
	if err != nil {
		return nil, fmt.Errorf("seed grant: %w", err)
	}
	needsWorkspace := s.needsWorkspace(scopes)
	plains := make([]string, n)
	tokens := make([]models.Token, n)
	var reached []models.TokenWorkspace
	for i := range tokens {
		plain, err := secret.NewOrdered(rand.Reader, secret.PrefixAccessToken, s.now)
		if err != nil {
			return nil, err
		}
		id := timeOrderedID()
		plains[i] = plain
		tokens[i] = models.Token{
			ID: id, Hash: secret.Key(plain), Kind: models.AccessToken, GrantID: grantID,
			ClientID: clientID, UserID: u.id, FamilyID: id, Scopes: scopes, NeedsWorkspace: needsWorkspace,
			AuthTime: s.now.Add(-time.Minute), CreatedAt: s.now, ExpiresAt: s.now.Add(seededTokenTTL),
		}
		for _, w := range reach(i) {
			reached = append(reached, models.TokenWorkspace{TokenID: id, WorkspaceID: u.workspaces[w]})
		}
	}
	if err := s.store.CreateTokenBatch(ctx, tokens, reached); err != nil {
		return nil, fmt.Errorf("seed %d tokens: %w", n, err)
	}
	return plains, nil
}

// needsWorkspace tells whether tokens of these scopes (space-separated)
// act in workspaces, as the server decides it.
func (s *seeder) needsWorkspace(scopes string) bool {
	for _, name := range strings.Fields(scopes) {
		if sc, ok := s.catalog.Lookup(name); ok && sc.Workspace {
			return true
		}
	}
	return false
}

// firstWorkspace is the reach of every token of a user with one workspace.
func firstWorkspace(int) []int { return []int{0} }
