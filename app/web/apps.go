package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/grants"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/views/pages"
)

// appsPage is /apps: the signed-in user's connected apps and workspaces.
func (s *Server) appsPage(c *fiber.Ctx) error {
	u := currentUser(c)
	ctx := c.UserContext()
	apps, err := s.svc.Store.ConnectedApps(ctx, u.ID)
	if err != nil {
		return err
	}
	workspaces, err := s.svc.Store.WorkspacesOf(ctx, u.ID)
	if err != nil {
		return err
	}
	props := pages.AppsProps{Layout: page(c, "Connected apps"), Now: time.Now()}
	for _, a := range apps {
		props.Apps = append(props.Apps, s.appSummary(a))
	}
	for _, w := range workspaces {
		row := pages.WorkspaceRow{Name: w.Name, Role: w.Role.Label()}
		if w.Role.CanAdminister() {
			row.AdminURL = "/admin/workspaces/" + url.PathEscape(w.ID)
		}
		props.Workspaces = append(props.Workspaces, row)
	}
	return render(c, fiber.StatusOK, pages.Apps(props))
}

// connectedApp loads the signed-in user's grant to the client in the path;
// anyone else's grant (or none) is a 404, never a 403.
func (s *Server) connectedApp(c *fiber.Ctx) (models.ConnectedApp, error) {
	a, err := s.svc.Store.ConnectedAppOf(c.UserContext(), currentUser(c).ID, c.Params("client_id"))
	if errors.Is(err, models.ErrNotFound) {
		return a, fiber.NewError(fiber.StatusNotFound, "You have not connected this app, or its access was already revoked.")
	}
	return a, err
}

// appDetailPage is /apps/{client_id}.
func (s *Server) appDetailPage(c *fiber.Ctx) error {
	a, err := s.connectedApp(c)
	if err != nil {
		return err
	}
	base := "/apps/" + url.PathEscape(a.ClientID)
	props := pages.AppDetailProps{
		Layout: page(c, a.ClientName), App: s.appSummary(a), RevokeURL: base + "/revoke", Now: time.Now(),
	}
	for _, w := range a.Workspaces {
		props.Workspaces = append(props.Workspaces, pages.GrantedWorkspace{
			ID: w.ID, Name: w.Name, Role: w.Role.Label(),
			RemoveURL: base + "/workspaces/" + url.PathEscape(w.ID) + "/remove",
		})
	}
	return render(c, fiber.StatusOK, pages.AppDetail(props))
}

// revokeConfirmPage is the step before revoking: what will stop working.
func (s *Server) revokeConfirmPage(c *fiber.Ctx) error {
	a, err := s.connectedApp(c)
	if err != nil {
		return err
	}
	summary := s.appSummary(a)
	var willStop []string
	for _, sc := range summary.Can {
		willStop = append(willStop, fmt.Sprintf("%s loses “%s” (%s).", a.ClientName, sc.Title, sc.Description))
	}
	willStop = append(willStop,
		"Every access and refresh token it holds stops working immediately.",
		"To use it again you will have to connect it again, and it will have to ask you again.")
	base := "/apps/" + url.PathEscape(a.ClientID)
	return render(c, fiber.StatusOK, pages.RevokeConfirm(pages.RevokeConfirmProps{
		Layout: page(c, "Revoke "+a.ClientName+"?"), App: summary, WillStop: willStop,
		PostURL: base + "/revoke", CancelURL: base,
	}))
}

// revokeApp is POST /apps/{client_id}/revoke. The grant service finds the
// signed-in user's grant itself: anyone else's, or none, is a 404.
func (s *Server) revokeApp(c *fiber.Ctx) error {
	ctx, clientID := c.UserContext(), c.Params("client_id")
	// The app is named before the revocation, like the workspace below: a
	// read after this request's own commit would first empty the reading
	// connection's page cache.
	appName := s.clientName(ctx, clientID)
	if _, err := s.svc.Grants.Revoke(ctx, currentUser(c).ID, clientID, s.actor(c)); err != nil {
		return grantError(err)
	}
	sessionOf(c).setFlash("success", fmt.Sprintf("%s no longer has access to your account.", appName))
	return c.Redirect("/apps", fiber.StatusSeeOther)
}

// removeAppWorkspace is POST /apps/{client_id}/workspaces/{workspace_id}/remove.
func (s *Server) removeAppWorkspace(c *fiber.Ctx) error {
	ctx, clientID, workspaceID := c.UserContext(), c.Params("client_id"), c.Params("workspace_id")
	user := currentUser(c)
	// The workspace is named only to its members. Its name, and the app's,
	// are read first: the removal moves the token epoch, which empties the
	// cache of the user's workspaces that the app's page just filled, and
	// its commit empties the page cache of the connection that reads next.
	appName := s.clientName(ctx, clientID)
	name := workspaceID
	if ws, err := s.svc.Store.WorkspacesOf(ctx, user.ID); err == nil {
		for _, w := range ws {
			if w.ID == workspaceID {
				name = w.Name
			}
		}
	}
	if _, err := s.svc.Grants.RemoveWorkspace(ctx, user.ID, clientID, workspaceID, s.actor(c)); err != nil {
		return grantError(err)
	}
	sessionOf(c).setFlash("success", fmt.Sprintf("%s can no longer reach %s.", appName, name))
	return c.Redirect("/apps/"+url.PathEscape(clientID), fiber.StatusSeeOther)
}

// clientName is the app's name for a message, or its id when it cannot be
// read.
func (s *Server) clientName(ctx context.Context, clientID string) string {
	if cl, err := s.svc.Store.ClientByID(ctx, clientID); err == nil {
		return cl.Name
	}
	return clientID
}

// grantError maps the grant service's refusals onto responses.
func grantError(err error) error {
	switch {
	case errors.Is(err, grants.ErrNoGrant):
		return fiber.NewError(fiber.StatusNotFound, "There is no such connected app or workspace access.")
	case errors.Is(err, grants.ErrNotWorkspaceAdmin):
		return fiber.NewError(fiber.StatusForbidden, "Only the workspace's owners and admins can do this.")
	}
	return err
}

func (s *Server) appSummary(a models.ConnectedApp) pages.AppSummary {
	out := pages.AppSummary{
		ClientID: a.ClientID, Name: a.ClientName, LogoURL: a.ClientLogoURL, HomepageURL: a.ClientHomepageURL,
		Can: s.scopeSummaries(a.Scopes), GrantedAt: a.GrantedAt,
		DetailURL: "/apps/" + url.PathEscape(a.ClientID),
	}
	if a.LastUsedAt != nil {
		out.LastUsedAt = *a.LastUsedAt
	}
	for _, w := range a.Workspaces {
		out.In = append(out.In, w.Name)
	}
	return out
}

// scopeSummaries turns stored scopes into what people read.
func (s *Server) scopeSummaries(scopes string) []pages.ScopeSummary {
	var out []pages.ScopeSummary
	for _, name := range strings.Fields(scopes) {
		sc, ok := s.svc.Catalog.Lookup(name)
		if !ok {
			continue
		}
		out = append(out, pages.ScopeSummary{Name: sc.Name, Title: sc.Title, Description: sc.Description, Destructive: sc.Destructive, Warning: sc.Warning})
	}
	return out
}
