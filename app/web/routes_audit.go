package web

import "github.com/gofiber/fiber/v2"

// auditRoutes are the audit logs and their CSV exports: the platform's
// whole trail for platform admins, and each workspace's events for its
// owners and admins (workspaceForAdmin, inside the handlers).
func (s *Server) auditRoutes(app *fiber.App) {
	app.Get("/admin/audit", s.browser(s.requireUser, s.requirePlatformAdmin, s.platformAuditPage)...)
	app.Get("/admin/audit.csv", s.browser(s.requireUser, s.requirePlatformAdmin, s.platformAuditCSV)...)
	app.Get("/admin/workspaces/:workspace_id/audit", s.browser(s.requireUser, s.workspaceAuditPage)...)
	app.Get("/admin/workspaces/:workspace_id/audit.csv", s.browser(s.requireUser, s.workspaceAuditCSV)...)
}
