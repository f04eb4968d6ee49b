package web

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

const localRequestID = "consentry.request_id"

// requestID gives every request a fresh id, returned in X-Request-ID and
// attached to its logs. An id sent by the client is not trusted.
func (s *Server) requestID(c *fiber.Ctx) error {
	id := rand.Text()
	c.Locals(localRequestID, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// observe runs the chain, turns any error into its response right here (so
// the final status is known), then logs the request and records metrics.
// The query string is never logged: it can carry codes and state.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			s.log.Error("error handler failed", "request_id", requestIDOf(c), "error", herr)
			c.Status(fiber.StatusInternalServerError)
		}
	}
	elapsed := time.Since(start)
	status := c.Response().StatusCode()
	route := c.Route().Path
	if unmatched, _ := c.Locals(localUnmatched).(bool); unmatched {
		route = "unmatched"
	}
	s.metrics.observe(c.Method(), route, status, elapsed)
	// LogAttrs with typed attributes: the access log is written for every
	// request, and key-value pairs would box each value.
	s.log.LogAttrs(c.UserContext(), slog.LevelInfo, "request",
		slog.String("request_id", requestIDOf(c)),
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("ip", c.IP()),
	)
	return nil
}

// logPanic records a recovered panic with its stack.
func (s *Server) logPanic(c *fiber.Ctx, recovered any) {
	s.log.Error("panic", "request_id", requestIDOf(c), "path", c.Path(), "panic", fmt.Sprint(recovered))
}

// contentSecurityPolicy allows only our own scripts and styles, https images
// (app logos, avatars), and no framing by anyone. It has no form-action:
// browsers apply it to the redirects that follow a form post, and sign-in
// and consent end in a redirect to the client's own origin.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"

// hstsMaxAge is two years, as recommended for preload lists.
var hstsMaxAge = strconv.Itoa(2 * 365 * 24 * 60 * 60)

// securityHeaders sets the headers every response carries. Pages are
// personal and carry CSRF tokens, so nothing is cacheable unless a route says
// otherwise (as /static does).
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set(fiber.HeaderPermissionsPolicy, "camera=(), microphone=(), geolocation=(), payment=()")
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.issuer.Scheme == "https" {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age="+hstsMaxAge+"; includeSubDomains")
	}
	return c.Next()
}

// staticCache lets browsers keep the embedded assets for an hour.
func (s *Server) staticCache(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Next()
}
