package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/models"
)

const localUser = "consentry.user"

// loadUser puts the signed-in user, if any, in the request. A session whose
// user no longer exists is signed out.
func (s *Server) loadUser(c *fiber.Ctx) error {
	sess := sessionOf(c)
	id := sess.userID()
	if id == "" {
		return c.Next()
	}
	u, err := s.svc.Store.UserByID(c.UserContext(), id)
	switch {
	case errors.Is(err, models.ErrNotFound):
		sess.signOut()
	case err != nil:
		return err
	default:
		c.Locals(localUser, &u)
	}
	return c.Next()
}

// currentUser is the signed-in user, or nil.
func currentUser(c *fiber.Ctx) *models.User {
	u, _ := c.Locals(localUser).(*models.User)
	return u
}

// requireUser sends people who are not signed in to the sign-in page, which
// brings them back here afterwards.
func (s *Server) requireUser(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Next()
	}
	if c.Method() != fiber.MethodGet {
		return fiber.NewError(fiber.StatusUnauthorized, "Your session has ended. Sign in again and retry.")
	}
	return c.Redirect("/login?return_to="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
}

// defaultLanding is where sign-in goes when there is nowhere better.
const defaultLanding = "/apps"

// safeReturnTo accepts only a local path (with optional query), so a crafted
// link can never send someone to another site after sign-in. Anything else
// becomes the default landing page.
func safeReturnTo(raw string) string {
	if raw == "" || raw[0] != '/' || strings.HasPrefix(raw, "//") || strings.ContainsAny(raw, "\\") {
		return defaultLanding
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f {
			return defaultLanding
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return defaultLanding
	}
	// A path that decodes to //host is still protocol-relative to some
	// browsers; refuse it too.
	if strings.HasPrefix(u.Path, "//") {
		return defaultLanding
	}
	return raw
}
