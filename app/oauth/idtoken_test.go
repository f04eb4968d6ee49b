package oauth_test

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/consentry/consentry/app/oauth"
)

// idClaims are the ID token claims beyond the registered ones; pointers
// tell a missing claim from an empty one.
type idClaims struct {
	AZP           string  `json:"azp"`
	Nonce         *string `json:"nonce"`
	AuthTime      *int64  `json:"auth_time"`
	Email         *string `json:"email"`
	EmailVerified *bool   `json:"email_verified"`
	Name          *string `json:"name"`
	Picture       *string `json:"picture"`
}

// verifyIDToken checks raw's signature against the engine's published JWKS
// and returns its claims.
func verifyIDToken(t *testing.T, e *env, raw string) (jwt.Claims, idClaims) {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("parse id_token: %v", err)
	}
	if len(tok.Headers) != 1 {
		t.Fatalf("id_token has %d signatures, want 1", len(tok.Headers))
	}
	h := tok.Headers[0]
	if h.Algorithm != "ES256" || h.ExtraHeaders["typ"] != "JWT" || h.KeyID == "" {
		t.Errorf("id_token header = alg %q typ %v kid %q; want ES256, JWT and a kid", h.Algorithm, h.ExtraHeaders["typ"], h.KeyID)
	}
	jwks := e.keys.JWKS()
	keys := jwks.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys with kid %q, want 1", len(keys), h.KeyID)
	}
	var std jwt.Claims
	var extra idClaims
	if err := tok.Claims(keys[0], &std, &extra); err != nil {
		t.Fatalf("verify id_token against the JWKS: %v", err)
	}
	return std, extra
}

func TestIDToken(t *testing.T) {
	e := newEnv(t)
	a := e.authorizeConf(t, "openid profile email offline_access")
	resp := e.mustExchange(t, a)
	std, extra := verifyIDToken(t, e, resp.IDToken)

	err := std.ValidateWithLeeway(jwt.Expected{
		Issuer: testIssuer, Subject: e.user.ID, AnyAudience: jwt.Audience{"conf-app"}, Time: e.clock.Now(),
	}, 0)
	if err != nil {
		t.Errorf("id_token claims: %v", err)
	}
	if len(std.Audience) != 1 {
		t.Errorf("aud = %q, want only the client", std.Audience)
	}
	if std.IssuedAt == nil || std.Expiry == nil || !std.Expiry.Time().After(std.IssuedAt.Time()) {
		t.Errorf("iat, exp = %v, %v; want exp after iat", std.IssuedAt, std.Expiry)
	}
	if got := std.IssuedAt.Time(); !got.Equal(e.clock.Now().Truncate(time.Second)) {
		t.Errorf("iat = %v, want the engine's clock %v", got, e.clock.Now())
	}
	if extra.AZP != "conf-app" {
		t.Errorf("azp = %q, want conf-app", extra.AZP)
	}
	if extra.Nonce == nil || *extra.Nonce != a.nonce {
		t.Errorf("nonce = %v, want %q from the authorization request", extra.Nonce, a.nonce)
	}
	if extra.AuthTime == nil || *extra.AuthTime != a.authTime.Unix() {
		t.Errorf("auth_time = %v, want %d", extra.AuthTime, a.authTime.Unix())
	}

	t.Run("a refreshed id_token keeps subject, audience and auth_time", func(t *testing.T) {
		e.clock.Advance(10 * time.Minute)
		again := e.mustRefresh(t, e.conf, resp.RefreshToken)
		std2, extra2 := verifyIDToken(t, e, again.IDToken)
		if std2.Subject != e.user.ID || !std2.Audience.Contains("conf-app") || std2.Issuer != testIssuer {
			t.Errorf("refreshed id_token = %+v, want the same sub, aud and iss", std2)
		}
		if extra2.AuthTime == nil || *extra2.AuthTime != a.authTime.Unix() {
			t.Errorf("refreshed auth_time = %v, want the original %d", extra2.AuthTime, a.authTime.Unix())
		}
		if !std2.IssuedAt.Time().After(std.IssuedAt.Time()) {
			t.Errorf("refreshed iat = %v, want after %v", std2.IssuedAt, std.IssuedAt)
		}
	})
}

