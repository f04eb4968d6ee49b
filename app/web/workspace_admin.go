package web

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

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
// the workspace, and who let them in.
func (s *Server) workspaceAdminPage(c *fiber.Ctx) error {
	w, err := s.workspaceForAdmin(c)
	if err != nil {
		return err
	}
	rows, err := s.svc.Store.WorkspaceGrants(c.UserContext(), w.ID)
	if err != nil {
		return err
	}
	props := pages.WorkspaceAdminProps{Layout: page(c, "Apps in "+w.Name), WorkspaceName: w.Name, Now: time.Now()}
	for _, r := range rows {
		if n := len(props.Apps); n == 0 || props.Apps[n-1].ClientID != r.ClientID {
			props.Apps = append(props.Apps, pages.WorkspaceApp{
				ClientID: r.ClientID, Name: r.ClientName, LogoURL: r.ClientLogoURL,
				RemoveURL: "/admin/workspaces/" + url.PathEscape(w.ID) + "/apps/" + url.PathEscape(r.ClientID) + "/remove",
			})
		}
		g := pages.Grantor{Name: r.UserName, Email: r.UserEmail, Role: r.Role.Label(), Scopes: s.scopeSummaries(r.Scopes), GrantedAt: r.GrantedAt}
		if r.LastUsedAt != nil {
			g.LastUsedAt = *r.LastUsedAt
		}
		app := &props.Apps[len(props.Apps)-1]
		app.Grantors = append(app.Grantors, g)
	}
	return render(c, fiber.StatusOK, pages.WorkspaceAdmin(props))
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
