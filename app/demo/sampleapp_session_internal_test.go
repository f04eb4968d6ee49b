package demo

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSessionCookie(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	sessions, err := newSessionSealer(internalKey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := startSession("ost_secret-access-token-value", 900, now)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := sessions.seal(st)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("round trip", func(t *testing.T) {
		got, err := sessions.open(sealed, now)
		if err != nil {
			t.Fatal(err)
		}
		if got != st {
			t.Errorf("open = %+v, want %+v", got, st)
		}
		if got, want := time.Unix(got.Expires, 0), now.Add(900*time.Second); !got.Equal(want) {
			t.Errorf("expires = %v, want %v (expires_in)", got, want)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		raw, _ := base64.RawURLEncoding.DecodeString(sealed)
		for _, secret := range []string{st.AccessToken, st.CSRF} {
			if strings.Contains(string(raw), secret) || strings.Contains(sealed, secret) {
				t.Errorf("sealed value shows %q", secret)
			}
		}
	})
	t.Run("fresh CSRF value per session", func(t *testing.T) {
		other, _ := startSession(st.AccessToken, 900, now)
		if other.CSRF == st.CSRF || len(st.CSRF) < 43 {
			t.Errorf("CSRF values %q and %q: want distinct, 256 bits each", st.CSRF, other.CSRF)
		}
	})
	t.Run("tampered refused", func(t *testing.T) {
		raw, _ := base64.RawURLEncoding.DecodeString(sealed)
		for i := range raw {
			b := slices.Clone(raw)
			b[i] ^= 0x01
			if _, err := sessions.open(base64.RawURLEncoding.EncodeToString(b), now); !errors.Is(err, errSessionInvalid) {
				t.Fatalf("byte %d flipped: err = %v, want errSessionInvalid", i, err)
			}
		}
	})
	t.Run("expired refused", func(t *testing.T) {
		if _, err := sessions.open(sealed, now.Add(900*time.Second)); !errors.Is(err, errSessionExpired) {
			t.Errorf("at expiry: err = %v, want errSessionExpired", err)
		}
		if _, err := sessions.open(sealed, now.Add(899*time.Second)); err != nil {
			t.Errorf("a second before expiry: err = %v, want nil", err)
		}
	})
	t.Run("a flow cookie's value refused", func(t *testing.T) {
		flows, _ := newFlowSealer(internalKey)
		flow, _ := flows.seal(testFlow(now.Add(flowLifetime)))
		if _, err := sessions.open(flow, now); !errors.Is(err, errSessionInvalid) {
			t.Errorf("flow value as session: err = %v, want errSessionInvalid", err)
		}
		if _, err := flows.open(sealed, now); !errors.Is(err, errFlowInvalid) {
			t.Errorf("session value as flow: err = %v, want errFlowInvalid", err)
		}
	})
	t.Run("another key refused", func(t *testing.T) {
		other, _ := newSessionSealer([]byte("another key entirely, 32 bytes!!"))
		if _, err := other.open(sealed, now); !errors.Is(err, errSessionInvalid) {
			t.Errorf("err = %v, want errSessionInvalid", err)
		}
	})
	t.Run("missing and garbage refused", func(t *testing.T) {
		if _, err := sessions.open("", now); !errors.Is(err, errNoSession) {
			t.Errorf("open(\"\"): err = %v, want errNoSession", err)
		}
		for _, v := range []string{"x", "!!!", base64.RawURLEncoding.EncodeToString(make([]byte, 40))} {
			if _, err := sessions.open(v, now); !errors.Is(err, errSessionInvalid) {
				t.Errorf("open(%q): err = %v, want errSessionInvalid", v, err)
			}
		}
	})
	t.Run("sealed without token refused", func(t *testing.T) {
		empty, _ := sessions.seal(sessionState{CSRF: "x", Expires: now.Add(time.Hour).Unix()})
		if _, err := sessions.open(empty, now); !errors.Is(err, errSessionInvalid) {
			t.Errorf("err = %v, want errSessionInvalid", err)
		}
	})
}

var lifetimeCases = []struct {
	expiresIn int64
	want      time.Duration
}{
	{0, defaultTokenLifetime},
	{-5, defaultTokenLifetime},
	{900, 15 * time.Minute},
	{1, time.Second},
	{10 * 24 * 3600, maxTokenLifetime},
}

func TestTokenLifetime(t *testing.T) {
	for _, tc := range lifetimeCases {
		if got := tokenLifetime(tc.expiresIn); got != tc.want {
			t.Errorf("tokenLifetime(%d) = %v, want %v", tc.expiresIn, got, tc.want)
		}
	}
}

func TestCheckCSRF(t *testing.T) {
	st := sessionState{AccessToken: "ost_x", CSRF: "the-session-value"}
	for _, tc := range []struct {
		name, form string
		ok         bool
	}{
		{"same value", "the-session-value", true},
		{"missing", "", false},
		{"wrong", "the-session-valuf", false},
		{"prefix", "the-session", false},
		{"longer", "the-session-value2", false},
	} {
		if err := st.checkCSRF(tc.form); (err == nil) != tc.ok {
			t.Errorf("%s: checkCSRF(%q) = %v, want ok %v", tc.name, tc.form, err, tc.ok)
		}
	}
}

func apiError(status int, challenge, code string) apiResponse {
	return apiResponse{status: status, challenge: challenge, body: []byte(`{"error":{"code":"` + code + `","message":"m"}}`)}
}

// deleteOutcomeCases are Consentry's answers to a DELETE and what the
// sample app makes of them.
var deleteOutcomeCases = []struct {
	name     string
	target   deleteTarget
	res      apiResponse
	err      error
	heading  string
	kind     string
	explains []string
}{
	{"deleted", deleteTarget{workspace: "Acme Marketing", template: "Quarterly report cover"}, apiResponse{status: http.StatusNoContent},
		nil, "Deleted", "success", []string{"“Quarterly report cover” from Acme Marketing", "both checks passed"}},
	{"scope not granted", deleteTarget{workspace: "Acme Marketing"},
		apiError(http.StatusForbidden, `Bearer error="insufficient_scope", scope="workspace:templates:write"`, "insufficient_scope"),
		nil, "Not deleted: the token lacks the scope", "warning", []string{"did not ask for workspace:templates:write", "“Delete templates”"}},
	{"scope named by the challenge only", deleteTarget{},
		apiResponse{status: http.StatusForbidden, challenge: `Bearer error="insufficient_scope", scope="workspace:templates:write"`},
		nil, "Not deleted: the token lacks the scope", "warning", nil},
	{"role too low", deleteTarget{workspace: "Acme Marketing", role: "viewer"}, apiError(http.StatusForbidden, "", "insufficient_role"),
		nil, "Not deleted: your role is too low", "warning", []string{"needs member or above", "you are a viewer there", "in Acme Marketing"}},
	{"role too low, role unknown", deleteTarget{workspace: "W"}, apiError(http.StatusForbidden, "", "insufficient_role"),
		nil, "Not deleted: your role is too low", "warning", []string{"your role there is lower"}},
	{"workspace taken away", deleteTarget{workspace: "Acme Marketing"}, apiError(http.StatusForbidden, "", "workspace_not_granted"),
		nil, "Not deleted: no access to this workspace", "warning", []string{"can no longer act in Acme Marketing"}},
	{"token revoked", deleteTarget{}, apiError(http.StatusUnauthorized, `Bearer error="invalid_token"`, "invalid_token"),
		nil, "Not deleted: the token is no longer valid", "warning", []string{"revoked", "Connected apps"}},
	{"already gone", deleteTarget{workspace: "W", template: "T"}, apiError(http.StatusNotFound, "", "not_found"),
		nil, "Not deleted: no such template", "warning", []string{"“T” is not in W any more"}},
	{"other 403", deleteTarget{}, apiError(http.StatusForbidden, "", "forbidden"),
		nil, "Consentry refused the delete", "danger", []string{"403 Forbidden"}},
	{"server fault", deleteTarget{}, apiError(http.StatusInternalServerError, "", "internal_error"),
		nil, "Consentry refused the delete", "danger", []string{"500 Internal Server Error"}},
	{"no answer", deleteTarget{}, apiResponse{}, errors.New("dial tcp: refused"),
		"Pixel Reports could not reach Consentry", "danger", []string{"cannot tell whether it happened"}},
}

func TestDeleteOutcome(t *testing.T) {
	for _, tc := range deleteOutcomeCases {
		t.Run(tc.name, func(t *testing.T) {
			got := deleteOutcome(tc.target, tc.res, tc.err)
			if got.heading != tc.heading || got.kind != tc.kind {
				t.Errorf("outcome = %q (%s), want %q (%s)", got.heading, got.kind, tc.heading, tc.kind)
			}
			for _, want := range tc.explains {
				if !strings.Contains(got.explanation, want) {
					t.Errorf("explanation %q lacks %q", got.explanation, want)
				}
			}
		})
	}
}

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"0b9e8d7c-2222-4f3e-8a1b-2c3d4e5f6a7b", true},
		{"tpl_1", true},
		{"", false},
		{"../admin", false},
		{"a/b", false},
		{"a b", false},
		{"%2e%2e", false},
		{strings.Repeat("a", maxIDLen), true},
		{strings.Repeat("a", maxIDLen+1), false},
	} {
		if got := validID(tc.id); got != tc.want {
			t.Errorf("validID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestLabel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Acme Marketing ", "Acme Marketing"},
		{"", "fallback"},
		{"   ", "fallback"},
		{"\xff\xfe", "fallback"},
		{strings.Repeat("é", maxLabelLen+5), strings.Repeat("é", maxLabelLen) + "…"},
	} {
		if got := label(tc.in, "fallback"); got != tc.want {
			t.Errorf("label(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRemainingText(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{15 * time.Minute, "in 15 minutes"},
		{90 * time.Second, "in a minute"},
		{30 * time.Second, "in 30 seconds"},
		{3 * time.Hour, "in 3 hours"},
		{-time.Second, "in 0 seconds"},
	} {
		if got := remainingText(tc.d); got != tc.want {
			t.Errorf("remainingText(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
