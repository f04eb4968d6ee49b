package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"gorm.io/driver/sqlite"
)

// The crash test runs `consentry serve` as a separate process, has several
// people consent, redeem codes, remove workspaces and revoke the app at once,
// kills the process with SIGKILL in the middle of that, and restarts it on
// the same database. SPEC §6 says every change takes effect before the
// response that made it returns, and §9 that its audit event is written in
// the same transaction, so after the crash:
//
//   - every change whose response arrived is there;
//   - a change whose response never arrived is there entirely or not at all
//     (grant, tokens, codes, the request's answer and audit events together);
//   - the restarted server answers accordingly, and the audit chain verifies.

const (
	crashUsers = 6
	// crashMinConsents is how many consents must have been answered before
	// the kill, so the test always has something to check.
	crashMinConsents = 10
	crashSessionKey  = "crash-test-session-key-that-is-long-enough"
	crashRedirectURI = "http://127.0.0.1:9/callback"
	crashWait        = 20 * time.Second
)

var crashScopes = []string{"openid", "workspace:read", "offline_access"}

func TestCrashKeepsAnsweredChangesWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("builds consentry and runs it as a child process")
	}
	ctx := context.Background()
	start := time.Now()
	bin := buildConsentry(t)
	db := tempDB(t)
	app, users := newCrashCast(t, db)
	setUp := time.Now()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (for the choices; the timing differs on every run)", seed)
	first := startCrashServer(t, bin, db)
	app.base = first.base
	for i, u := range users {
		u.rng = rand.New(rand.NewPCG(seed, uint64(i)))
		u.browser.base = first.base
		if err := u.browser.signIn(u.email, u.password); err != nil {
			t.Fatalf("sign in %s: %v", u.email, err)
		}
	}
	summary := burstAndKill(t, first, app, users)

	// What the crash left on disk: for each user exactly the answered
	// changes, or those and the unanswered one.
	raw := openRawDB(t, db)
	for _, u := range users {
		u.settle(t, raw, app.id)
	}
	for _, problem := range crashInvariants(ctx, raw) {
		t.Error(problem)
	}
	if t.Failed() {
		t.FailNow()
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	checked := time.Now()

	// The restarted server says the same, keeps the sessions, and carries
	// on from there.
	second := startCrashServer(t, bin, db)
	app.base = second.base
	for _, u := range users {
		u.browser.base = second.base
	}
	checkIntrospection(t, app, users)
	forEachUser(t, users, func(i int, u *crashUser) error {
		code, verifier, err := u.consent(app, u.workspaces)
		if err != nil {
			return fmt.Errorf("after the restart: %w", err)
		}
		if err := u.exchange(app, code, verifier); err != nil {
			return fmt.Errorf("after the restart: %w", err)
		}
		if i%2 == 0 {
			return u.revoke(app)
		}
		return u.removeWorkspace(app, u.workspaces[0])
	})
	checkIntrospection(t, app, users)
	// fasthttp counts a connection that was opened but never sent a request
	// as active, so it holds a graceful shutdown until the read timeout (30
	// s), past consentry's 10 s grace: the transport's spare connections go
	// first.
	app.http.CloseIdleConnections()
	second.stop(t)
	if t.Failed() {
		t.Logf("restarted server's log:\n%s", second.log())
	}

	raw = openRawDB(t, db)
	for _, u := range users {
		d, err := readCrashDisk(ctx, raw, u.id, app.id, slices.Collect(maps.Keys(u.acked.answered)))
		if err != nil {
			t.Fatal(err)
		}
		for _, problem := range u.acked.mismatches(d) {
			t.Errorf("%s after the restart: %s", u.email, problem)
		}
	}
	for _, problem := range crashInvariants(ctx, raw) {
		t.Errorf("after the restart: %s", problem)
	}
	if r := runCLI(t, "--db", db, "audit", "verify"); r.code != 0 {
		t.Errorf("consentry audit verify: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	events, err := openStore(t, db).VerifyAudit(ctx)
	if err != nil {
		t.Errorf("VerifyAudit: %v", err)
	}

	var atKill []string
	for _, u := range users {
		atKill = append(atKill, u.atKill)
	}
	t.Logf("%s; %d audit events in the end; at the kill:\n  %s", summary, events, strings.Join(atKill, "\n  "))
	t.Logf("timings: build and set-up %v, burst and crash checks %v, restart and checks %v",
		setUp.Sub(start).Round(time.Millisecond), checked.Sub(setUp).Round(time.Millisecond), time.Since(checked).Round(time.Millisecond))
}

// burstAndKill has every user run iterations at once and kills the server
// with SIGKILL after a random 0.5–1.5 s, once at least crashMinConsents
// consents were answered. It returns a summary for the log.
func burstAndKill(t *testing.T, srv *crashServer, app *crashApp, users []*crashUser) string {
	t.Helper()
	var consents atomic.Int64
	var killed, failed atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for _, u := range users {
		wg.Go(func() {
			for {
				err := u.iteration(app, &consents)
				if err == nil {
					continue
				}
				// After the kill every request fails: that ends the user's
				// burst. Anything else is a failure of its own.
				var na *noAnswerError
				if !errors.As(err, &na) || !killed.Load() {
					u.err = err
					failed.Store(true)
				}
				return
			}
		})
	}
	killAfter := 500*time.Millisecond + rand.N(time.Second)
	for (consents.Load() < crashMinConsents || time.Since(start) < killAfter) && !failed.Load() && time.Since(start) < crashWait {
		time.Sleep(2 * time.Millisecond)
	}
	killed.Store(true)
	srv.kill()
	killedAt := time.Since(start)
	wg.Wait()

	for _, u := range users {
		if u.err != nil {
			t.Errorf("%s before the kill: %v", u.email, u.err)
		}
	}
	if t.Failed() {
		t.Fatalf("server log:\n%s", srv.log())
	}
	if n := consents.Load(); n < crashMinConsents {
		t.Fatalf("only %d consents answered in %v; want %d before the kill", n, crashWait, crashMinConsents)
	}
	var answered [4]int
	for _, u := range users {
		for k, n := range u.answered {
			answered[k] += n
		}
	}
	return fmt.Sprintf("killed after %v with %d consents, %d exchanges, %d revokes and %d workspace removals answered",
		killedAt.Round(time.Millisecond), answered[opConsent], answered[opExchange], answered[opRevoke], answered[opRemove])
}

// buildConsentry builds this command into a temporary directory with the go
// command on PATH (GOFLAGS and the rest of the environment apply).
func buildConsentry(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("no go command to build consentry with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "consentry")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// newCrashCast creates the users, each owning two workspaces, and the app,
// through the admin CLI.
func newCrashCast(t *testing.T, db string) (*crashApp, []*crashUser) {
	t.Helper()
	jar := func() http.CookieJar {
		j, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	transport := &http.Transport{MaxIdleConnsPerHost: crashUsers * 2}
	t.Cleanup(transport.CloseIdleConnections)
	var users []*crashUser
	for i := range crashUsers {
		u := &crashUser{
			email: fmt.Sprintf("user%d@crash.example", i), password: fmt.Sprintf("crash-password-%d", i),
			acked: newCrashState(),
			browser: &crashBrowser{http: &http.Client{
				Jar: jar(), Transport: transport, Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}},
		}
		u.id = mustString(t, runJSON(t, "--db", db, "user", "create", "--email", u.email, "--password", u.password), "id")
		for _, name := range []string{"One", "Two"} {
			out := runJSON(t, "--db", db, "workspace", "create", "--name", fmt.Sprintf("%s %d", name, i), "--owner", u.email)
			u.workspaces = append(u.workspaces, mustString(t, out, "id"))
		}
		slices.Sort(u.workspaces)
		users = append(users, u)
	}
	out := runJSON(t, "--db", db, "client", "create", "--name", "Crash App", "--redirect-uri", crashRedirectURI,
		"--scopes", strings.Join(crashScopes, " "))
	app := &crashApp{
		id: mustString(t, out, "client_id"), secret: mustString(t, out, "client_secret"),
		http: &http.Client{Transport: transport, Timeout: 10 * time.Second},
	}
	return app, users
}

// crashServer is `consentry serve` running as a child process.
type crashServer struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	base   string
}

// startCrashServer starts the binary on db and waits until it is ready. The
// fixed session key lets sessions outlive the process.
func startCrashServer(t *testing.T, bin, db string) *crashServer {
	t.Helper()
	s := &crashServer{stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "--db", db, "serve", "--addr", "127.0.0.1:0", "--session-key", crashSessionKey)
	s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start consentry: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.kill)

	deadline := time.Now().Add(crashWait)
	for s.base == "" {
		select {
		case <-s.done:
			t.Fatalf("consentry serve exited early (%v):\n%s", s.cmd.ProcessState, s.log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("consentry serve did not log \"listening\" within %v:\n%s", crashWait, s.log())
		}
		for _, line := range strings.Split(s.stderr.String(), "\n") {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" {
				s.base = "http://" + entry.Addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	for {
		res, err := probe.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz did not answer 200 within %v (%v):\n%s", crashWait, err, s.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// log is what a failure shows of the server's log: every warning and
// error, and the last lines.
func (s *crashServer) log() string {
	lines := strings.Split(strings.TrimSpace(s.stderr.String()), "\n")
	tail := max(0, len(lines)-20)
	var out []string
	for i, line := range lines {
		if i >= tail || !strings.Contains(line, `"level":"INFO"`) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// kill ends the process with SIGKILL, if it still runs, and reaps it.
func (s *crashServer) kill() {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// stop asks the process to shut down gracefully and requires exit code 0.
func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal consentry: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(crashWait):
		t.Fatalf("consentry did not stop within %v of SIGTERM:\n%s", crashWait, s.log())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("consentry exited with %d after SIGTERM:\n%s", code, s.log())
	}
}

// openRawDB opens the SQLite file directly, below the store, to read the
// tables as they are.
func openRawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open(sqlite.DriverName, "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// crashApp is the confidential client the people connect.
type crashApp struct {
	id, secret string
	base       string
	http       *http.Client
}

func (a *crashApp) conf() *oauth2.Config {
	return &oauth2.Config{
		ClientID: a.id, ClientSecret: a.secret, RedirectURL: crashRedirectURI, Scopes: crashScopes,
		Endpoint: oauth2.Endpoint{AuthURL: a.base + "/oauth/authorize", TokenURL: a.base + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// introspect asks the server about a token as the app.
func (a *crashApp) introspect(token string) (map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, a.base+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(a.id), url.QueryEscape(a.secret))
	res, err := a.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("introspect: status %d: %s", res.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("introspect: %w in %s", err, body)
	}
	return out, nil
}

// crashUser is one person with a browser, and the model of what their
// answered requests did.
type crashUser struct {
	id, email, password string
	workspaces          []string // the two they own, sorted
	browser             *crashBrowser
	rng                 *rand.Rand

	// Written by the user's own goroutine, read once it has ended.
	acked    *crashState // what every answered request left
	inFlight *crashOp    // the change whose answer never arrived, if any
	answered [4]int      // answered changes by kind
	err      error       // an unexpected failure
	atKill   string      // what the kill interrupted and what it left, for the log
}

// iteration is one round of the burst: consent to a random choice of
// workspaces, redeem the code, then sometimes revoke the app or take a
// workspace away from it.
func (u *crashUser) iteration(app *crashApp, consents *atomic.Int64) error {
	var picked []string
	for _, w := range u.workspaces {
		if u.rng.IntN(2) == 0 {
			picked = append(picked, w)
		}
	}
	if len(picked) == 0 {
		picked = []string{u.workspaces[u.rng.IntN(len(u.workspaces))]}
	}
	code, verifier, err := u.consent(app, picked)
	if err != nil {
		return err
	}
	consents.Add(1)
	if err := u.exchange(app, code, verifier); err != nil {
		return err
	}
	switch r := u.rng.IntN(100); {
	case r < 25:
		return u.revoke(app)
	case r < 60 && len(u.acked.ws) > 0:
		return u.removeWorkspace(app, u.acked.ws[u.rng.IntN(len(u.acked.ws))])
	}
	return nil
}

// send marks op as in flight: from now on its effect may be there or not.
func (u *crashUser) send(op *crashOp) { u.inFlight = op }

// answeredOp records that op's answer arrived: its effect must be there.
func (u *crashUser) answeredOp(op *crashOp) {
	u.acked.apply(op)
	u.inFlight = nil
	u.answered[op.kind]++
}

// consent opens the consent screen (prompt=consent, so it shows every
// time) and approves the scopes for the picked workspaces; it returns the
// code and its PKCE verifier.
func (u *crashUser) consent(app *crashApp, picked []string) (code, verifier string, err error) {
	verifier, state := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()[:16]
	authURL := app.conf().AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "consent"))
	screen, err := u.browser.want(http.MethodGet, authURL, nil, http.StatusOK)
	if err != nil {
		return "", "", fmt.Errorf("consent screen: %w", err)
	}
	csrf, err := formField(crashCSRFInput, screen.body)
	if err != nil {
		return "", "", err
	}
	request, err := formField(crashRequestInput, screen.body)
	if err != nil {
		return "", "", err
	}
	requestID, err := signedRequestID(request)
	if err != nil {
		return "", "", err
	}
	op := &crashOp{kind: opConsent, workspaces: picked, requestID: requestID}
	u.send(op)
	res, err := u.browser.want(http.MethodPost, "/oauth/consent", url.Values{
		"_csrf": {csrf}, "request": {request}, "decision": {"approve"}, "scope": crashScopes, "workspace": picked,
	}, http.StatusSeeOther)
	if err != nil {
		return "", "", fmt.Errorf("approve: %w", err)
	}
	back, err := url.Parse(res.location)
	if err != nil || !strings.HasPrefix(res.location, crashRedirectURI+"?") {
		return "", "", fmt.Errorf("approve: redirect to %q, want the app's redirect URI", res.location)
	}
	q := back.Query()
	if op.code = q.Get("code"); op.code == "" || q.Get("state") != state {
		return "", "", fmt.Errorf("approve: redirect %q lacks the code or the state %q", res.location, state)
	}
	u.answeredOp(op)
	return op.code, verifier, nil
}

// exchange redeems a code with golang.org/x/oauth2 and checks the token
// reaches what the model says.
func (u *crashUser) exchange(app *crashApp, code, verifier string) error {
	op := &crashOp{kind: opExchange, code: code}
	u.send(op)
	u.browser.last = "POST /oauth/token"
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, app.http)
	tok, err := app.conf().Exchange(ctx, code, oauth2.VerifierOption(verifier))
	var refused *oauth2.RetrieveError
	switch {
	case errors.As(err, &refused):
		return fmt.Errorf("exchange: %w", err)
	case err != nil:
		return &noAnswerError{err}
	case tok.RefreshToken == "":
		return errors.New("exchange: no refresh token despite offline_access")
	}
	op.access, op.refresh = tok.AccessToken, tok.RefreshToken
	u.answeredOp(op)
	var got []string
	ids, _ := tok.Extra("workspace_ids").([]any)
	for _, id := range ids {
		s, _ := id.(string)
		got = append(got, s)
	}
	slices.Sort(got)
	if want := u.acked.tokens[crashTokenKey{codeKey(code), "access"}].ws; !slices.Equal(got, want) {
		return fmt.Errorf("exchange: token workspace_ids %v, want %v", got, want)
	}
	return nil
}

// revoke revokes the app from its confirmation page.
func (u *crashUser) revoke(app *crashApp) error {
	path := "/apps/" + url.PathEscape(app.id) + "/revoke"
	page, err := u.browser.want(http.MethodGet, path, nil, http.StatusOK)
	if err != nil {
		return fmt.Errorf("revoke page: %w", err)
	}
	csrf, err := formField(crashCSRFInput, page.body)
	if err != nil {
		return err
	}
	op := &crashOp{kind: opRevoke}
	u.send(op)
	res, err := u.browser.want(http.MethodPost, path, url.Values{"_csrf": {csrf}}, http.StatusSeeOther)
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	if res.location != "/apps" {
		return fmt.Errorf("revoke: redirect to %q, want /apps", res.location)
	}
	u.answeredOp(op)
	return nil
}

// removeWorkspace takes one workspace away from the app on its page.
func (u *crashUser) removeWorkspace(app *crashApp, workspace string) error {
	path := "/apps/" + url.PathEscape(app.id)
	page, err := u.browser.want(http.MethodGet, path, nil, http.StatusOK)
	if err != nil {
		return fmt.Errorf("app page: %w", err)
	}
	csrf, err := formField(crashCSRFInput, page.body)
	if err != nil {
		return err
	}
	op := &crashOp{kind: opRemove, workspace: workspace}
	u.send(op)
	if _, err := u.browser.want(http.MethodPost, path+"/workspaces/"+url.PathEscape(workspace)+"/remove",
		url.Values{"_csrf": {csrf}}, http.StatusSeeOther); err != nil {
		return fmt.Errorf("remove workspace: %w", err)
	}
	u.answeredOp(op)
	return nil
}

// settle compares the database with the answered changes, and with those
// plus the unanswered one; exactly one must match, and becomes the model
// from then on.
func (u *crashUser) settle(t *testing.T, db *sql.DB, clientID string) {
	t.Helper()
	without := u.acked.clone()
	candidates := []*crashState{without}
	var requestIDs []string
	for id := range u.acked.answered {
		requestIDs = append(requestIDs, id)
	}
	if op := u.inFlight; op != nil {
		if op.kind == opConsent {
			without.answered[op.requestID] = false
			requestIDs = append(requestIDs, op.requestID)
		}
		with := u.acked.clone()
		with.apply(op)
		candidates = append(candidates, with)
	}
	d, err := readCrashDisk(context.Background(), db, u.id, clientID, requestIDs)
	if err != nil {
		t.Fatal(err)
	}
	var report []string
	for i, c := range candidates {
		problems := c.mismatches(d)
		if len(problems) == 0 {
			u.acked = c
			u.atKill = "no change in flight (" + u.browser.last + ")"
			if u.inFlight != nil {
				u.atKill = fmt.Sprintf("unanswered %s: %s", u.inFlight.kind, [...]string{"not applied", "applied whole"}[i])
			}
			return
		}
		report = append(report, fmt.Sprintf("  as if the %s had %s:\n    %s",
			changeName(u.inFlight), [...]string{"not happened", "happened"}[i], strings.Join(problems, "\n    ")))
	}
	t.Errorf("%s: the database matches no outcome of the answered changes:\n%s", u.email, strings.Join(report, "\n"))
}

func changeName(op *crashOp) string {
	if op == nil {
		return "answered changes"
	}
	return "unanswered " + op.kind.String()
}

// checkIntrospection asks the server about every token whose answer
// arrived: active exactly when the model says, reaching exactly its
// workspaces, and {"active": false} otherwise.
func checkIntrospection(t *testing.T, app *crashApp, users []*crashUser) {
	t.Helper()
	forEachUser(t, users, func(_ int, u *crashUser) error {
		for key, tok := range u.acked.tokens {
			if tok.plain == "" {
				continue
			}
			got, err := app.introspect(tok.plain)
			if err != nil {
				return err
			}
			active, ws := u.acked.introspection(tok)
			if !active {
				if len(got) != 1 || got["active"] != false {
					return fmt.Errorf("%s token of code %.8s…: introspection %v, want {\"active\": false}", key.kind, key.code, got)
				}
				continue
			}
			var gotWS []string
			ids, _ := got["workspace_ids"].([]any)
			for _, id := range ids {
				s, _ := id.(string)
				gotWS = append(gotWS, s)
			}
			slices.Sort(gotWS)
			if got["active"] != true || got["sub"] != u.id || got["client_id"] != app.id || !slices.Equal(gotWS, ws) {
				return fmt.Errorf("%s token of code %.8s…: introspection %v, want active for %s reaching %v", key.kind, key.code, got, u.id, ws)
			}
		}
		return nil
	})
}

// forEachUser runs fn for every user at once and reports their errors.
func forEachUser(t *testing.T, users []*crashUser, fn func(i int, u *crashUser) error) {
	t.Helper()
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() { errs[i] = fn(i, u) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", users[i].email, err)
		}
	}
}

// noAnswerError is a request whose response did not arrive in full: the
// server may or may not have carried it out.
type noAnswerError struct{ err error }

func (e *noAnswerError) Error() string { return "no answer: " + e.err.Error() }
func (e *noAnswerError) Unwrap() error { return e.err }

// crashBrowser keeps cookies and never follows redirects.
type crashBrowser struct {
	http *http.Client
	base string
	last string // the latest request, for the log
}

type crashPage struct {
	status   int
	location string
	body     string
}

// want makes a request (a path on the server, or an absolute URL) and
// requires the status.
func (b *crashBrowser) want(method, target string, form url.Values, status int) (crashPage, error) {
	if strings.HasPrefix(target, "/") {
		target = b.base + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return crashPage{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	b.last = method + " " + req.URL.Path
	res, err := b.http.Do(req)
	if err != nil {
		return crashPage{}, &noAnswerError{err}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return crashPage{}, &noAnswerError{err}
	}
	p := crashPage{status: res.StatusCode, location: res.Header.Get("Location"), body: string(raw)}
	if p.status != status {
		return p, fmt.Errorf("%s %s: status %d, want %d (location %q): %.300s", method, req.URL.Path, p.status, status, p.location, p.body)
	}
	return p, nil
}

func (b *crashBrowser) signIn(email, password string) error {
	login, err := b.want(http.MethodGet, "/login", nil, http.StatusOK)
	if err != nil {
		return err
	}
	csrf, err := formField(crashCSRFInput, login.body)
	if err != nil {
		return err
	}
	_, err = b.want(http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}, "_csrf": {csrf}}, http.StatusSeeOther)
	return err
}

var (
	crashCSRFInput    = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	crashRequestInput = regexp.MustCompile(`name="request" value="([^"]+)"`)
)

func formField(re *regexp.Regexp, body string) (string, error) {
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("no %s in page: %.300s", re, body)
	}
	return html.UnescapeString(m[1]), nil
}

// signedRequestID is the id of the request a consent form carries signed:
// its JSON, in base64url, before the dot and the signature.
func signedRequestID(signed string) (string, error) {
	payload, _, _ := strings.Cut(signed, ".")
	body, err := base64.RawURLEncoding.DecodeString(payload)
	var r struct {
		ID string `json:"id"`
	}
	if err == nil {
		err = json.Unmarshal(body, &r)
	}
	if err != nil || r.ID == "" {
		return "", fmt.Errorf("consent form request %q: no request id (%v)", signed, err)
	}
	return r.ID, nil
}
