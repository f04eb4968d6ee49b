package web

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/login", "/healthz", "/no-such-page"} {
		t.Run(path, func(t *testing.T) {
			res := f.browser().get(path)
			want := map[string]string{
				"X-Frame-Options":        "DENY",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"Cache-Control":          "no-store",
			}
			for name, value := range want {
				if got := res.Header.Get(name); got != value {
					t.Errorf("%s = %q, want %q", name, got, value)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, directive := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'none'"} {
				if !strings.Contains(csp, directive) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, directive)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy allows inline code: %q", csp)
			}
			if res.Header.Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID")
			}
			if res.Header.Get("Strict-Transport-Security") != "" {
				t.Error("HSTS sent for an http issuer")
			}
		})
	}
}

func TestHSTSOnHTTPSIssuer(t *testing.T) {
	f := newFixture(t, withIssuer("https://auth.example.com"))
	if got := f.browser().get("/login").Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("Strict-Transport-Security = %q, want max-age=…", got)
	}
}

func TestRequestIDsAreUniqueAndNotTakenFromClient(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("X-Request-ID", "attacker-chosen")
	first := b.send(req).Header.Get("X-Request-ID")
	second := b.get("/healthz").Header.Get("X-Request-ID")
	if first == "attacker-chosen" || first == second || first == "" {
		t.Errorf("request ids %q and %q: want fresh, distinct server ids", first, second)
	}
}

func TestHealth(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	wantStatus(t, b.get("/healthz"), http.StatusOK)
	ready := b.get("/readyz")
	wantStatus(t, ready, http.StatusOK)
	if !strings.Contains(ready.body, `"ready"`) {
		t.Errorf("/readyz body = %s", ready.body)
	}

	if err := f.store.Close(); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.get("/readyz"), http.StatusServiceUnavailable)
	wantStatus(t, b.get("/healthz"), http.StatusOK)
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.get("/login")
	b.get("/no-such-page")
	res := b.get("/metrics")
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{
		`consentry_http_requests_total{method="GET",route="/login",status="200"} 1`,
		`consentry_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		"consentry_http_request_duration_seconds_bucket",
		"consentry_db_write_transactions_total",
		"consentry_db_write_batches_total",
		"consentry_audit_index_behind_events",
		"consentry_audit_index_failures_total",
		"go_goroutines",
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestErrorFunnel(t *testing.T) {
	f := newFixture(t)
	t.Run("page for people", func(t *testing.T) {
		res := f.browser().get("/no-such-page")
		wantStatus(t, res, http.StatusNotFound)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type = %q, want HTML", ct)
		}
		if !strings.Contains(res.body, "Page not found") || strings.Contains(res.body, "Cannot GET") {
			t.Errorf("404 page is not friendly:\n%s", res.body)
		}
	})
	t.Run("JSON for APIs", func(t *testing.T) {
		res := f.browser().get("/api/v1/no-such-thing")
		wantStatus(t, res, http.StatusNotFound)
		var body struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal([]byte(res.body), &body); err != nil {
			t.Fatalf("body is not JSON: %v\n%s", err, res.body)
		}
		if body.Error.Code != "not_found" || body.Error.Message == "" {
			t.Errorf("error = %+v, want code not_found with a message", body.Error)
		}
	})
	t.Run("JSON when asked for", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/no-such-page", nil)
		req.Header.Set("Accept", "application/json")
		res := f.browser().send(req)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want JSON", ct)
		}
	})
}

// TestServeOverLoopback runs the real listener: the body limit (which
// app.Test cannot show, as fasthttp closes the connection) and a graceful
// shutdown when the context ends.
func TestServeOverLoopback(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.server.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz = %d", res.StatusCode)
	}

	big := url.Values{"email": {strings.Repeat("a", 300*1024)}, "password": {"x"}}
	res, err = http.PostForm(base+"/login", big)
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST 300 KiB = %d, want 413", res.StatusCode)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestStaticAssets(t *testing.T) {
	f := newFixture(t)
	res := f.browser().get("/static/css/app.css")
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q, want text/css", ct)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
		t.Errorf("Cache-Control = %q, want a max-age", cc)
	}
}

// TestShutdownWithAnIdleConnection: a client that opened a connection and
// sent nothing (as browsers do) must not make a graceful stop fail.
func TestShutdownWithAnIdleConnection(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.server.Serve(ctx, ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve with an idle connection open: %v, want a clean stop", err)
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("Serve did not stop")
	}
}
