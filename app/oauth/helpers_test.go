package oauth_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// The tests run in package oauth_test because app/clients (which registers
// the clients they use) imports app/oauth.

const testIssuer = "https://auth.example.com"

// Redirect URIs registered by the test clients.
const (
	confRedirect      = "https://app.example.com/callback"
	confQueryRedirect = "https://app.example.com/cb?tenant=acme"
	confLoopback      = "http://127.0.0.1:9000/callback"
	otherRedirect     = "https://other.example.com/callback"
	pubLoopbackV4     = "http://127.0.0.1/callback"
	pubLoopbackV6     = "http://[::1]:8080/callback"
)

// confSecret is chosen so that RFC 6749 §2.3.1 form encoding matters: '+',
// '/', '=', ':' and '%' all change when form-encoded.
const confSecret = "oss_pl+us/sl=eq:co%pc&am_" + "0123456789abcdefghijklmnopqrstuv"

// The RFC 7636 Appendix B example pair.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// env is one engine on a fresh SQLite store with a user, two workspaces and
// a handful of clients.
type env struct {
	ctx      context.Context
	path     string
	store    *models.Store
	raw      *sql.DB
	clock    *storetest.Clock
	catalog  *models.Catalog
	keys     *oauth.KeySet
	engine   *oauth.Engine
	registry *clients.Registry

	user     models.User
	ws1, ws2 string

	conf     clients.Registered // confidential, every scope but mcp:access
	other    clients.Registered // another confidential client
	pub      clients.Registered // public native client with loopback URIs
	rs       clients.Registered // confidential resource server
	disabled clients.Registered // confidential, disabled
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "consentry.db")
	store := storetest.OpenAt(t, path)
	clock := storetest.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	catalog := models.DefaultCatalog()
	keys, err := oauth.LoadKeySet(ctx, store, rand.Reader, clock.Now())
	if err != nil {
		t.Fatalf("LoadKeySet: %v", err)
	}
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatalf("open raw database: %v", err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	e := &env{
		ctx: ctx, path: path, store: store, raw: raw, clock: clock, catalog: catalog, keys: keys,
		engine:   oauth.New(testIssuer, store, catalog, keys, oauth.Options{Now: clock.Now, Random: rand.Reader}),
		registry: clients.NewRegistry(store, catalog, rand.Reader, clock.Now),
	}
	e.user = models.User{ID: uuid.NewString(), Email: "ada@example.com", Name: "Ada Lovelace",
		AvatarURL: "https://img.example.com/ada.png", PasswordHash: "not-a-real-hash"}
	if err := store.CreateUser(ctx, &e.user); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	for _, w := range []struct {
		id   *string
		name string
	}{{&e.ws1, "Acme"}, {&e.ws2, "Beta"}} {
		ws := models.Workspace{ID: uuid.NewString(), Name: w.name, CreatedByID: e.user.ID}
		if err := store.CreateWorkspace(ctx, &ws); err != nil {
			t.Fatalf("CreateWorkspace: %v", err)
		}
		*w.id = ws.ID
	}
	all := catalog.Names()
	allButMCP := slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "mcp:access" })
	e.conf = e.register(t, clients.Registration{ID: "conf-app", Name: "Confidential app", Secret: confSecret,
		RedirectURIs: []string{confRedirect, confQueryRedirect, confLoopback}, Scopes: allButMCP})
	e.other = e.register(t, clients.Registration{ID: "other-app", Name: "Other app",
		RedirectURIs: []string{otherRedirect}, Scopes: all})
	e.pub = e.register(t, clients.Registration{ID: "native-app", Name: "Native app", Public: true,
		RedirectURIs: []string{pubLoopbackV4, pubLoopbackV6},
		Scopes:       []string{"openid", "profile", "email", "workspace:read", "offline_access"}})
	e.rs = e.register(t, clients.Registration{ID: "resource-api", Name: "Resource API", ResourceServer: true,
		RedirectURIs: []string{"https://api.example.com/unused"}, Scopes: []string{"openid"}})
	e.disabled = e.register(t, clients.Registration{ID: "old-app", Name: "Old app",
		RedirectURIs: []string{"https://old.example.com/callback"}, Scopes: all})
	if err := e.registry.Disable(ctx, e.disabled.Client.ID, models.Actor{Type: models.ActorCLI, ID: "test"}); err != nil {
		t.Fatalf("Disable: %v", err)
	}
	return e
}

func (e *env) register(t testing.TB, reg clients.Registration) clients.Registered {
	t.Helper()
	r, err := e.registry.Register(e.ctx, reg)
	if err != nil {
		t.Fatalf("Register %q: %v", reg.ID, err)
	}
	return r
}

