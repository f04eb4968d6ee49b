package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	b := f.browser()

	loginPage := b.get("/login")
	wantStatus(t, loginPage, http.StatusOK)
	before := b.cookies[sessionCookie]
	tokenBefore := b.csrfFrom(loginPage)

	res := b.post("/login", url.Values{"email": {"Alice@Example.com"}, "password": {"alice-password"}, "_csrf": {tokenBefore}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != "/apps" {
		t.Errorf("redirect after sign-in = %q, want /apps", got)
	}
	if b.cookies[sessionCookie] == before {
		t.Error("session cookie was not renewed at sign-in")
	}

	apps := b.get("/apps")
	wantStatus(t, apps, http.StatusOK)
	if !strings.Contains(apps.body, "Alice Example") || !strings.Contains(apps.body, "Acme Marketing") {
		t.Errorf("/apps does not show alice and her workspace:\n%s", apps.body)
	}
	if tokenAfter := b.csrfFrom(apps); tokenAfter == tokenBefore {
		t.Error("CSRF token survived sign-in; it must be renewed with the session")
	}

	// Signed in, /login goes straight on.
	wantStatus(t, b.get("/login"), http.StatusSeeOther)
}

var refusedSignInTests = []struct {
	name     string
	email    string
	password string
	want     int
	message  string
}{
	{"wrong password", "alice@example.com", "not-her-password", http.StatusUnprocessableEntity, msgWrongCredentials},
	{"unknown email", "nobody@example.com", "alice-password", http.StatusUnprocessableEntity, msgWrongCredentials},
	{"empty password", "alice@example.com", "", http.StatusUnprocessableEntity, msgMissingFields},
	{"empty email", "", "alice-password", http.StatusUnprocessableEntity, msgMissingFields},
}

func TestSignInRefused(t *testing.T) {
	for _, tt := range refusedSignInTests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			b := f.browser()
			token := b.csrfFrom(b.get("/login"))
			res := b.post("/login", url.Values{"email": {tt.email}, "password": {tt.password}, "_csrf": {token}})
			wantStatus(t, res, tt.want)
			if !strings.Contains(res.body, tt.message) {
				t.Errorf("page does not say %q:\n%s", tt.message, res.body)
			}
			if !strings.Contains(res.body, `role="alert"`) {
				t.Error("the error is not announced to screen readers (role=alert)")
			}
			assertSignedOut(t, b)
		})
	}
}

func assertSignedOut(t *testing.T, b *browser) {
	t.Helper()
	res := b.get("/apps")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("GET /apps: status %d location %q, want a redirect to /login (signed out)", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestSignInWithoutCSRFChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		token func(b *browser) string
	}{
		{"no token", func(*browser) string { return "" }},
		{"forged token", func(*browser) string { return "forged-token-value" }},
		{"token from another session", func(b *browser) string {
			other := b.f.browser()
			return other.csrfFrom(other.get("/login"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			b := f.browser()
			b.get("/login")
			form := url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}}
			if tok := tt.token(b); tok != "" {
				form.Set("_csrf", tok)
			}
			res := b.post("/login", form)
			wantStatus(t, res, http.StatusForbidden)
			assertSignedOut(t, b)
		})
	}
}

