package web

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/oauth"
)

const localAccess = "consentry.access"

// bearer authenticates an access token from the Authorization header (never
// from the query string) and, when scope is not empty, requires it.
func (s *Server) bearer(scope string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		scheme, token, _ := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return invalidToken(c, "an access token is required in the Authorization header")
		}
		access, err := s.svc.OAuth.AuthenticateBearer(c.UserContext(), strings.TrimSpace(token))
		if oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
			return invalidToken(c, "the access token is expired, revoked or not valid")
		}
		if err != nil {
			return err
		}
		if scope != "" && !access.HasScope(scope) {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer error="insufficient_scope", scope="`+scope+`"`)
			return c.Status(fiber.StatusForbidden).JSON(fiber.Map{"error": fiber.Map{
				"code":    "insufficient_scope",
				"message": `This action requires the "` + scope + `" scope. Your token has: ` + strings.Join(access.Scopes, ", "),
			}})
		}
		c.Locals(localAccess, access)
		return c.Next()
	}
}

func invalidToken(c *fiber.Ctx, message string) error {
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer error="invalid_token"`)
	return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": fiber.Map{"code": "invalid_token", "message": message}})
}

func accessOf(c *fiber.Ctx) oauth.Access {
	a, _ := c.Locals(localAccess).(oauth.Access)
	return a
}

// apiMe is GET /api/v1/me: who the token acts for, with only the claims its
// scopes release.
func (s *Server) apiMe(c *fiber.Ctx) error {
	a := accessOf(c)
	u, err := s.svc.Store.UserByID(c.UserContext(), a.UserID)
	if err != nil {
		return err
	}
	out := fiber.Map{"id": u.ID, "client_id": a.ClientID, "scopes": a.Scopes, "workspace_ids": a.WorkspaceIDs}
	if a.HasScope("email") {
		out["email"] = u.Email
	}
	if a.HasScope("profile") {
		out["name"], out["avatar_url"] = u.Name, u.AvatarURL
	}
	return c.JSON(out)
}

// apiWorkspaces is GET /api/v1/workspaces: the workspaces the token reaches
// now, with the user's role in each.
func (s *Server) apiWorkspaces(c *fiber.Ctx) error {
	a := accessOf(c)
	memberships, err := s.svc.Store.WorkspacesOf(c.UserContext(), a.UserID)
	if err != nil {
		return err
	}
	out := []fiber.Map{}
	for _, m := range memberships {
		if slices.Contains(a.WorkspaceIDs, m.ID) {
			out = append(out, fiber.Map{"id": m.ID, "name": m.Name, "role": m.Role})
		}
	}
	return c.JSON(fiber.Map{"workspaces": out})
}

// userinfo is the OIDC userinfo endpoint.
func (s *Server) userinfo(c *fiber.Ctx) error {
	info, err := s.svc.OAuth.UserInfo(c.UserContext(), accessOf(c))
	if err != nil {
		return err
	}
	return c.JSON(info)
}