// idTokenClaimTests: email claims only with email, profile claims only
// with profile.
var idTokenClaimTests = []struct {
	scope               string
	wantEmail, wantName bool
}{
	{"openid", false, false},
	{"openid email", true, false},
	{"openid profile", false, true},
	{"openid profile email", true, true},
}

func TestIDTokenClaimsFollowScopes(t *testing.T) {
	e := newEnv(t)
	for _, tt := range idTokenClaimTests {
		t.Run(tt.scope, func(t *testing.T) {
			resp := e.mustExchange(t, e.authorizeConf(t, tt.scope))
			_, c := verifyIDToken(t, e, resp.IDToken)
			if gotEmail := c.Email != nil; gotEmail != tt.wantEmail {
				t.Errorf("email present = %v, want %v", gotEmail, tt.wantEmail)
			}
			if gotVerified := c.EmailVerified != nil; gotVerified != tt.wantEmail {
				t.Errorf("email_verified present = %v, want %v", gotVerified, tt.wantEmail)
			}
			if tt.wantEmail && *c.Email != "ada@example.com" {
				t.Errorf("email = %q, want ada@example.com", *c.Email)
			}
			if gotName := c.Name != nil; gotName != tt.wantName {
				t.Errorf("name present = %v, want %v", gotName, tt.wantName)
			}
			if gotPicture := c.Picture != nil; gotPicture != tt.wantName {
				t.Errorf("picture present = %v, want %v", gotPicture, tt.wantName)
			}
			if tt.wantName && *c.Name != "Ada Lovelace" {
				t.Errorf("name = %q, want Ada Lovelace", *c.Name)
			}
		})
	}
}

func TestIDTokenFromAnotherKeyDoesNotVerify(t *testing.T) {
	e := newEnv(t)
	f := newEnv(t)
	resp := e.mustExchange(t, e.authorizeConf(t, "openid"))
	tok, err := jwt.ParseSigned(resp.IDToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var std jwt.Claims
	for _, k := range f.keys.JWKS().Keys {
		if err := tok.Claims(k, &std); err == nil {
			t.Errorf("id_token verifies against another server's key %q", k.KeyID)
		}
	}
}

func TestLoadKeySet(t *testing.T) {
	e := newEnv(t)
	again, err := oauth.LoadKeySet(e.ctx, e.store, rand.Reader, e.clock.Now())
	if err != nil {
		t.Fatalf("LoadKeySet again: %v", err)
	}
	first, second := e.keys.JWKS(), again.JWKS()
	if len(first.Keys) != 1 || len(second.Keys) != 1 {
		t.Fatalf("JWKS sizes = %d, %d; want 1 and 1", len(first.Keys), len(second.Keys))
	}
	if first.Keys[0].KeyID != second.Keys[0].KeyID {
		t.Errorf("kid after reload = %q, want the stored %q", second.Keys[0].KeyID, first.Keys[0].KeyID)
	}
	k := second.Keys[0]
	if !k.IsPublic() || k.Algorithm != "ES256" || k.Use != "sig" || !k.Valid() {
		t.Errorf("published key = public %v, alg %q, use %q, valid %v; want a public ES256 signing key", k.IsPublic(), k.Algorithm, k.Use, k.Valid())
	}
	if strings.Contains(string(mustJSON(t, second)), `"d"`) {
		t.Errorf("JWKS JSON has a private part")
	}
	// A token signed after the reload verifies with the key published before.
	engine := oauth.New(testIssuer, e.store, e.catalog, again, oauth.Options{Now: e.clock.Now, Random: rand.Reader})
	a := e.authorizeConf(t, "openid")
	resp, err := engine.Token(e.ctx, oauth.TokenRequest{Params: exchangeParams(a), Credentials: basic("conf-app", confSecret)})
	if err != nil {
		t.Fatalf("exchange with the reloaded keys: %v", err)
	}
	verifyIDToken(t, e, resp.IDToken)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
