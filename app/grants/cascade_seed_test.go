package grants_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/grants"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// The world of the cascade benchmark (cascade_bench_test.go): seeded once
// per size into a template file, copied for each destructive run.

const (
	cascadeWorkspaces = 50
	cascadeClientID   = "bench-app"
	// The warm-up app's grant is revoked just before the measured one, so
	// that what a running server has already done once (open a connection,
	// read the schema, GORM's parse of each model) is not measured.
	cascadeWarmUpClientID = "warm-up-app"
	cascadeIssuer         = "https://auth.example.com"
)

// cascadeClock is the fixed time of every seeded database: tokens were
// issued a minute before it and expire long after.
var cascadeClock = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func cascadeNow() time.Time { return cascadeClock }

// cascadeTemplate is a seeded, closed SQLite file that each run copies,
// because both operations are destructive.
type cascadeTemplate struct {
	path       string
	tokens     int
	userID     string
	workspaces []string
	// removed is the workspace remove-workspace takes out of the grant.
	removed string
	// onlyRemoved reaches just the removed workspace: it must be revoked.
	onlyRemoved string
	// withRemoved reaches the removed workspace and withRemovedKeeps.
	withRemoved      string
	withRemovedKeeps []string
	// elsewhere never reached the removed workspace.
	elsewhere      string
	elsewhereReach []string
	// revokedByRemoval is how many tokens reach only the removed workspace.
	revokedByRemoval int64
	seedTime         time.Duration
}

// cascadePlain is the deterministic access token string of an app's i-th
// token.
func cascadePlain(clientID string, i int) string {
	return fmt.Sprintf("%s%s-%07d", secret.PrefixAccessToken, clientID, i)
}

// cascadeReach is the workspaces (indexes into the 50) the i-th token was
// issued for: 1, 2 or 3 consecutive ones, starting at i mod 50. Every
// workspace is reached by as many tokens (1 in 25); 1 in 150 reach
// workspace 0 alone: of 100,000 tokens, removing workspace 0 narrows 3,333
// and revokes 667.
func cascadeReach(i int) []int {
	start, width := i%cascadeWorkspaces, 1+(i/cascadeWorkspaces)%3
	reach := make([]int, width)
	for k := range reach {
		reach[k] = (start + k) % cascadeWorkspaces
	}
	return reach
}

// seedCascade writes a template database under dir: one user who owns 50
// workspaces, and the grants of two apps to all 50 with workspace:read. The
// measured app's grant has n live access tokens spread over the workspaces
// (see cascadeReach); the warm-up app's has a few.
func seedCascade(tb testing.TB, dir string, n int) cascadeTemplate {
	tb.Helper()
	ctx := context.Background()
	started := time.Now()
	tpl := cascadeTemplate{path: filepath.Join(dir, fmt.Sprintf("cascade-%d.db", n)), tokens: n}
	store := storetest.OpenAt(tb, tpl.path)

	user := models.User{ID: uuid.NewString(), Email: "bench@example.com", Name: "Bench", PasswordHash: "unused"}
	if err := store.CreateUser(ctx, &user); err != nil {
		tb.Fatalf("CreateUser: %v", err)
	}
	tpl.userID = user.ID
	for i := range cascadeWorkspaces {
		ws := models.Workspace{ID: uuid.NewString(), Name: fmt.Sprintf("Workspace %02d", i), CreatedByID: user.ID}
		if err := store.CreateWorkspace(ctx, &ws); err != nil {
			tb.Fatalf("CreateWorkspace: %v", err)
		}
		tpl.workspaces = append(tpl.workspaces, ws.ID)
	}
	tpl.removed = tpl.workspaces[0]
	// The signing key is stored now so that each run only loads it.
	if _, err := oauth.LoadKeySet(ctx, store, rand.Reader, cascadeClock); err != nil {
		tb.Fatalf("LoadKeySet: %v", err)
	}
	tpl.revokedByRemoval = seedApp(tb, store, &tpl, cascadeClientID, n)
	seedApp(tb, store, &tpl, cascadeWarmUpClientID, 2*cascadeWorkspaces)

	// Sample tokens, chosen by the pattern of cascadeReach: token 0 reaches
	// workspace 0 alone, token 50 workspaces 0 and 1, token 1 workspace 1.
	tpl.onlyRemoved = cascadePlain(cascadeClientID, 0)
	tpl.withRemoved = cascadePlain(cascadeClientID, cascadeWorkspaces)
	tpl.elsewhere = cascadePlain(cascadeClientID, 1)
	tpl.withRemovedKeeps = []string{tpl.workspaces[1]}
	tpl.elsewhereReach = []string{tpl.workspaces[1]}
	engine := newCascadeEngine(tb, store)
	for _, c := range []struct {
		plain string
		want  []string
	}{
		{tpl.onlyRemoved, []string{tpl.removed}},
		{tpl.withRemoved, sortedIDs(tpl.removed, tpl.workspaces[1])},
		{tpl.elsewhere, tpl.elsewhereReach},
	} {
		if got := reachOf(tb, engine, c.plain); !slices.Equal(got, c.want) {
			tb.Fatalf("seeded token reaches %v, want %v", got, c.want)
		}
	}
	// Closing the last connection checkpoints the WAL into the main file,
	// so the template is that one file.
	if err := store.Close(); err != nil {
		tb.Fatalf("close template: %v", err)
	}
	tpl.seedTime = time.Since(started)
	return tpl
}

