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
)

// The sample app keeps no server-side state: what it must remember lives in
// cookies sealed with AES-GCM, unreadable (they hold secrets: a PKCE
// verifier, an access token) and tamper-proof. Each cookie has its own key,
// derived from the session key with its own HKDF label, and its name is
// authenticated with the value, so a value sealed for one cookie never opens
// as another, nor as any of Consentry's own cookies.

// errSealInvalid is a sealed value that did not open: altered, sealed with
// another key or for another cookie, or not a sealed value at all.
var errSealInvalid = errors.New("sealed cookie is not valid")

// cookieSealer seals values for one cookie.
type cookieSealer struct {
	aead   cipher.AEAD
	cookie string
}

// newCookieSealer derives the key for cookie from sessionKey under info, a
// label no other use of the session key shares.
func newCookieSealer(sessionKey []byte, info, cookie string) (*cookieSealer, error) {
	key, err := hkdf.Key(sha256.New, sessionKey, nil, info, 32)
	if err != nil {
		return nil, fmt.Errorf("derive %s key: %w", cookie, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%s cipher: %w", cookie, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%s cipher: %w", cookie, err)
	}
	return &cookieSealer{aead: aead, cookie: cookie}, nil
}

// seal encrypts v as JSON under a fresh random nonce.
func (s *cookieSealer) seal(v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", s.cookie, err)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal %s: %w", s.cookie, err)
	}
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(s.cookie))
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// open decrypts value into v; any failure is errSealInvalid.
func (s *cookieSealer) open(value string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return errSealInvalid
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(s.cookie))
	if err != nil {
		return errSealInvalid
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return errSealInvalid
	}
	return nil
}

// randomToken is n random bytes, base64url-encoded: state, nonce and CSRF
// values.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
