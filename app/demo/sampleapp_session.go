package demo

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
)

// After a successful callback the sample app keeps the access token so the
// visitor can go on calling the API (list templates, delete one) without
// connecting again. Like the flow, it lives in a sealed cookie rather than
// on the server: the token is a secret, so the cookie is unreadable, and it
// dies with the token (expires_in), inside the sealed value as well as in
// Max-Age. The same cookie carries a random CSRF value that every form of
// the sample app repeats in a hidden field: SameSite=Lax alone would leave a
// same-site page able to post, and the demo's own forms spend the token.
const (
	sessionCookieName = "pixel_reports_session"
	sessionKeyInfo    = "consentry demo sample app session cookie v1"
	// defaultTokenLifetime is assumed when the token response has no
	// expires_in; maxTokenLifetime bounds what the cookie keeps either way.
	defaultTokenLifetime = 15 * time.Minute
	maxTokenLifetime     = 24 * time.Hour
	// csrfField is the hidden form field that repeats the session's value.
	csrfField = "csrf"
)

var (
	errNoSession      = errors.New("no session cookie")
	errSessionInvalid = errors.New("session cookie is not valid")
	errSessionExpired = errors.New("session cookie has expired")
	errCSRF           = errors.New("form does not carry the session's CSRF value")
)

// sessionState is what the sample app keeps after connecting.
type sessionState struct {
	AccessToken string `json:"at"`
	CSRF        string `json:"csrf"`
	// Expires is when the access token expires, in Unix seconds.
	Expires int64 `json:"exp"`
}

// sessionSealer seals and opens session cookies.
type sessionSealer struct{ sealer *cookieSealer }

func newSessionSealer(sessionKey []byte) (*sessionSealer, error) {
	s, err := newCookieSealer(sessionKey, sessionKeyInfo, sessionCookieName)
	if err != nil {
		return nil, fmt.Errorf("session cookie: %w", err)
	}
	return &sessionSealer{sealer: s}, nil
}

// startSession makes a session for a fresh access token with a new CSRF value.
// expiresIn is the token response's expires_in (0 when it had none).
func startSession(accessToken string, expiresIn int64, now time.Time) (sessionState, error) {
	csrf, err := randomToken(32)
	if err != nil {
		return sessionState{}, err
	}
	return sessionState{AccessToken: accessToken, CSRF: csrf, Expires: now.Add(tokenLifetime(expiresIn)).Unix()}, nil
}

// tokenLifetime is how long the session keeps a token of expires_in seconds.
func tokenLifetime(expiresIn int64) time.Duration {
	switch {
	case expiresIn <= 0:
		return defaultTokenLifetime
	case expiresIn > int64(maxTokenLifetime/time.Second):
		return maxTokenLifetime
	}
	return time.Duration(expiresIn) * time.Second
}

func (s *sessionSealer) seal(st sessionState) (string, error) {
	return s.sealer.seal(st)
}

// open decrypts a session cookie and refuses it once the token expired.
func (s *sessionSealer) open(value string, now time.Time) (sessionState, error) {
	if value == "" {
		return sessionState{}, errNoSession
	}
	var st sessionState
	if err := s.sealer.open(value, &st); err != nil || st.AccessToken == "" || st.CSRF == "" {
		return sessionState{}, errSessionInvalid
	}
	if !now.Before(time.Unix(st.Expires, 0)) {
		return sessionState{}, errSessionExpired
	}
	return st, nil
}

// checkCSRF compares a form's CSRF value with the session's in constant time.
func (st sessionState) checkCSRF(form string) error {
	if form == "" || subtle.ConstantTimeCompare([]byte(form), []byte(st.CSRF)) != 1 {
		return errCSRF
	}
	return nil
}

// sessionCookie carries a sealed session; an empty value deletes it.
func (a *SampleApp) sessionCookie(value string, expires time.Time) *fiber.Cookie {
	c := &fiber.Cookie{
		Name: sessionCookieName, Value: value, Path: AppPath,
		HTTPOnly: true, Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode,
	}
	if value == "" {
		c.Expires = time.Unix(0, 0)
		return c
	}
	c.MaxAge = max(int(expires.Sub(a.now())/time.Second), 1)
	return c
}

// session opens the request's session cookie. A cookie that is spoilt or
// expired is deleted as well as refused.
func (a *SampleApp) session(c *fiber.Ctx) (sessionState, error) {
	st, err := a.sessions.open(c.Cookies(sessionCookieName), a.now())
	if errors.Is(err, errSessionInvalid) || errors.Is(err, errSessionExpired) {
		c.Cookie(a.sessionCookie("", time.Time{}))
	}
	return st, err
}

// noSession is the page for a request that needs a session and has none
// usable.
func (a *SampleApp) noSession(c *fiber.Ctx, err error) error {
	msg := "Pixel Reports has no token for this browser: connect first. It keeps the token only in this browser, in a sealed cookie."
	switch {
	case errors.Is(err, errSessionExpired):
		msg = "The access token Pixel Reports had has expired, so it let it go. Connect again for a new one."
	case errors.Is(err, errSessionInvalid):
		msg = "Pixel Reports could not read the cookie that holds its token: it was altered, or made before the server's key changed. Connect again."
	}
	return a.fail(c, fiber.StatusForbidden, failure{heading: "Pixel Reports is not connected", message: msg})
}