// authQuery is a valid authorization request of the confidential client.
func authQuery() url.Values {
	return url.Values{
		"client_id": {"conf-app"}, "redirect_uri": {confRedirect}, "response_type": {"code"},
		"code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"},
		"scope": {"openid profile"}, "state": {"af0ifjsldkj"}, "nonce": {"n-0S6_WzA2Mj"},
	}
}

// authorized is an authorization code as the client received it.
type authorized struct {
	client      clients.Registered
	code        string
	verifier    string
	redirectURI string
	grantID     string
	authTime    time.Time
	nonce       string
}

// authorize runs a validated authorization request and the user's approval
// the way app/grants does, in one transaction: the grant gets the requested
// scopes plus those it already had, and (when a requested scope acts in
// workspaces) exactly these workspaces; the code carries the requested
// scopes and those workspaces.
func (e *env) authorize(t testing.TB, c clients.Registered, redirectURI, scope string, workspaces []string) authorized {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	nonce := "nonce-" + uuid.NewString()
	req, err := e.engine.ValidateAuthorize(e.ctx, url.Values{
		"client_id": {c.Client.ID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
		"scope": {scope}, "state": {"st"}, "nonce": {nonce},
	})
	if err != nil {
		t.Fatalf("ValidateAuthorize(%s, %q): %v", c.Client.ID, scope, err)
	}
	authTime := e.clock.Now().Add(-time.Minute)
	needsWorkspace := slices.ContainsFunc(req.Scopes, func(n string) bool {
		sc, _ := e.catalog.Lookup(n)
		return sc.Workspace
	})
	if !needsWorkspace {
		workspaces = nil
	}
	var grantID, redirect string
	err = e.store.InTx(e.ctx, func(tx *models.Store) error {
		before, err := tx.ActiveGrantOf(e.ctx, e.user.ID, c.Client.ID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		var scopes []string
		for _, n := range e.catalog.Names() {
			if slices.Contains(req.Scopes, n) || slices.Contains(strings.Fields(before.Scopes), n) {
				scopes = append(scopes, n)
			}
		}
		grantWorkspaces := before.WorkspaceIDs
		if needsWorkspace {
			grantWorkspaces = workspaces
		}
		grantID, err = tx.PutGrant(e.ctx, uuid.NewString(), e.user.ID, c.Client.ID, strings.Join(scopes, " "), grantWorkspaces, e.clock.Now())
		if err != nil {
			return err
		}
		redirect, err = e.engine.IssueCode(e.ctx, tx, oauth.CodeGrant{
			Request: req, UserID: e.user.ID, GrantID: grantID, Scopes: req.Scopes,
			WorkspaceIDs: workspaces, AuthTime: authTime,
		})
		return err
	})
	if err != nil {
		t.Fatalf("issue code: %v", err)
	}
	u, err := url.Parse(redirect)
	if err != nil {
		t.Fatalf("parse code redirect %q: %v", redirect, err)
	}
	code := u.Query().Get("code")
	if !strings.HasPrefix(code, "osc_") {
		t.Fatalf("code redirect %q: code %q does not start with osc_", redirect, code)
	}
	return authorized{client: c, code: code, verifier: verifier, redirectURI: redirectURI,
		grantID: grantID, authTime: authTime, nonce: nonce}
}

// authorizeConf is the common case: the confidential client, its first
// redirect URI, the given scopes and workspace ws1.
func (e *env) authorizeConf(t testing.TB, scope string) authorized {
	t.Helper()
	return e.authorize(t, e.conf, confRedirect, scope, []string{e.ws1})
}

// clientAuth is how c authenticates by default: client_secret_basic (form
// encoded) for a confidential client, client_id alone for a public one.
func clientAuth(c clients.Registered) (oauth.ClientCredentials, url.Values) {
	if c.Client.Public() {
		return oauth.ClientCredentials{}, url.Values{"client_id": {c.Client.ID}}
	}
	return basic(c.Client.ID, c.Secret), url.Values{}
}

// basic is client_secret_basic with both parts form-encoded (RFC 6749 §2.3.1).
func basic(id, secret string) oauth.ClientCredentials {
	return oauth.ClientCredentials{BasicID: url.QueryEscape(id), BasicSecret: url.QueryEscape(secret), HasBasic: true}
}

// token calls the token endpoint as c with params added to c's credentials.
func (e *env) token(c clients.Registered, params url.Values) (oauth.TokenResponse, error) {
	creds, p := clientAuth(c)
	for k, vs := range params {
		p[k] = vs
	}
	return e.engine.Token(e.ctx, oauth.TokenRequest{Params: p, Credentials: creds, IP: "203.0.113.7", UserAgent: "test"})
}

// exchangeParams are the authorization_code grant parameters for a.
func exchangeParams(a authorized) url.Values {
	return url.Values{
		"grant_type": {"authorization_code"}, "code": {a.code},
		"redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier},
	}
}

// exchangeAs redeems a's code as client c.
func (e *env) exchangeAs(c clients.Registered, a authorized) (oauth.TokenResponse, error) {
	return e.token(c, exchangeParams(a))
}

func (e *env) exchange(a authorized) (oauth.TokenResponse, error) { return e.exchangeAs(a.client, a) }

// mustExchange redeems a's code and fails the test if that is refused.
func (e *env) mustExchange(t testing.TB, a authorized) oauth.TokenResponse {
	t.Helper()
	resp, err := e.exchange(a)
	if err != nil {
		t.Fatalf("exchange code: %v", err)
	}
	return resp
}

// refresh runs the refresh_token grant as c; scope is sent only when not nil.
func (e *env) refresh(c clients.Registered, refreshToken string, scope *string) (oauth.TokenResponse, error) {
	p := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	if scope != nil {
		p.Set("scope", *scope)
	}
	return e.token(c, p)
}

func (e *env) mustRefresh(t testing.TB, c clients.Registered, refreshToken string) oauth.TokenResponse {
	t.Helper()
	resp, err := e.refresh(c, refreshToken, nil)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	return resp
}

func (e *env) introspect(c clients.Registered, token string) (oauth.Introspection, error) {
	creds, p := clientAuth(c)
	p.Set("token", token)
	return e.engine.Introspect(e.ctx, creds, p)
}

// active reports whether the resource server sees token as active.
func (e *env) active(t testing.TB, token string) bool {
	t.Helper()
	got, err := e.introspect(e.rs, token)
	if err != nil {
		t.Fatalf("Introspect: %v", err)
	}
	return got.Active
}

func (e *env) revoke(c clients.Registered, token string) error {
	creds, p := clientAuth(c)
	p.Set("token", token)
	return e.engine.Revoke(e.ctx, creds, p, "203.0.113.7", "test")
}

// putGrant sets the user's grant to c to exactly scopes and workspaces, as
// re-authorization or the connected-apps page would.
func (e *env) putGrant(t testing.TB, c clients.Registered, scopes string, workspaces []string) {
	t.Helper()
	if _, err := e.store.PutGrant(e.ctx, uuid.NewString(), e.user.ID, c.Client.ID, scopes, workspaces, e.clock.Now()); err != nil {
		t.Fatalf("PutGrant: %v", err)
	}
}

// revokeGrant marks the user's grant to c revoked with a raw update, not
// store.RevokeGrant (which also drops unused codes and clears the grant's
// workspaces): only the grant row changes, so the engine's own grant check
// is what must refuse.
func (e *env) revokeGrant(t testing.TB, c clients.Registered) {
	t.Helper()
	res, err := e.raw.ExecContext(e.ctx, "UPDATE grants SET revoked_at = ? WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL",
		e.clock.Now().UTC(), e.user.ID, c.Client.ID)
	if err != nil {
		t.Fatalf("revoke grant: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("revoke grant: %d rows changed, want 1", n)
	}
}

// auditEvent is the part of an audit row the tests look at.
type auditEvent struct {
	Action, ActorType, ActorID, SubjectUserID, ClientID, Details string
}

// audit lists the audit trail with action, oldest first (the store has no
// query for it, so the tests read the table directly).
func (e *env) audit(t testing.TB, action string) []auditEvent {
	t.Helper()
	rows, err := e.raw.QueryContext(e.ctx,
		"SELECT action, actor_type, actor_id, subject_user_id, client_id, details FROM audit_events WHERE action = ? ORDER BY id", action)
	if err != nil {
		t.Fatalf("read audit: %v", err)
	}
	defer rows.Close()
	var out []auditEvent
	for rows.Next() {
		var ev auditEvent
		if err := rows.Scan(&ev.Action, &ev.ActorType, &ev.ActorID, &ev.SubjectUserID, &ev.ClientID, &ev.Details); err != nil {
			t.Fatalf("read audit: %v", err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read audit: %v", err)
	}
	return out
}

// verifyAudit fails the test unless the audit hash chain is intact.
func (e *env) verifyAudit(t testing.TB) {
	t.Helper()
	if _, err := e.store.VerifyAudit(e.ctx); err != nil {
		t.Errorf("VerifyAudit: %v", err)
	}
}

// wantCode fails the test unless err is an *oauth.Error with code (want ""
// means no error at all).
func wantCode(t testing.TB, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("error = %v, want none", err)
		}
		return
	}
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		t.Fatalf("error = %v (%T), want an *oauth.Error with code %s", err, err, want)
	}
	if oe.Code != want {
		t.Fatalf("error code = %s (%v), want %s", oe.Code, err, want)
	}
}

func ptr[T any](v T) *T { return &v }
