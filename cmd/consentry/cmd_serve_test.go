package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/demo"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models/storetest"
)

var issuerCases = []struct {
	raw     string
	want    string
	wantErr string
}{
	{raw: "https://auth.example.com", want: "https://auth.example.com"},
	{raw: "https://auth.example.com/", want: "https://auth.example.com"},
	{raw: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
	{raw: "http://[::1]:8080/", want: "http://[::1]:8080"},
	{raw: "auth.example.com", wantErr: "must be an absolute URL"},
	{raw: "ftp://auth.example.com", wantErr: "must be an absolute URL"},
	{raw: "HTTPS://auth.example.com", wantErr: "must be an absolute URL"},
	{raw: "https://", wantErr: "must be an absolute URL"},
	{raw: "https://:443", wantErr: "has no host"},
	{raw: "https://auth.example.com/oauth", wantErr: "without a path"},
	{raw: "https://auth.example.com//", wantErr: "without a path"},
	{raw: "https://auth.example.com?x=1", wantErr: "must not have a query"},
	{raw: "https://auth.example.com?", wantErr: "must not have a query"},
	{raw: "https://auth.example.com#top", wantErr: "must not have a fragment"},
	{raw: "https://user:pw@auth.example.com", wantErr: "user information"},
	{raw: "https://auth.example.com:port", wantErr: "invalid port"},
}

func TestParseIssuer(t *testing.T) {
	for _, tc := range issuerCases {
		got, err := parseIssuer(tc.raw)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("parseIssuer(%q) = %q, %v; want an error containing %q", tc.raw, got, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("parseIssuer(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}

var defaultIssuerCases = []struct{ addr, want string }{
	{"127.0.0.1:8080", "http://127.0.0.1:8080"},
	{":8080", "http://127.0.0.1:8080"},
	{"0.0.0.0:9000", "http://127.0.0.1:9000"},
	{"[::]:9000", "http://127.0.0.1:9000"},
	{"[::1]:9000", "http://[::1]:9000"},
	{"localhost:8080", "http://localhost:8080"},
}

func TestDefaultIssuer(t *testing.T) {
	for _, tc := range defaultIssuerCases {
		if got, err := defaultIssuer(tc.addr); err != nil || got != tc.want {
			t.Errorf("defaultIssuer(%q) = %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
	if _, err := defaultIssuer("8080"); err == nil {
		t.Error("defaultIssuer(\"8080\") succeeded; want an error for an address without a port")
	}
}

func TestSessionKeyIsKeptAcrossRestarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := tempDB(t)
	first, err := sessionKey(ctx, storetest.OpenAt(t, db), "", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 32 {
		t.Errorf("generated key has %d bytes, want 32", len(first))
	}
	second, err := sessionKey(ctx, storetest.OpenAt(t, db), "", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("a second start generated a new session key; want the stored one")
	}
	given := strings.Repeat("k", minSessionKeyLength)
	if got, err := sessionKey(ctx, storetest.OpenAt(t, db), given, rand.Reader); err != nil || string(got) != given {
		t.Errorf("sessionKey with a flag = %q, %v; want the flag value", got, err)
	}
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	for _, command := range []string{"serve", "demo"} {
		for _, tc := range issuerCases {
			if tc.wantErr == "" {
				continue
			}
			wantFailure(t, runCLI(t, "--db", db, command, "--addr", "127.0.0.1:0", "--issuer", tc.raw), "issuer", tc.wantErr)
		}
		wantFailure(t, runCLI(t, "--db", db, command, "--addr", "127.0.0.1:0", "--session-key", "too-short"),
			"session key is 9 characters long", "at least 32")
		wantFailure(t, runCLI(t, "--db", db, command, "--addr", "8080"), "--addr", `"8080"`)
	}
}

func TestServeRefusesBadIssuerFromEnvironment(t *testing.T) {
	t.Setenv("CONSENTRY_ISSUER", "https://auth.example.com/path")
	wantFailure(t, runCLI(t, "--db", tempDB(t), "serve", "--addr", "127.0.0.1:0"), "without a path")
}

// server is a consentry serve or demo running in the background.
type server struct {
	stdout, stderr *syncBuffer
	addr           string
	stop           func() int
}

var listenAddr = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer runs consentry with args until the test stops it, and waits for
// it to log "listening".
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"consentry"}, args...), s.stdout, s.stderr) }()
	stopped := false
	s.stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("server did not stop within 15s of cancellation")
			return -1
		}
	}
	t.Cleanup(func() { s.stop() })

	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("consentry %s exited early with %d; stderr %q", strings.Join(args, " "), code, s.stderr.String())
		default:
		}
		for _, line := range strings.Split(s.stderr.String(), "\n") {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" {
				s.addr = entry.Addr
				return s
			}
			if m := listenAddr.FindStringSubmatch(line); m != nil {
				s.addr = m[1]
				return s
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("consentry %s did not log \"listening\" within 15s; stderr %q", strings.Join(args, " "), s.stderr.String())
	return nil
}

func (s *server) get(t *testing.T, path string) int {
	t.Helper()
	resp, err := http.Get("http://" + s.addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeAnswersAndStopsGracefully(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	s := startServer(t, "--db", db, "serve", "--addr", "127.0.0.1:0")
	if got := s.get(t, "/healthz"); got != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200", got)
	}
	if code := s.stop(); code != 0 {
		t.Errorf("exit code after cancellation = %d, want 0; stderr %q", code, s.stderr.String())
	}
	// serve logs JSON, names the issuer it derived, and seeds nothing.
	var entry map[string]any
	first := strings.SplitN(s.stderr.String(), "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &entry); err != nil {
		t.Fatalf("serve log line %q is not JSON: %v", first, err)
	}
	if got, want := entry["issuer"], "http://"+s.addr; got != want {
		t.Errorf("logged issuer = %v, want %q", got, want)
	}
	if s.stdout.String() != "" {
		t.Errorf("serve printed %q on stdout, want nothing", s.stdout.String())
	}
	if _, err := openStore(t, db).UserByEmail(context.Background(), "alice@example.com"); err == nil {
		t.Error("serve created demo users")
	}
}

func TestDemoSeedsAndPrintsSignInDetails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := tempDB(t)
	issuer := "http://localhost:1"

	var outputs []string
	for range 2 {
		s := startServer(t, "--db", db, "demo", "--addr", "127.0.0.1:0", "--issuer", issuer+"/")
		if got := s.get(t, "/healthz"); got != http.StatusOK {
			t.Errorf("GET /healthz = %d, want 200", got)
		}
		if code := s.stop(); code != 0 {
			t.Fatalf("exit code = %d, want 0; stderr %q", code, s.stderr.String())
		}
		outputs = append(outputs, s.stdout.String())
	}
	out := outputs[0]
	for _, want := range []string{
		issuer + "/demo", issuer + "/login",
		"alice@example.com", "alice-password", "owner of Acme Marketing, member of Acme Design",
		"bob@example.com", "bob-password", "viewer in Acme Marketing, owner of Bob's Studio",
		"admin@example.com", "admin-password", "platform admin",
		"client_id demo-app", issuer + "/demo/callback",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output does not contain %q:\n%s", want, out)
		}
	}
	if outputs[1] != outputs[0] {
		t.Errorf("second demo start printed different details:\n%s\nthen\n%s", outputs[0], outputs[1])
	}

	store := openStore(t, db)
	key, err := sessionKey(ctx, store, "", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.ClientByID(ctx, demo.ClientID)
	if err != nil {
		t.Fatalf("demo client not stored: %v", err)
	}
	if !secret.Matches(c.SecretHash, demo.ClientSecret(key)) {
		t.Error("demo client secret does not derive from the stored session key")
	}
	if !strings.Contains(out, demo.ClientSecret(key)) {
		t.Error("demo output does not show the demo client secret")
	}
}
