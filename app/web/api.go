package web

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/resource"
	"github.com/consentry/consentry/models"
)

// apiRoute is one resource-server route: the single source of truth for its
// scope (the README's table is checked against this list in a test).
type apiRoute struct {
	method  string
	path    string
	rule    resource.Rule
	demo    bool
	summary string
	handle  func(s *Server) fiber.Handler
}

// apiRoutes lists the platform API and, in demo mode, the sample templates API.
var apiRoutes = []apiRoute{
	{method: "GET", path: "/api/v1/me", summary: "who the credential acts for",
		handle: func(s *Server) fiber.Handler { return s.apiMe }},
	{method: "GET", path: "/api/v1/workspaces", rule: resource.Rule{Scope: "workspace:read"}, summary: "the workspaces reachable now",
		handle: func(s *Server) fiber.Handler { return s.apiWorkspaces }},
	{method: "GET", path: "/api/v1/workspaces/:id", rule: resource.Rule{Scope: "workspace:read", Workspace: true}, summary: "one workspace",
		handle: func(s *Server) fiber.Handler { return s.apiWorkspace }},
	{method: "GET", path: "/api/v1/workspaces/:id/templates", rule: resource.Rule{Scope: "workspace:templates:read", Workspace: true}, demo: true,
		summary: "the workspace's templates (demo)", handle: func(s *Server) fiber.Handler { return s.apiTemplates }},
	{method: "DELETE", path: "/api/v1/workspaces/:id/templates/:tid", rule: resource.Rule{Scope: "workspace:templates:write", Workspace: true}, demo: true,
		summary: "delete a template (demo)", handle: func(s *Server) fiber.Handler { return s.apiDeleteTemplate }},
}

// mountAPI registers the API routes behind the resource guard.
func (s *Server) mountAPI(app *fiber.App) {
	for _, r := range apiRoutes {
		if r.demo && !s.cfg.Demo {
			continue
		}
		app.Add(r.method, r.path, s.svc.Guard.Fiber(r.rule), r.handle(s))
	}
}

// apiScopeTable renders apiRoutes as the README's Markdown table, with the
// least role a workspace scope needs (scope ∩ role, SPEC §1).
func apiScopeTable(catalog *models.Catalog) string {
	var b strings.Builder
	b.WriteString("| method and path | required scope | least role in the workspace | what |\n|---|---|---|---|\n")
	for _, r := range apiRoutes {
		scope, role := "none (any valid token or key)", "—"
		if r.rule.Scope != "" {
			scope = "`" + r.rule.Scope + "`"
			if sc, ok := catalog.Lookup(r.rule.Scope); ok && sc.Workspace && r.rule.Workspace {
				role = string(sc.MinRole)
			}
		}
		path := strings.ReplaceAll(strings.ReplaceAll(r.path, ":tid", "{tid}"), ":id", "{id}")
		fmt.Fprintf(&b, "| `%s %s` | %s | %s | %s |\n", r.method, path, scope, role, r.summary)
	}
	return b.String()
}

// apiMe is GET /api/v1/me: who the credential acts for, with only the claims
// its scopes release. An API key acts for its workspace, not a person.
func (s *Server) apiMe(c *fiber.Ctx) error {
	p := resource.FromFiber(c)
	if p.IsAPIKey() {
		return c.JSON(fiber.Map{"api_key_id": p.APIKeyID, "workspace_ids": p.WorkspaceIDs})
	}
	u, err := s.svc.Store.UserByID(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	out := fiber.Map{"id": u.ID, "client_id": p.ClientID, "scopes": p.Scopes, "workspace_ids": p.WorkspaceIDs}
	if slices.Contains(p.Scopes, "email") {
		out["email"] = u.Email
	}
	if slices.Contains(p.Scopes, "profile") {
		out["name"], out["avatar_url"] = u.Name, u.AvatarURL
	}
	return c.JSON(out)
}

// apiWorkspace is one workspace as the API shows it.
type apiWorkspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Role is the user's role, or "api_key" for an API key.
	Role string `json:"role"`
}

