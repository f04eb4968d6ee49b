package web

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/views/pages"
)

// Messages the sign-in page shows. One message covers an unknown email and a
// wrong password, so the form does not reveal who has an account.
const (
	msgWrongCredentials = "Wrong email or password."
	msgMissingFields    = "Enter your email and password."
)

func (s *Server) loginPage(c *fiber.Ctx) error {
	returnTo := safeReturnTo(c.Query("return_to"))
	if currentUser(c) != nil {
		return c.Redirect(returnTo, fiber.StatusSeeOther)
	}
	return renderLogin(c, fiber.StatusOK, "", returnTo, "")
}

func (s *Server) login(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	returnTo := safeReturnTo(c.FormValue("return_to"))
	if email == "" || password == "" {
		return renderLogin(c, fiber.StatusUnprocessableEntity, email, returnTo, msgMissingFields)
	}
	u, err := s.svc.Accounts.Authenticate(c.UserContext(), email, password, c.IP())
	var throttled *accounts.ThrottledError
	switch {
	case errors.As(err, &throttled):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(throttled.RetryAfter.Seconds()))))
		s.log.Warn("sign-in throttled", "request_id", requestIDOf(c), "ip", c.IP())
		return renderLogin(c, fiber.StatusTooManyRequests, email, returnTo, throttledMessage(throttled.RetryAfter))
	case errors.Is(err, accounts.ErrInvalidCredentials):
		return renderLogin(c, fiber.StatusUnprocessableEntity, email, returnTo, msgWrongCredentials)
	case err != nil:
		return err
	}
	sessionOf(c).signIn(u.ID, time.Now())
	s.log.Info("signed in", "request_id", requestIDOf(c), "user_id", u.ID)
	return c.Redirect(returnTo, fiber.StatusSeeOther)
}

func throttledMessage(wait time.Duration) string {
	minutes := int(math.Ceil(wait.Minutes()))
	if minutes <= 1 {
		return "Too many sign-in attempts. Try again in a minute."
	}
	return fmt.Sprintf("Too many sign-in attempts. Try again in %d minutes.", minutes)
}

func renderLogin(c *fiber.Ctx, status int, email, returnTo, message string) error {
	return render(c, status, pages.Login(pages.LoginProps{
		Layout: page(c, "Sign in"), Email: email, ReturnTo: returnTo, Error: message,
	}))
}

// logout signs out. With a return_to (the consent screen's "Not you?"), the
// sign-in page then brings the next person back there.
func (s *Server) logout(c *fiber.Ctx) error {
	sessionOf(c).signOut()
	if rt := c.FormValue("return_to"); rt != "" {
		return c.Redirect("/login?return_to="+url.QueryEscape(safeReturnTo(rt)), fiber.StatusSeeOther)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}
