package demo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The sample app keeps what it must remember between /demo/connect and
// /demo/callback (state, PKCE verifier, nonce, the scopes it asked for) in one
// sealed cookie instead of a server-side map: there is nothing to expire or
// bound in memory, so a flood of /demo/connect requests costs the server
// nothing, and it works unchanged behind several replicas. AES-GCM makes the
// value unreadable (the verifier is a secret) and tamper-proof; the key is
// derived from the session key with its own HKDF label, so it can never be
// confused with the session cookie's keys.
const (
	flowCookieName = "pixel_reports_flow"
	flowKeyInfo    = "consentry demo sample app flow cookie v1"
	// flowLifetime bounds a whole trip through sign-in and consent.
	flowLifetime = 10 * time.Minute
)

var (
	errFlowInvalid = errors.New("flow cookie is not valid")
	errFlowExpired = errors.New("flow cookie has expired")
)

// flowState is what the sample app remembers about one authorization request.
type flowState struct {
	State    string   `json:"st"`
	Verifier string   `json:"cv"`
	Nonce    string   `json:"n,omitempty"`
	Scopes   []string `json:"sc"`
	// Expires is in Unix seconds; it is inside the sealed value so that a
	// cookie kept past its Max-Age is refused all the same.
	Expires int64 `json:"exp"`
}

// flowSealer seals and opens flow cookies.
type flowSealer struct{ aead cipher.AEAD }

func newFlowSealer(sessionKey []byte) (*flowSealer, error) {
	key, err := hkdf.Key(sha256.New, sessionKey, nil, flowKeyInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive flow cookie key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("flow cookie cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("flow cookie cipher: %w", err)
	}
	return &flowSealer{aead: aead}, nil
}

// seal encrypts f; the cookie name is authenticated too, so a value cannot
// be replayed under another cookie.
func (s *flowSealer) seal(f flowState) (string, error) {
	plain, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("seal flow cookie: %w", err)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal flow cookie: %w", err)
	}
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(flowCookieName))
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// open decrypts a sealed value and refuses it once expired.
func (s *flowSealer) open(value string, now time.Time) (flowState, error) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return flowState{}, errFlowInvalid
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(flowCookieName))
	if err != nil {
		return flowState{}, errFlowInvalid
	}
	var f flowState
	if err := json.Unmarshal(plain, &f); err != nil || f.State == "" || f.Verifier == "" {
		return flowState{}, errFlowInvalid
	}
	if !now.Before(time.Unix(f.Expires, 0)) {
		return flowState{}, errFlowExpired
	}
	return f, nil
}

// randomToken is n random bytes, base64url-encoded: state and nonce values.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