// reachableWorkspaces lists the workspaces the principal reaches now.
func (s *Server) reachableWorkspaces(c *fiber.Ctx, p resource.Principal) ([]apiWorkspace, error) {
	out := []apiWorkspace{}
	if p.IsAPIKey() {
		w, err := s.svc.Store.WorkspaceByID(c.UserContext(), p.WorkspaceIDs[0])
		if err != nil {
			return nil, err
		}
		return append(out, apiWorkspace{ID: w.ID, Name: w.Name, Role: "api_key"}), nil
	}
	memberships, err := s.svc.Guard.Memberships(c.UserContext(), p.UserID)
	if err != nil {
		return nil, err
	}
	for _, m := range memberships {
		if p.Reaches(m.ID) {
			out = append(out, apiWorkspace{ID: m.ID, Name: m.Name, Role: string(m.Role)})
		}
	}
	return out, nil
}

// apiWorkspaces is GET /api/v1/workspaces.
func (s *Server) apiWorkspaces(c *fiber.Ctx) error {
	ws, err := s.reachableWorkspaces(c, resource.FromFiber(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"workspaces": ws})
}

// apiWorkspace is GET /api/v1/workspaces/{id}.
func (s *Server) apiWorkspace(c *fiber.Ctx) error {
	ws, err := s.reachableWorkspaces(c, resource.FromFiber(c))
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.ID == c.Params("id") {
			return c.JSON(w)
		}
	}
	return fiber.NewError(fiber.StatusNotFound, "There is no such workspace.")
}

// apiTemplates is GET /api/v1/workspaces/{id}/templates (demo).
func (s *Server) apiTemplates(c *fiber.Ctx) error {
	ts, err := s.svc.Store.TemplatesOf(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(ts))
	for _, t := range ts {
		out = append(out, fiber.Map{"id": t.ID, "name": t.Name, "kind": t.Kind})
	}
	return c.JSON(fiber.Map{"templates": out})
}

// apiDeleteTemplate is DELETE /api/v1/workspaces/{id}/templates/{tid}
// (demo): audited like any other change in a workspace.
func (s *Server) apiDeleteTemplate(c *fiber.Ctx) error {
	p := resource.FromFiber(c)
	ws, id := c.Params("id"), c.Params("tid")
	actor := models.Actor{Type: models.ActorClient, ID: p.ClientID, IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent)}
	if p.IsAPIKey() {
		actor.Type, actor.ID = models.ActorAPIKey, p.APIKeyID
	}
	err := s.svc.Store.InTx(c.UserContext(), func(tx *models.Store) error {
		t, err := tx.DeleteTemplate(c.UserContext(), ws, id)
		if err != nil {
			return err
		}
		_, err = tx.AppendAudit(c.UserContext(), actor, models.AuditRecord{
			Action: "template.deleted", SubjectUserID: p.UserID, ClientID: p.ClientID, WorkspaceIDs: []string{ws},
			Details: map[string]any{"template_id": t.ID, "name": t.Name},
		}, time.Now())
		return err
	})
	if errors.Is(err, models.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "There is no such template in this workspace.")
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// userinfo is the OIDC userinfo endpoint: OAuth access tokens only.
func (s *Server) userinfo(c *fiber.Ctx) error {
	p := resource.FromFiber(c)
	if p.IsAPIKey() {
		return fiber.NewError(fiber.StatusUnauthorized, "userinfo needs an OAuth access token with the openid scope")
	}
	access, err := s.svc.OAuth.AuthenticateBearer(c.UserContext(), bearerToken(c))
	if err != nil {
		return err
	}
	info, err := s.svc.OAuth.UserInfo(c.UserContext(), access)
	if err != nil {
		return err
	}
	return c.JSON(info)
}

func bearerToken(c *fiber.Ctx) string {
	_, token, _ := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	return strings.TrimSpace(token)
}
