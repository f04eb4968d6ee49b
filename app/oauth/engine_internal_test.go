package oauth

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/models"
)

// These tests reach unexported helpers; they cannot use app/clients (which
// imports this package), so everything needing a registered client lives
// in package oauth_test.

var pkceValueTests = []struct {
	name  string
	value string
	want  bool
}{
	{"43 unreserved characters", strings.Repeat("a", 43), true},
	{"128 unreserved characters", strings.Repeat("Z", 128), true},
	{"every unreserved symbol", strings.Repeat("-._~", 11), true},
	{"42 characters is too short", strings.Repeat("a", 42), false},
	{"129 characters is too long", strings.Repeat("a", 129), false},
	{"plus is not unreserved", strings.Repeat("a", 42) + "+", false},
	{"slash is not unreserved", strings.Repeat("a", 42) + "/", false},
	{"padding is not unreserved", strings.Repeat("a", 42) + "=", false},
	{"non-ASCII is refused", strings.Repeat("a", 42) + "é", false},
	{"empty", "", false},
}

func TestValidPKCEValue(t *testing.T) {
	for _, tt := range pkceValueTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validPKCEValue(tt.value); got != tt.want {
				t.Errorf("validPKCEValue(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

// The RFC 7636 Appendix B pair.
const (
	appendixBVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	appendixBChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

var verifyS256Tests = []struct {
	name                string
	verifier, challenge string
	want                bool
}{
	{"the RFC 7636 example matches", appendixBVerifier, appendixBChallenge, true},
	{"plain (verifier equals challenge) does not match", appendixBVerifier, appendixBVerifier, false},
	{"another verifier does not match", strings.Repeat("a", 43), appendixBChallenge, false},
	{"a padded challenge does not match", appendixBVerifier, appendixBChallenge + "=", false},
	{"a malformed verifier never matches", "short", "short", false},
	{"an empty challenge never matches", appendixBVerifier, "", false},
}

func TestVerifyS256(t *testing.T) {
	for _, tt := range verifyS256Tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verifyS256(tt.verifier, tt.challenge); got != tt.want {
				t.Errorf("verifyS256(%q, %q) = %v, want %v", tt.verifier, tt.challenge, got, tt.want)
			}
		})
	}
}

var parseScopeTests = []struct {
	in   string
	want []string
}{
	{"", nil},
	{"   ", nil},
	{"openid", []string{"openid"}},
	{"openid  profile", []string{"openid", "profile"}},
	{"profile openid profile", []string{"profile", "openid"}},
}

func TestParseScopeParam(t *testing.T) {
	for _, tt := range parseScopeTests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseScopeParam(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("parseScopeParam(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalScopes(t *testing.T) {
	c := models.DefaultCatalog()
	got := canonicalScopes(c, []string{"zzz", "offline_access", "openid", "aaa", "workspace:read", "openid"})
	want := scopeSet{"openid", "workspace:read", "offline_access", "aaa", "zzz"}
	if !slices.Equal(got, want) {
		t.Errorf("canonicalScopes = %q, want %q (catalog order, unknown last and sorted)", got, want)
	}
}

var scopeSetTests = []struct {
	name       string
	s, other   scopeSet
	wantInter  scopeSet
	wantSubset bool
}{
	{"disjoint", scopeSet{"openid"}, scopeSet{"email"}, scopeSet{}, false},
	{"subset", scopeSet{"openid", "email"}, scopeSet{"email", "openid", "profile"}, scopeSet{"openid", "email"}, true},
	{"overlap keeps the left order", scopeSet{"email", "openid", "profile"}, scopeSet{"openid", "email"}, scopeSet{"email", "openid"}, false},
	{"empty is a subset of anything", scopeSet{}, scopeSet{}, scopeSet{}, true},
}

func TestScopeSet(t *testing.T) {
	for _, tt := range scopeSetTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.intersect(tt.other); !slices.Equal(got, tt.wantInter) {
				t.Errorf("intersect = %q, want %q", got, tt.wantInter)
			}
			if got := tt.s.subsetOf(tt.other); got != tt.wantSubset {
				t.Errorf("subsetOf = %v, want %v", got, tt.wantSubset)
			}
		})
	}
	if got := splitStored(""); got == nil || len(got) != 0 {
		t.Errorf("splitStored(\"\") = %#v, want an empty set", got)
	}
	c := models.DefaultCatalog()
	if needsWorkspace(c, []string{"openid", "offline_access"}) || !needsWorkspace(c, []string{"openid", "render:generate"}) {
		t.Errorf("needsWorkspace does not follow the catalog's workspace flag")
	}
}

