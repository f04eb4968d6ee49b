package web

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

const (
	sessionCookie = "consentry_session"
	// sessionMaxAge is how long a sign-in lasts.
	sessionMaxAge = 12 * time.Hour
	// MinSessionKeyLength is the shortest session key accepted.
	MinSessionKeyLength = 32
)

// Session value keys. They are unexported constants, not free-form strings,
// so a typo cannot silently read an empty value.
const (
	keyUserID    = "uid"
	keyAuthAt    = "auth_at"
	keyCSRF      = "csrf"
	keyFlashKind = "flash_kind"
	keyFlashText = "flash_text"
)

// sessionStore is a gorilla/sessions cookie store: the session lives in a
// signed, encrypted cookie, so any instance holding the key can read it.
type sessionStore struct {
	cookies *sessions.CookieStore
}

func newSessionStore(key []byte, secure bool) (*sessionStore, error) {
	if len(key) < MinSessionKeyLength {
		return nil, fmt.Errorf("session key must be at least %d bytes, got %d", MinSessionKeyLength, len(key))
	}
	// Separate keys for signing and encryption, derived from the one secret.
	hashKey, err := hkdf.Key(sha256.New, key, nil, "consentry session signing", 32)
	if err != nil {
		return nil, fmt.Errorf("derive session signing key: %w", err)
	}
	blockKey, err := hkdf.Key(sha256.New, key, nil, "consentry session encryption", 32)
	if err != nil {
		return nil, fmt.Errorf("derive session encryption key: %w", err)
	}
	cookies := sessions.NewCookieStore(hashKey, blockKey)
	// Encode session values with sessionCodec instead of securecookie's
	// default gob, which compiles gob type information afresh for every
	// cookie it decodes (a measurable share of CPU on every browser request).
	// Cookies issued with gob before this change fail to decode and read as
	// an empty session: those users simply sign in again.
	for _, c := range cookies.Codecs {
		sc, ok := c.(*securecookie.SecureCookie)
		if !ok {
			return nil, fmt.Errorf("session store codec is a %T, not a *securecookie.SecureCookie", c)
		}
		sc.SetSerializer(sessionCodec{})
	}
	cookies.Options = &sessions.Options{
		Path:     "/",
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	// MaxAge sets the cookie lifetime and the signed timestamp check alike;
	// the Options field alone would leave the check at gorilla's 30 days.
	cookies.MaxAge(int(sessionMaxAge / time.Second))
	return &sessionStore{cookies: cookies}, nil
}

// browserSession is one request's view of the session cookie.
type browserSession struct {
	raw   *sessions.Session
	dirty bool
}

const localSession = "consentry.session"

// withSession loads the session from its cookie before the handler and
// writes it back afterwards when it changed. A missing, forged or expired
// cookie simply gives an empty session.
func (s *Server) withSession(c *fiber.Ctx) error {
	req := &http.Request{Header: http.Header{}}
	if v := c.Cookies(sessionCookie); v != "" {
		req.Header.Set("Cookie", (&http.Cookie{Name: sessionCookie, Value: v}).String())
	}
	raw, err := s.sessions.cookies.New(req, sessionCookie)
	if err != nil {
		raw.IsNew = true
	}
	sess := &browserSession{raw: raw}
	c.Locals(localSession, sess)
	handlerErr := c.Next()
	if sess.dirty {
		if err := s.saveSession(c, req, sess); err != nil {
			return errors.Join(handlerErr, err)
		}
	}
	return handlerErr
}

func (s *Server) saveSession(c *fiber.Ctx, req *http.Request, sess *browserSession) error {
	w := &headerRecorder{header: http.Header{}}
	if err := s.sessions.cookies.Save(req, w, sess.raw); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	for _, cookie := range w.header.Values("Set-Cookie") {
		c.Response().Header.Add(fiber.HeaderSetCookie, cookie)
	}
	return nil
}

// headerRecorder is the smallest http.ResponseWriter gorilla can write its
// Set-Cookie header into.
type headerRecorder struct{ header http.Header }

func (h *headerRecorder) Header() http.Header         { return h.header }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(int)             {}

// sessionOf returns the request's session; the route must be behind
// withSession.
func sessionOf(c *fiber.Ctx) *browserSession {
	sess, ok := c.Locals(localSession).(*browserSession)
	if !ok {
		panic("web: route uses the session without the withSession middleware")
	}
	return sess
}

func (b *browserSession) str(key string) string {
	v, _ := b.raw.Values[key].(string)
	return v
}

func (b *browserSession) set(key string, v any) {
	b.raw.Values[key] = v
	b.dirty = true
}

// userID is the signed-in user's id, or "".
func (b *browserSession) userID() string { return b.str(keyUserID) }

// authTime is when the user signed in.
func (b *browserSession) authTime() time.Time {
	v, _ := b.raw.Values[keyAuthAt].(int64)
	return time.Unix(v, 0).UTC()
}

// csrfToken returns the session's anti-forgery token, creating it first.
func (b *browserSession) csrfToken() string {
	if t := b.str(keyCSRF); t != "" {
		return t
	}
	t := rand.Text()
	b.set(keyCSRF, t)
	return t
}

// signIn starts a fresh session for the user: nothing from before sign-in
// (including the CSRF token) survives, so a planted session is useless.
func (b *browserSession) signIn(userID string, at time.Time) {
	clear(b.raw.Values)
	b.set(keyUserID, userID)
	b.set(keyAuthAt, at.Unix())
	b.set(keyCSRF, rand.Text())
}

// signOut forgets everything and removes the cookie.
func (b *browserSession) signOut() {
	clear(b.raw.Values)
	b.raw.Options = &sessions.Options{Path: "/", MaxAge: -1, HttpOnly: true, Secure: b.raw.Options.Secure, SameSite: http.SameSiteLaxMode}
	b.dirty = true
}

// setFlash leaves a message for the next page.
func (b *browserSession) setFlash(kind, text string) {
	b.set(keyFlashKind, kind)
	b.set(keyFlashText, text)
}

// takeFlash returns and removes the pending message.
func (b *browserSession) takeFlash() (kind, text string, ok bool) {
	kind, text = b.str(keyFlashKind), b.str(keyFlashText)
	if text == "" {
		return "", "", false
	}
	delete(b.raw.Values, keyFlashKind)
	delete(b.raw.Values, keyFlashText)
	b.dirty = true
	return kind, text, true
}
