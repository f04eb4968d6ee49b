package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/oauth"
)

func (s *Server) metadata(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(s.svc.OAuth.Metadata())
}

func (s *Server) jwks(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderContentType, "application/jwk-set+json")
	return c.JSON(s.svc.Keys.JWKS())
}

func (s *Server) token(c *fiber.Ctx) error {
	return s.backChannel(c, func(params url.Values, creds oauth.ClientCredentials) error {
		resp, err := s.svc.OAuth.Token(c.UserContext(), oauth.TokenRequest{
			Params: params, Credentials: creds, IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent),
		})
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderPragma, "no-cache")
		return c.JSON(resp)
	})
}

func (s *Server) revoke(c *fiber.Ctx) error {
	return s.backChannel(c, func(params url.Values, creds oauth.ClientCredentials) error {
		if err := s.svc.OAuth.Revoke(c.UserContext(), creds, params, c.IP(), c.Get(fiber.HeaderUserAgent)); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusOK)
	})
}

func (s *Server) introspect(c *fiber.Ctx) error {
	return s.backChannel(c, func(params url.Values, creds oauth.ClientCredentials) error {
		out, err := s.svc.OAuth.Introspect(c.UserContext(), creds, params)
		if err != nil {
			return err
		}
		return c.JSON(out)
	})
}