// seedApp registers an app, grants it workspace:read in every workspace,
// and stores n live access tokens of that grant, token i issued for the
// workspaces of cascadeReach(i) with the string cascadePlain(clientID, i).
// It reports how many of them reach only the removed workspace.
func seedApp(tb testing.TB, store *models.Store, tpl *cascadeTemplate, clientID string, n int) (onlyRemoved int64) {
	tb.Helper()
	ctx := context.Background()
	client := models.Client{
		ID: clientID, Name: clientID, Type: models.ClientConfidential,
		SecretHash: secret.Hash("oss_" + clientID), RedirectURIs: []string{"https://bench.example.com/callback"},
		AllowedScopes: []string{"openid", "workspace:read"},
	}
	if err := store.CreateClient(ctx, &client); err != nil {
		tb.Fatalf("CreateClient: %v", err)
	}
	grantID, err := store.PutGrant(ctx, uuid.NewString(), tpl.userID, client.ID, "workspace:read", tpl.workspaces, cascadeClock)
	if err != nil {
		tb.Fatalf("PutGrant: %v", err)
	}
	tokens := make([]models.Token, n)
	var reach []models.TokenWorkspace
	issued := cascadeClock.Add(-time.Minute)
	for i := range tokens {
		// Time-ordered ids (UUIDv7), as a server issues them: a grant's
		// tokens, and the family each descends from, lie in their indexes
		// in the order they were issued.
		id := uuid.Must(uuid.NewV7()).String()
		tokens[i] = models.Token{
			ID: id, Hash: secret.Hash(cascadePlain(clientID, i)), Kind: models.AccessToken,
			GrantID: grantID, ClientID: client.ID, UserID: tpl.userID, FamilyID: id,
			Scopes: "workspace:read", NeedsWorkspace: true,
			AuthTime: issued, CreatedAt: issued, ExpiresAt: cascadeClock.Add(24 * time.Hour),
		}
		ws := cascadeReach(i)
		for _, w := range ws {
			reach = append(reach, models.TokenWorkspace{TokenID: id, WorkspaceID: tpl.workspaces[w]})
		}
		if len(ws) == 1 && ws[0] == 0 {
			onlyRemoved++
		}
	}
	if err := store.CreateTokenBatch(ctx, tokens, reach); err != nil {
		tb.Fatalf("CreateTokenBatch: %v", err)
	}
	return onlyRemoved
}

// cascadeRun is one fresh copy of a template, opened with the services a
// request would use.
type cascadeRun struct {
	tpl    *cascadeTemplate
	path   string
	store  *models.Store
	engine *oauth.Engine
	svc    *grants.Service
}

// open copies the template to a new file under dir and opens it.
func (tpl *cascadeTemplate) open(tb testing.TB, dir string) *cascadeRun {
	tb.Helper()
	path := filepath.Join(dir, fmt.Sprintf("run-%s.db", uuid.NewString()))
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(tpl.path+suffix, path+suffix); err != nil && !(suffix != "" && os.IsNotExist(err)) {
			tb.Fatalf("copy template: %v", err)
		}
	}
	store, err := models.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("open copy: %v", err)
	}
	engine := newCascadeEngine(tb, store)
	svc, err := grants.New(store, engine, testRequestKey, cascadeNow)
	if err != nil {
		tb.Fatal(err)
	}
	r := &cascadeRun{tpl: tpl, path: path, store: store, engine: engine, svc: svc}
	// A running server has served requests and run cascades before the one
	// measured: serve a bearer request and run both operations on the
	// warm-up app, so the timing is of the cascade alone.
	if got := reachOf(tb, engine, tpl.elsewhere); !slices.Equal(got, tpl.elsewhereReach) {
		tb.Fatalf("before the cascade, a token reaches %v, want %v", got, tpl.elsewhereReach)
	}
	for _, op := range cascadeOps {
		r.do(tb, op, cascadeWarmUpClientID)
	}
	return r
}

