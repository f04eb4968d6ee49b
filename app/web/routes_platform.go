package web

import "github.com/gofiber/fiber/v2"

// platformRoutes are the platform admin pages: the overview, the client
// registry and every grant. Each sits behind the browser chain and
// requirePlatformAdmin (sign-in for the signed-out, 403 for everyone else).
func (s *Server) platformRoutes(app *fiber.App) {
	admin := func(h fiber.Handler) []fiber.Handler { return s.browser(s.requirePlatformAdmin, h) }
	app.Get("/admin", admin(s.adminOverview)...)

	app.Get(adminClientsPath, admin(s.adminClients)...)
	app.Post(adminClientsPath, admin(s.adminClientCreate)...)
	// Before /:client_id, so "new" is the form and not a client id.
	app.Get(adminClientsPath+"/new", admin(s.adminClientNew)...)
	app.Get(adminClientsPath+"/:client_id", admin(s.adminClient)...)
	app.Post(adminClientsPath+"/:client_id", admin(s.adminClientUpdate)...)
	app.Post(adminClientsPath+"/:client_id/rotate-secret", admin(s.adminClientRotate)...)
	app.Post(adminClientsPath+"/:client_id/disable", admin(s.adminClientDisable)...)
	app.Post(adminClientsPath+"/:client_id/enable", admin(s.adminClientEnable)...)

	app.Get(adminGrantsPath, admin(s.adminGrants)...)
	app.Post(adminGrantsPath+"/:grant_id/revoke", admin(s.adminRevokeGrant)...)
}
