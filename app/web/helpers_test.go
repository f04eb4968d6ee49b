package web

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// cheapPasswords keeps password hashing fast in tests.
var cheapPasswords = argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// testSessionKey is a fixed 32-byte key.
var testSessionKey = []byte("0123456789abcdef0123456789abcdef")

type fixture struct {
	t      *testing.T
	server *Server
	store  *models.Store
	users  *accounts.Service
}

type fixtureOption func(*Config)

func withIssuer(issuer string) fixtureOption { return func(c *Config) { c.Issuer = issuer } }

// withDemo mounts the demo-only parts (the /demo sample app).
func withDemo() fixtureOption { return func(c *Config) { c.Demo = true } }

// newFixture builds the real server on a fresh SQLite store with alice
// (owner of Acme Marketing) and bob.
func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	store := storetest.Open(t)
	cfg := Config{Issuer: "http://127.0.0.1:8080", SessionKey: testSessionKey, Logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	svc, err := NewServices(ctx, store, models.DefaultCatalog(), ServiceOptions{
		Issuer: cfg.Issuer, SessionKey: cfg.SessionKey, Passwords: cheapPasswords, Throttle: accounts.DefaultThrottleLimits,
		Now: time.Now, Random: rand.Reader,
	})
	if err != nil {
		t.Fatalf("new services: %v", err)
	}
	server, err := New(cfg, svc)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	users := svc.Accounts
	for _, u := range []accounts.NewUser{
		{Email: "alice@example.com", Password: "alice-password", Name: "Alice Example"},
		{Email: "bob@example.com", Password: "bob-password", Name: "Bob Builder"},
	} {
		if _, err := users.CreateUser(ctx, u); err != nil {
			t.Fatalf("create user: %v", err)
		}
	}
	marketing, err := users.CreateWorkspace(ctx, "Acme Marketing", "alice@example.com")
	if err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	if _, err := users.CreateWorkspace(ctx, "Acme Design", "alice@example.com"); err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	if err := users.AddMember(ctx, marketing.ID, "bob@example.com", models.RoleViewer); err != nil {
		t.Fatalf("add member: %v", err)
	}
	return &fixture{t: t, server: server, store: store, users: users}
}

// browser is a test client that keeps cookies like a browser would and does
// not follow redirects, so each hop can be checked.
type browser struct {
	f       *fixture
	cookies map[string]string
	ip      string
}

func (f *fixture) browser() *browser {
	return &browser{f: f, cookies: map[string]string{}, ip: "192.0.2.10"}
}

type response struct {
	*http.Response
	body string
}

func (b *browser) do(method, target string, form url.Values) response {
	b.f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", b.ip)
	req.RemoteAddr = b.ip + ":40000"
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	return b.send(req)
}

func (b *browser) send(req *http.Request) response {
	b.f.t.Helper()
	res, err := b.f.server.App().Test(req, -1)
	if err != nil {
		b.f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.f.t.Fatalf("read body: %v", err)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return response{Response: res, body: string(raw)}
}

func (b *browser) get(target string) response { return b.do(http.MethodGet, target, nil) }

func (b *browser) post(target string, form url.Values) response {
	return b.do(http.MethodPost, target, form)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrfFrom reads the anti-forgery token out of a rendered form.
func (b *browser) csrfFrom(page response) string {
	b.f.t.Helper()
	m := csrfField.FindStringSubmatch(page.body)
	if m == nil {
		b.f.t.Fatalf("no _csrf field in page:\n%s", page.body)
	}
	return m[1]
}

// signIn signs in through the form and fails the test if it does not work.
func (b *browser) signIn(email, password string) {
	b.f.t.Helper()
	token := b.csrfFrom(b.get("/login"))
	res := b.post("/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token}})
	if res.StatusCode != http.StatusSeeOther {
		b.f.t.Fatalf("sign in as %s: status %d, body:\n%s", email, res.StatusCode, res.body)
	}
}

func wantStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("status = %d, want %d; body:\n%s", res.StatusCode, want, res.body)
	}
}