var matchRedirectTests = []struct {
	name       string
	registered []string
	requested  string
	public     bool
	want       bool
}{
	{"exact https", []string{"https://a.example/cb"}, "https://a.example/cb", false, true},
	{"public exact https", []string{"https://a.example/cb"}, "https://a.example/cb", true, true},
	{"public https on another port", []string{"https://a.example/cb"}, "https://a.example:8443/cb", true, false},
	{"public loopback any port", []string{"http://127.0.0.1/cb"}, "http://127.0.0.1:1234/cb", true, true},
	{"confidential loopback other port", []string{"http://127.0.0.1:80/cb"}, "http://127.0.0.1:1234/cb", false, false},
	{"public localhost other port", []string{"http://localhost:80/cb"}, "http://localhost:1234/cb", true, false},
	{"public loopback with a fragment", []string{"http://127.0.0.1/cb"}, "http://127.0.0.1:1234/cb#x", true, false},
	{"public loopback with a different query", []string{"http://127.0.0.1/cb?a=1"}, "http://127.0.0.1:1234/cb?a=2", true, false},
	{"public loopback with the same query", []string{"http://127.0.0.1/cb?a=1"}, "http://127.0.0.1:1234/cb?a=1", true, true},
	{"public loopback v6 against v4", []string{"http://127.0.0.1/cb"}, "http://[::1]:1234/cb", true, false},
	{"nothing registered", nil, "http://127.0.0.1:1234/cb", true, false},
}

func TestMatchRedirectURI(t *testing.T) {
	for _, tt := range matchRedirectTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchRedirectURI(tt.registered, tt.requested, tt.public); got != tt.want {
				t.Errorf("matchRedirectURI(%q, %q, public %v) = %v, want %v", tt.registered, tt.requested, tt.public, got, tt.want)
			}
		})
	}
}

// allowedDescription reports whether s uses only the characters RFC 6749
// allows in error_description.
func allowedDescription(s string) bool {
	for _, r := range s {
		if !(r == 0x20 || r == 0x21 || (r >= 0x23 && r <= 0x5B) || (r >= 0x5D && r <= 0x7E)) {
			return false
		}
	}
	return true
}

func TestErrorDescriptionCharacters(t *testing.T) {
	err := oauthError(ErrCodeInvalidScope, "unknown scope %q", "a\"b\\c\x01d é\n")
	if !allowedDescription(err.Description) {
		t.Errorf("Description = %q has characters RFC 6749 §4.1.2.1 forbids", err.Description)
	}
	if want := `unknown scope 'a?'b??c?x01d ??n'`; err.Description != want {
		t.Errorf("Description = %q, want %q", err.Description, want)
	}
}

var statusTests = []struct {
	code string
	want int
}{
	{ErrCodeInvalidClient, http.StatusUnauthorized},
	{ErrCodeServerError, http.StatusInternalServerError},
	{ErrCodeInvalidGrant, http.StatusBadRequest},
	{ErrCodeInvalidRequest, http.StatusBadRequest},
	{ErrCodeUnsupportedGrantType, http.StatusBadRequest},
}

func TestErrorStatus(t *testing.T) {
	for _, tt := range statusTests {
		t.Run(tt.code, func(t *testing.T) {
			if got := (&Error{Code: tt.code}).Status(); got != tt.want {
				t.Errorf("Status() = %d, want %d", got, tt.want)
			}
		})
	}
}
