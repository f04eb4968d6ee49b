package web

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/apikeys"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/views/pages"
)

// workspaceForAdmin loads the workspace in the path for its owners and
// admins. Outsiders get 404 (the workspace's existence is not theirs to
// learn); members below admin get 403.
func (s *Server) workspaceForAdmin(c *fiber.Ctx) (models.Workspace, error) {
	ctx := c.UserContext()
	id := c.Params("workspace_id")
	m, err := s.svc.Store.MembershipOf(ctx, id, currentUser(c).ID)
	if errors.Is(err, models.ErrNotFound) {
		return models.Workspace{}, fiber.NewError(fiber.StatusNotFound, "There is no such workspace, or you are not a member of it.")
	}
	if err != nil {
		return models.Workspace{}, err
	}
	if !m.Role.CanAdminister() {
		return models.Workspace{}, fiber.NewError(fiber.StatusForbidden, "Only the workspace's owners and admins can manage its apps.")
	}
	return s.svc.Store.WorkspaceByID(ctx, id)
}

// workspaceAdminPage is /admin/workspaces/{workspace_id}: which apps reach
// the workspace, who let them in, and its API keys.
func (s *Server) workspaceAdminPage(c *fiber.Ctx) error {
	w, err := s.workspaceForAdmin(c)
	if err != nil {
		return err
	}
	props, err := s.workspaceAdminProps(c, w)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, pages.WorkspaceAdmin(props))
}

func (s *Server) workspaceAdminProps(c *fiber.Ctx, w models.Workspace) (pages.WorkspaceAdminProps, error) {
	ctx := c.UserContext()
	rows, err := s.svc.Store.WorkspaceGrants(ctx, w.ID)
	if err != nil {
		return pages.WorkspaceAdminProps{}, err
	}
	base := "/admin/workspaces/" + url.PathEscape(w.ID)
	props := pages.WorkspaceAdminProps{
		Layout: page(c, "Apps in "+w.Name), WorkspaceName: w.Name, Now: time.Now(), CreateKeyURL: base + "/api-keys",
		AuditURL: base + "/audit",
	}
	for _, r := range rows {
		if n := len(props.Apps); n == 0 || props.Apps[n-1].ClientID != r.ClientID {
			props.Apps = append(props.Apps, pages.WorkspaceApp{
				ClientID: r.ClientID, Name: r.ClientName, LogoURL: r.ClientLogoURL,
				RemoveURL: base + "/apps/" + url.PathEscape(r.ClientID) + "/remove",
			})
		}
		g := pages.Grantor{Name: r.UserName, Email: r.UserEmail, Role: r.Role.Label(), Scopes: s.scopeSummaries(r.Scopes), GrantedAt: r.GrantedAt}
		if r.LastUsedAt != nil {
			g.LastUsedAt = *r.LastUsedAt
		}
		app := &props.Apps[len(props.Apps)-1]
		app.Grantors = append(app.Grantors, g)
	}
	members, err := s.svc.Store.WorkspaceMembers(ctx, w.ID)
	if err != nil {
		return pages.WorkspaceAdminProps{}, err
	}
	for _, m := range members {
		props.Members = append(props.Members, pages.MemberRow{Name: m.Name, Email: m.Email, Role: m.Role.Label()})
	}
	keys, err := s.svc.APIKeys.List(ctx, w.ID)
	if err != nil {
		return pages.WorkspaceAdminProps{}, err
	}
	for _, k := range keys {
		row := pages.APIKeyRow{
			ID: k.ID, Name: k.Name, Hint: k.Hint, CreatedBy: k.CreatorName, CreatedAt: k.CreatedAt,
			Revoked: k.Revoked(), RevokeURL: base + "/api-keys/" + url.PathEscape(k.ID) + "/revoke",
		}
		if k.LastUsedAt != nil {
			row.LastUsedAt = *k.LastUsedAt
		}
		if k.RevokedAt != nil {
			row.RevokedAt = *k.RevokedAt
		}
		props.APIKeys = append(props.APIKeys, row)
	}
	return props, nil
}

// createAPIKey is POST /admin/workspaces/{workspace_id}/api-keys. The key is
// shown in this response only — rendered, not redirected, so it never sits
// in a cookie or a URL.
func (s *Server) createAPIKey(c *fiber.Ctx) error {
	w, err := s.workspaceForAdmin(c)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	key, plain, err := s.svc.APIKeys.Create(c.UserContext(), s.actor(c), w.ID, name, currentUser(c).ID)
	status := fiber.StatusOK
	var nameErr *apikeys.NameError
	switch {
	case errors.As(err, &nameErr):
		status = fiber.StatusUnprocessableEntity
	case err != nil:
		return err
	}
	props, perr := s.workspaceAdminProps(c, w)
	if perr != nil {
		return perr
	}
	if nameErr != nil {
		props.KeyName, props.KeyNameError = name, nameErr.Problem
	} else {
		props.NewKey = &pages.NewAPIKey{Name: key.Name, Key: plain}
	}
	return render(c, status, pages.WorkspaceAdmin(props))
}

// revokeAPIKey is POST /admin/workspaces/{workspace_id}/api-keys/{key_id}/revoke.
func (s *Server) revokeAPIKey(c *fiber.Ctx) error {
	w, err := s.workspaceForAdmin(c)
	if err != nil {
		return err
	}
	err = s.svc.APIKeys.Revoke(c.UserContext(), s.actor(c), w.ID, c.Params("key_id"))
	if errors.Is(err, apikeys.ErrUnknownKey) {
		return fiber.NewError(fiber.StatusNotFound, "There is no such active API key in this workspace.")
	}
	if err != nil {
		return err
	}
	sessionOf(c).setFlash("success", "The API key was revoked; it stops working at once.")
	return c.Redirect("/admin/workspaces/"+url.PathEscape(w.ID), fiber.StatusSeeOther)
}

// removeAppFromWorkspace is POST /admin/workspaces/{workspace_id}/apps/{client_id}/remove.
func (s *Server) removeAppFromWorkspace(c *fiber.Ctx) error {
	w, err := s.workspaceForAdmin(c)
	if err != nil {
		return err
	}
	clientID := c.Params("client_id")
	removal, err := s.svc.Grants.RemoveAppFromWorkspace(c.UserContext(), currentUser(c).ID, w.ID, clientID, s.actor(c))
	if err != nil {
		return grantError(err)
	}
	name := clientID
	if cl, err := s.svc.Store.ClientByID(c.UserContext(), clientID); err == nil {
		name = cl.Name
	}
	sessionOf(c).setFlash("success", fmt.Sprintf("%s was removed from %s (%d member grants narrowed).", name, w.Name, removal.Grants))
	return c.Redirect("/admin/workspaces/"+url.PathEscape(w.ID), fiber.StatusSeeOther)
}
