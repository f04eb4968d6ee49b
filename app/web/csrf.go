package web

import (
	"crypto/subtle"

	"github.com/gofiber/fiber/v2"
)

// errCSRF is what a forged or stale form gets.
var errCSRF = fiber.NewError(fiber.StatusForbidden,
	"This form has expired or did not come from Consentry. Go back, reload the page and try again.")

// csrf is the synchronizer-token defence: every session holds a random token,
// every form carries it in _csrf, and an unsafe request without the matching
// token is refused before its handler runs. The token lives in the encrypted
// session cookie, so it survives restarts and works on every instance.
func (s *Server) csrf(c *fiber.Ctx) error {
	token := sessionOf(c).csrfToken()
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	sent := c.FormValue("_csrf")
	if sent == "" {
		sent = c.Get("X-CSRF-Token")
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
		return errCSRF
	}
	return c.Next()
}