func TestSignInReturnTo(t *testing.T) {
	tests := []struct {
		returnTo string
		want     string
	}{
		{"/apps?tab=1", "/apps?tab=1"},
		{"/oauth/authorize?client_id=x&state=y", "/oauth/authorize?client_id=x&state=y"},
		{"https://evil.example/", "/apps"},
		{"//evil.example/", "/apps"},
		{"/\\evil.example", "/apps"},
		{"javascript:alert(1)", "/apps"},
		{"", "/apps"},
	}
	for _, tt := range tests {
		t.Run(tt.returnTo, func(t *testing.T) {
			f := newFixture(t)
			b := f.browser()
			page := b.get("/login?return_to=" + url.QueryEscape(tt.returnTo))
			res := b.post("/login", url.Values{
				"email": {"alice@example.com"}, "password": {"alice-password"},
				"_csrf": {b.csrfFrom(page)}, "return_to": {tt.returnTo},
			})
			wantStatus(t, res, http.StatusSeeOther)
			if got := res.Header.Get("Location"); got != tt.want {
				t.Errorf("redirect = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSafeReturnTo(t *testing.T) {
	tests := map[string]string{
		"/apps":                  "/apps",
		"/apps/x?y=1#z":          "/apps/x?y=1#z",
		"":                       defaultLanding,
		"apps":                   defaultLanding,
		"//evil.example":         defaultLanding,
		"///evil.example":        defaultLanding,
		"/\\evil.example":        defaultLanding,
		"/%2F%2Fevil.example":    defaultLanding,
		"https://evil.example/":  defaultLanding,
		"/apps\r\nSet-Cookie: x": defaultLanding,
		"/apps\t":                defaultLanding,
	}
	for in, want := range tests {
		if got := safeReturnTo(in); got != want {
			t.Errorf("safeReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignInThrottled(t *testing.T) {
	t.Run("per account", func(t *testing.T) {
		f := newFixture(t)
		b := f.browser()
		token := b.csrfFrom(b.get("/login"))
		for range 5 {
			res := b.post("/login", url.Values{"email": {"alice@example.com"}, "password": {"guess"}, "_csrf": {token}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
		}
		res := b.post("/login", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}, "_csrf": {token}})
		wantStatus(t, res, http.StatusTooManyRequests)
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		if !strings.Contains(res.body, "Too many sign-in attempts") {
			t.Errorf("page does not explain the refusal:\n%s", res.body)
		}
		assertSignedOut(t, b)

		// Another account from the same address is still allowed.
		b.signIn("bob@example.com", "bob-password")
	})
	t.Run("per address", func(t *testing.T) {
		f := newFixture(t)
		b := f.browser()
		token := b.csrfFrom(b.get("/login"))
		for i := range 20 {
			email := "spray" + string(rune('a'+i)) + "@example.com"
			b.post("/login", url.Values{"email": {email}, "password": {"guess"}, "_csrf": {token}})
		}
		res := b.post("/login", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}, "_csrf": {token}})
		wantStatus(t, res, http.StatusTooManyRequests)
		assertSignedOut(t, b)
	})
}

func TestSignOut(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn("alice@example.com", "alice-password")
	apps := b.get("/apps")

	// Without the token nothing happens.
	wantStatus(t, b.post("/logout", url.Values{}), http.StatusForbidden)
	wantStatus(t, b.get("/apps"), http.StatusOK)

	res := b.post("/logout", url.Values{"_csrf": {b.csrfFrom(apps)}})
	wantStatus(t, res, http.StatusSeeOther)
	assertSignedOut(t, b)
}

func TestSignedOutRedirectsToSignIn(t *testing.T) {
	f := newFixture(t)
	res := f.browser().get("/apps")
	wantStatus(t, res, http.StatusSeeOther)
	if got, want := res.Header.Get("Location"), "/login?return_to=%2Fapps"; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
}

func TestForgedSessionCookieIsIgnored(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.cookies[sessionCookie] = "MTcwMDAwMDAwMHx1aWQ9YWxpY2V8"
	assertSignedOut(t, b)
}

func TestSessionCookieAttributes(t *testing.T) {
	tests := []struct {
		issuer     string
		wantSecure bool
	}{
		{"http://127.0.0.1:8080", false},
		{"https://auth.example.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			f := newFixture(t, withIssuer(tt.issuer))
			res := f.browser().get("/login")
			var found bool
			for _, c := range res.Cookies() {
				if c.Name != sessionCookie {
					continue
				}
				found = true
				if !c.HttpOnly {
					t.Error("session cookie is not HttpOnly")
				}
				if c.SameSite != http.SameSiteLaxMode {
					t.Errorf("SameSite = %v, want Lax", c.SameSite)
				}
				if c.Secure != tt.wantSecure {
					t.Errorf("Secure = %v, want %v", c.Secure, tt.wantSecure)
				}
				if c.MaxAge <= 0 || c.MaxAge > 24*3600 {
					t.Errorf("MaxAge = %d, want a lifetime of at most a day", c.MaxAge)
				}
			}
			if !found {
				t.Fatal("no session cookie set by /login")
			}
		})
	}
}

func TestNewRejectsShortSessionKey(t *testing.T) {
	f := newFixture(t)
	_, err := New(Config{Issuer: "http://127.0.0.1:8080", SessionKey: []byte("short")}, f.server.svc)
	if err == nil {
		t.Fatal("New with a 5-byte session key: got nil error")
	}
}