// close closes the copy and deletes its files, so long benchmarks do not
// fill the disk.
func (r *cascadeRun) close(tb testing.TB) {
	tb.Helper()
	if err := r.store.Close(); err != nil {
		tb.Fatalf("close copy: %v", err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(r.path + suffix); err != nil && !os.IsNotExist(err) {
			tb.Fatalf("remove copy: %v", err)
		}
	}
}

// do runs one operation on an app's grant and reports how many tokens it
// revoked.
func (r *cascadeRun) do(tb testing.TB, op, clientID string) int64 {
	tb.Helper()
	ctx := context.Background()
	actor := models.Actor{Type: models.ActorUser, ID: r.tpl.userID}
	switch op {
	case "remove-workspace":
		out, err := r.svc.RemoveWorkspace(ctx, r.tpl.userID, clientID, r.tpl.removed, actor)
		if err != nil {
			tb.Fatalf("RemoveWorkspace: %v", err)
		}
		return out.TokensRevoked
	case "revoke-app":
		n, err := r.svc.Revoke(ctx, r.tpl.userID, clientID, actor)
		if err != nil {
			tb.Fatalf("Revoke: %v", err)
		}
		return n
	}
	tb.Fatalf("unknown operation %q", op)
	return 0
}

// verify checks, the way the next request would, that op took effect: the
// revoked count is exact and sampled bearer tokens see the change.
func (r *cascadeRun) verify(tb testing.TB, op string, revoked int64) {
	tb.Helper()
	tpl := r.tpl
	switch op {
	case "remove-workspace":
		if revoked != tpl.revokedByRemoval {
			tb.Errorf("RemoveWorkspace revoked %d tokens, want %d", revoked, tpl.revokedByRemoval)
		}
		if got := reachOf(tb, r.engine, tpl.onlyRemoved); got != nil {
			tb.Errorf("token that reached only the removed workspace still reaches %v, want invalid_token", got)
		}
		if got := reachOf(tb, r.engine, tpl.withRemoved); !slices.Equal(got, tpl.withRemovedKeeps) {
			tb.Errorf("token that also reached the removed workspace reaches %v, want %v", got, tpl.withRemovedKeeps)
		}
		if got := reachOf(tb, r.engine, tpl.elsewhere); !slices.Equal(got, tpl.elsewhereReach) {
			tb.Errorf("untouched token reaches %v, want %v", got, tpl.elsewhereReach)
		}
	case "revoke-app":
		if revoked != int64(tpl.tokens) {
			tb.Errorf("Revoke revoked %d tokens, want %d", revoked, tpl.tokens)
		}
		for _, plain := range []string{tpl.onlyRemoved, tpl.withRemoved, tpl.elsewhere, cascadePlain(cascadeClientID, tpl.tokens-1)} {
			if got := reachOf(tb, r.engine, plain); got != nil {
				tb.Errorf("token of the revoked app still reaches %v, want invalid_token", got)
			}
		}
	}
}

// reachOf is the workspaces a bearer token reaches now, or nil when it is
// refused with invalid_token.
func reachOf(tb testing.TB, engine *oauth.Engine, plain string) []string {
	tb.Helper()
	a, err := engine.AuthenticateBearer(context.Background(), plain)
	if oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
		return nil
	}
	if err != nil {
		tb.Fatalf("AuthenticateBearer: %v", err)
	}
	return sortedIDs(a.WorkspaceIDs...)
}

func newCascadeEngine(tb testing.TB, store *models.Store) *oauth.Engine {
	tb.Helper()
	keys, err := oauth.LoadKeySet(context.Background(), store, rand.Reader, cascadeClock)
	if err != nil {
		tb.Fatalf("LoadKeySet: %v", err)
	}
	return oauth.New(cascadeIssuer, store, models.DefaultCatalog(), keys, oauth.Options{Now: cascadeNow, Random: rand.Reader})
}

func sortedIDs(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
