package demo

import (
	"errors"
	"fmt"
	"time"
)

// The sample app keeps what it must remember between /demo/connect and
// /demo/callback (state, PKCE verifier, nonce, the scopes it asked for) in one
// sealed cookie instead of a server-side map: there is nothing to expire or
// bound in memory, so a flood of /demo/connect requests costs the server
// nothing, and it works unchanged behind several replicas. The sealing is
// sampleapp_seal.go's, under this cookie's own label.
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
type flowSealer struct{ sealer *cookieSealer }

func newFlowSealer(sessionKey []byte) (*flowSealer, error) {
	s, err := newCookieSealer(sessionKey, flowKeyInfo, flowCookieName)
	if err != nil {
		return nil, fmt.Errorf("flow cookie: %w", err)
	}
	return &flowSealer{sealer: s}, nil
}

// seal encrypts f; the cookie name is authenticated too, so a value cannot
// be replayed under another cookie.
func (s *flowSealer) seal(f flowState) (string, error) {
	return s.sealer.seal(f)
}

// open decrypts a sealed value and refuses it once expired.
func (s *flowSealer) open(value string, now time.Time) (flowState, error) {
	var f flowState
	if err := s.sealer.open(value, &f); err != nil || f.State == "" || f.Verifier == "" {
		return flowState{}, errFlowInvalid
	}
	if !now.Before(time.Unix(f.Expires, 0)) {
		return flowState{}, errFlowExpired
	}
	return f, nil
}
