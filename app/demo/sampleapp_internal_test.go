package demo

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

var internalKey = []byte("0123456789abcdef0123456789abcdef")

func testFlow(expires time.Time) flowState {
	return flowState{State: "state-value", Verifier: "verifier-value", Nonce: "nonce-value", Scopes: []string{"openid"}, Expires: expires.Unix()}
}

func TestFlowCookie(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	sealer, err := newFlowSealer(internalKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := sealer.seal(testFlow(now.Add(flowLifetime)))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("round trip", func(t *testing.T) {
		got, err := sealer.open(sealed, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := testFlow(now.Add(flowLifetime)); got.State != want.State || got.Verifier != want.Verifier || got.Nonce != want.Nonce || !slices.Equal(got.Scopes, want.Scopes) {
			t.Errorf("open = %+v, want %+v", got, want)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		raw, _ := base64.RawURLEncoding.DecodeString(sealed)
		for _, secret := range []string{"state-value", "verifier-value", "nonce-value"} {
			if strings.Contains(string(raw), secret) || strings.Contains(sealed, secret) {
				t.Errorf("sealed value shows %q", secret)
			}
		}
	})
	t.Run("sealing twice differs", func(t *testing.T) {
		again, _ := sealer.seal(testFlow(now.Add(flowLifetime)))
		if again == sealed {
			t.Errorf("two seals of the same flow are equal; the nonce is not random")
		}
	})
	t.Run("tampered refused", func(t *testing.T) {
		raw, _ := base64.RawURLEncoding.DecodeString(sealed)
		for i := range raw {
			b := slices.Clone(raw)
			b[i] ^= 0x01
			if _, err := sealer.open(base64.RawURLEncoding.EncodeToString(b), now); !errors.Is(err, errFlowInvalid) {
				t.Fatalf("byte %d flipped: err = %v, want errFlowInvalid", i, err)
			}
		}
	})
	t.Run("expired refused", func(t *testing.T) {
		if _, err := sealer.open(sealed, now.Add(flowLifetime)); !errors.Is(err, errFlowExpired) {
			t.Errorf("at expiry: err = %v, want errFlowExpired", err)
		}
		if _, err := sealer.open(sealed, now.Add(flowLifetime-time.Second)); err != nil {
			t.Errorf("a second before expiry: err = %v, want nil", err)
		}
	})
	t.Run("another key refused", func(t *testing.T) {
		other, _ := newFlowSealer([]byte("another key entirely, 32 bytes!!"))
		if _, err := other.open(sealed, now); !errors.Is(err, errFlowInvalid) {
			t.Errorf("err = %v, want errFlowInvalid", err)
		}
	})
	t.Run("garbage refused", func(t *testing.T) {
		for _, v := range []string{"", "x", "!!!", base64.RawURLEncoding.EncodeToString(make([]byte, 40))} {
			if _, err := sealer.open(v, now); !errors.Is(err, errFlowInvalid) {
				t.Errorf("open(%q): err = %v, want errFlowInvalid", v, err)
			}
		}
	})
}

var maskCases = []struct{ in, want string }{
	{"", ""},
	{"ost_9f8e7d6c5b4a39281706f5e4d3c2b1a0a1b2", "ost_…a1b2"},
	{"osr_0123456789abcdefXYZW", "osr_…XYZW"},
	{"ost_short", "ost_…"},
	{"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "…dXJl"},
	{"no-prefix-but-long-enough", "…ough"},
	{"tiny", "…"},
	{"averyveryverylongprefix_abcdefghijklmnop", "…mnop"},
}

func TestMaskSecret(t *testing.T) {
	for _, tc := range maskCases {
		if got := maskSecret(tc.in); got != tc.want {
			t.Errorf("maskSecret(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

var scopeCases = []struct {
	name  string
	query string
	want  []string
	err   bool
}{
	{"nothing asks for the defaults", "", defaultScopes(), false},
	{"checkboxes", "scope=openid&scope=email", []string{"openid", "email"}, false},
	{"space-separated", "scope=openid+email", []string{"openid", "email"}, false},
	{"duplicates dropped", "scope=openid+openid&scope=openid", []string{"openid"}, false},
	{"quote refused", "scope=%22x", nil, true},
	{"backslash refused", "scope=a%5Cb", nil, true},
	{"non-ASCII refused", "scope=%C3%A9", nil, true},
	{"form with nothing checked", "chosen=1", nil, true},
}

func TestRequestedScopes(t *testing.T) {
	for _, tc := range scopeCases {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			got, err := requestedScopes(q)
			if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
				t.Errorf("requestedScopes(%q) = %v, %v; want %v, error %v", tc.query, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestDecodeJWT(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	header, claims, err := decodeJWT(enc([]byte(`{"alg":"ES256"}`)) + "." + enc([]byte(`{"sub":"u1","nonce":"n"}`)) + ".sig")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(header, `"alg": "ES256"`) || !strings.Contains(claims, `"sub": "u1"`) {
		t.Errorf("decodeJWT = %q, %q", header, claims)
	}
	for _, bad := range []string{"", "a.b", "a.b.c.d", "!!.e30.x", enc([]byte("not json")) + ".e30.x"} {
		if _, _, err := decodeJWT(bad); err == nil {
			t.Errorf("decodeJWT(%q) succeeded", bad)
		}
	}
}

// TestOutboundOnlyToIssuer checks that the sample app's HTTP client never
// leaves the issuer: not for another origin, not through a redirect.
func TestOutboundOnlyToIssuer(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request reached another origin: %s", r.URL)
	}))
	defer other.Close()
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/stolen", http.StatusFound)
	}))
	defer issuer.Close()
	a := NewSampleApp(SampleAppConfig{Issuer: issuer.URL, SessionKey: internalKey})

	if a.client.Timeout != outboundTimeout {
		t.Errorf("timeout = %v, want %v", a.client.Timeout, outboundTimeout)
	}
	if _, err := a.get(context.Background(), other.URL+"/api/v1/me", "ost_secret"); !errors.Is(err, errNotIssuer) {
		t.Errorf("request to another origin: err = %v, want errNotIssuer", err)
	}
	if _, err := a.get(context.Background(), issuer.URL+"/api/v1/me", "ost_secret"); err == nil {
		t.Errorf("a redirect was followed")
	}
	if _, err := a.get(context.Background(), strings.Replace(issuer.URL, "http://", "https://", 1)+"/x", ""); !errors.Is(err, errNotIssuer) {
		t.Errorf("request over another scheme: err = %v, want errNotIssuer", err)
	}
}

func TestOutboundKeepsShorterTimeout(t *testing.T) {
	a := NewSampleApp(SampleAppConfig{Issuer: "http://127.0.0.1:8080", SessionKey: internalKey, HTTPClient: &http.Client{Timeout: time.Second}})
	if a.client.Timeout != time.Second {
		t.Errorf("timeout = %v, want 1s", a.client.Timeout)
	}
}
