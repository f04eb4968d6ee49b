package grants

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The consent form carries the authorization request it answers, signed
// with a key only the server holds, instead of the id of a row written when
// the screen was shown: showing the screen then writes nothing, and the one
// write of a consent is the decision's own transaction. The signature keeps
// everything the browser posts from changing the client, redirect URI,
// PKCE challenge or anything else the request said; a ConsentAnswer row,
// written with the decision, makes it answerable once. The request is
// signed, not encrypted: all of it was already in the authorization URL
// the browser holds.

// MinRequestKeyLength is the shortest key New accepts.
const MinRequestKeyLength = 32

// signedRequest is what the consent form carries, as JSON with short names
// to keep the form small.
type signedRequest struct {
	// ID is a UUIDv7, so answers are recorded in time order.
	ID            string `json:"id"`
	UserID        string `json:"uid"`
	ClientID      string `json:"cid"`
	RedirectURI   string `json:"ru"`
	Scopes        string `json:"sc"`
	State         string `json:"st,omitempty"`
	Nonce         string `json:"n,omitempty"`
	CodeChallenge string `json:"cc"`
	Prompt        string `json:"p,omitempty"`
	// AuthTime and ExpiresAt are Unix nanoseconds (unixNanos), so times
	// come back exactly as they were.
	AuthTime  int64 `json:"at"`
	ExpiresAt int64 `json:"exp"`
}

func (r signedRequest) expiresAt() time.Time { return fromUnixNanos(r.ExpiresAt) }

// unixNanos is t in Unix nanoseconds, 0 for the zero time.
func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNanos is the UTC time unixNanos gave n as.
func fromUnixNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// requestSigner signs and checks the requests consent forms carry.
type requestSigner struct {
	key []byte
}

func newRequestSigner(key []byte) (requestSigner, error) {
	if len(key) < MinRequestKeyLength {
		return requestSigner{}, fmt.Errorf("consent request key must be at least %d bytes, got %d", MinRequestKeyLength, len(key))
	}
	return requestSigner{key: key}, nil
}

// sign returns the form value of r: its JSON and the JSON's HMAC-SHA256,
// each in base64url, joined by a dot.
func (s requestSigner) sign(r signedRequest) (string, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("sign consent request: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload)), nil
}

// errBadSignature is any form value sign did not make with this key.
var errBadSignature = errors.New("consent request: not signed by this server")

// open returns the request a form value carries, if this server signed it.
// The signature is checked, in constant time, before anything is decoded.
func (s requestSigner) open(value string) (signedRequest, error) {
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		return signedRequest{}, errBadSignature
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return signedRequest{}, errBadSignature
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return signedRequest{}, errBadSignature
	}
	var r signedRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return signedRequest{}, fmt.Errorf("consent request: %w", err)
	}
	return r, nil
}

func (s requestSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}
