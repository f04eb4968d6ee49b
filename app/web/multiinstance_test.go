package web

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// Several instances behind a load balancer share one PostgreSQL database and
// one issuer. These tests run two real servers, each with its own store
// (pool, bearer cache, token epoch), on one database, and check that they
// behave as one. They need PostgreSQL and skip, saying so, without it.

// crossInstanceBound is how soon instance B must refuse a token revoked on
// instance A: NOTIFY delivery, far below the 200 ms poll that is only the
// fallback.
const crossInstanceBound = 100 * time.Millisecond

// startInstance runs one server on store, answering on its own loopback
// port under the shared issuer. With seed it also signs up alice (owner of
// Acme Marketing) and bob, as newFixture does.
func startInstance(t *testing.T, store *models.Store, issuer string, ln net.Listener, seed bool) *liveServer {
	t.Helper()
	ctx := context.Background()
	cfg := Config{Issuer: issuer, SessionKey: testSessionKey, Logger: slog.New(slog.DiscardHandler)}
	svc, err := NewServices(ctx, store, models.DefaultCatalog(), ServiceOptions{
		Issuer: issuer, SessionKey: cfg.SessionKey, Passwords: cheapPasswords, Throttle: accounts.DefaultThrottleLimits,
		Now: time.Now, Random: rand.Reader,
	})
	if err != nil {
		t.Fatalf("new services: %v", err)
	}
	server, err := New(cfg, svc)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	f := &fixture{t: t, server: server, store: store, users: svc.Accounts}
	if seed {
		for _, u := range []accounts.NewUser{
			{Email: "alice@example.com", Password: "alice-password", Name: "Alice Example"},
			{Email: "bob@example.com", Password: "bob-password", Name: "Bob Builder"},
		} {
			if _, err := f.users.CreateUser(ctx, u); err != nil {
				t.Fatalf("create user: %v", err)
			}
		}
		if _, err := f.users.CreateWorkspace(ctx, "Acme Marketing", "alice@example.com"); err != nil {
			t.Fatalf("create workspace: %v", err)
		}
	}
	serveCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(serveCtx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &liveServer{fixture: f, base: "http://" + ln.Addr().String()}
}

// startPair starts instances A and B on one fresh PostgreSQL database. The
// issuer is A's address, standing for the load balancer's name.
func startPair(t *testing.T) (a, b *liveServer, dsn string) {
	t.Helper()
	dsn = storetest.NewPostgresDatabase(t)
	listeners := make([]net.Listener, 2)
	for i := range listeners {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		listeners[i] = ln
	}
	issuer := "http://" + listeners[0].Addr().String()
	a = startInstance(t, storetest.OpenDSN(t, dsn), issuer, listeners[0], true)
	b = startInstance(t, storetest.OpenDSN(t, dsn), issuer, listeners[1], false)
	return a, b, dsn
}

// on is the same person (cookie jar and all) talking to another instance,
// as a load balancer without sticky sessions would send them.
func (p *person) on(l *liveServer) *person { return &person{t: p.t, live: l, http: p.http} }

// bearerStatus is the status of GET /api/v1/me with token on an instance.
func bearerStatus(t *testing.T, l *liveServer, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, l.base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/me: %v", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// tokenRequest posts to an instance's token or revocation endpoint as app.
func tokenRequest(t *testing.T, l *liveServer, app *oauthApp, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, l.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(app.id), url.QueryEscape(app.secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", path, err)
		return 0, nil
	}
	defer res.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &body)
	return res.StatusCode, body
}

// approve runs alice's consent for app on A and returns the code.
func approve(t *testing.T, alice *person, app *oauthApp, f flow, scopes []string, workspaces []string) string {
	t.Helper()
	form := alice.authorize(f.authURL(app, scopes...))
	res := alice.decide(form, "approve", scopes, workspaces)
	if res.status != http.StatusSeeOther {
		t.Fatalf("approve: status %d\n%s", res.status, res.body)
	}
	return redirectParams(t, app, res.location).Get("code")
}

func TestTwoInstancesOnOnePostgreSQLBehaveAsOne(t *testing.T) {
	a, b, dsn := startPair(t)
	app := a.registerApp(t, "Pixel Reports")
	alice := a.person(t)
	alice.signIn("alice@example.com", "alice-password")
	marketing := a.workspaceID(t, "alice@example.com", "Acme Marketing")
	scopes := []string{"openid", "profile", "workspace:read", "offline_access"}

	t.Run("a session started on A is good on B", func(t *testing.T) {
		res := alice.on(b).get("/apps")
		if res.status != http.StatusOK || !strings.Contains(res.body, "Alice") {
			t.Fatalf("GET /apps on B with A's session cookie: status %d location %q, want alice's page", res.status, res.location)
		}
	})

	t.Run("a token revoked on A is refused by B on its very next request", func(t *testing.T) {
		f := newFlow()
		tok := f.exchange(t, app, approve(t, alice, app, f, scopes, []string{marketing}))
		raw, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close(context.Background())
		access, refresh := tok.AccessToken, tok.RefreshToken
		for round := range 3 {
			// Let notifications of the set-up's own changes (the consent)
			// arrive first, so that only the revocation below moves B's
			// epoch.
			time.Sleep(50 * time.Millisecond)
			if got := bearerStatus(t, b, access); got != http.StatusOK {
				t.Fatalf("round %d: B refuses a live token: %d", round, got)
			}
			// B now answers from its cache: a row changed behind its back
			// (no epoch move, as no real change would) goes unnoticed.
			// That is what the invalidation below has to overcome.
			if _, err := raw.Exec(context.Background(), "UPDATE tokens SET revoked_at = now() WHERE hash = $1", secret.Key(access)); err != nil {
				t.Fatal(err)
			}
			if got := bearerStatus(t, b, access); got != http.StatusOK {
				t.Fatalf("round %d: B read the token again (status %d) instead of using its cache", round, got)
			}
			if _, err := raw.Exec(context.Background(), "UPDATE tokens SET revoked_at = NULL WHERE hash = $1", secret.Key(access)); err != nil {
				t.Fatal(err)
			}

			if status, body := tokenRequest(t, a, app, "/oauth/revoke", url.Values{"token": {access}}); status != http.StatusOK {
				t.Fatalf("round %d: revoke on A: %d %v", round, status, body)
			}
			revoked := time.Now()
			for bearerStatus(t, b, access) != http.StatusUnauthorized {
				if time.Since(revoked) > crossInstanceBound {
					t.Fatalf("round %d: B still accepts the token %s after A revoked it", round, crossInstanceBound)
				}
				time.Sleep(time.Millisecond)
			}
			t.Logf("round %d: B refused the token %s after A's revocation returned", round, time.Since(revoked).Round(time.Microsecond))

			// The next round's tokens come from a refresh on B.
			status, body := tokenRequest(t, b, app, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
			if status != http.StatusOK {
				t.Fatalf("round %d: refresh on B: %d %v", round, status, body)
			}
			access, _ = body["access_token"].(string)
			refresh, _ = body["refresh_token"].(string)
		}
		// The refresh token B rotated away is spent on A too.
		if status, _ := tokenRequest(t, a, app, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}); status != http.StatusBadRequest {
			t.Errorf("reusing a rotated refresh token on A: status %d, want 400", status)
		}
	})

	t.Run("a code redeemed on both instances at once succeeds exactly once", func(t *testing.T) {
		for round := range 3 {
			racer := a.registerApp(t, "Racer")
			f := newFlow()
			code := approve(t, alice, racer, f, []string{"openid", "profile"}, nil)
			form := url.Values{
				"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {racer.redirectURI}, "code_verifier": {f.verifier},
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			statuses := map[int]int{}
			start := make(chan struct{})
			for i := range 4 {
				instance := a
				if i%2 == 1 {
					instance = b
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status, _ := tokenRequest(t, instance, racer, "/oauth/token", form)
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			if statuses[http.StatusOK] != 1 || statuses[http.StatusBadRequest] != 3 {
				t.Fatalf("round %d: statuses %v, want exactly one 200 and three 400", round, statuses)
			}
		}
	})

	t.Run("both instances extended one audit chain", func(t *testing.T) {
		n, err := b.store.VerifyAudit(context.Background())
		if err != nil || n == 0 {
			t.Fatalf("VerifyAudit = %d, %v; want one intact chain", n, err)
		}
	})
}
