package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/views/pages"
)

// appsPage is the signed-in landing: the user's connected apps.
func (s *Server) appsPage(c *fiber.Ctx) error {
	u := currentUser(c)
	workspaces, err := s.svc.Store.WorkspacesOf(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	props := pages.AppsProps{Layout: page(c, "Connected apps")}
	for _, w := range workspaces {
		props.Workspaces = append(props.Workspaces, pages.WorkspaceRow{Name: w.Name, Role: w.Role.Label()})
	}
	return render(c, fiber.StatusOK, pages.Apps(props))
}
