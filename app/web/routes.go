package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/consentry/consentry/app/demo"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/resource"
	"github.com/consentry/consentry/static"
)

// routes is every route and middleware chain in one place.
//
// Order matters: request id and metrics wrap everything; security headers
// apply to every response; the browser chain (session → CSRF → user) runs
// only where a person with a browser is expected, never on machine endpoints.
func (s *Server) routes() {
	app := s.app
	app.Use(s.requestID, s.observe,
		recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}),
		s.securityHeaders)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsHandler())
	app.Use("/static", s.staticCache, filesystem.New(filesystem.Config{Root: http.FS(static.FS)}))

	app.Get("/", s.browser(func(c *fiber.Ctx) error { return c.Redirect("/apps", fiber.StatusSeeOther) })...)
	app.Get("/login", s.browser(s.loginPage)...)
	app.Post("/login", s.browser(s.login)...)
	app.Post("/logout", s.browser(s.logout)...)
	app.Get("/apps", s.browser(s.requireUser, s.appsPage)...)
	app.Get("/apps/:client_id", s.browser(s.requireUser, s.appDetailPage)...)
	app.Get("/apps/:client_id/revoke", s.browser(s.requireUser, s.revokeConfirmPage)...)
	app.Post("/apps/:client_id/revoke", s.browser(s.requireUser, s.revokeApp)...)
	app.Post("/apps/:client_id/workspaces/:workspace_id/remove", s.browser(s.requireUser, s.removeAppWorkspace)...)
	app.Get("/admin/workspaces/:workspace_id", s.browser(s.requireUser, s.workspaceAdminPage)...)
	app.Post("/admin/workspaces/:workspace_id/apps/:client_id/remove", s.browser(s.requireUser, s.removeAppFromWorkspace)...)
	app.Post("/admin/workspaces/:workspace_id/api-keys", s.browser(s.requireUser, s.createAPIKey)...)
	app.Post("/admin/workspaces/:workspace_id/api-keys/:key_id/revoke", s.browser(s.requireUser, s.revokeAPIKey)...)

	app.Get("/.well-known/oauth-authorization-server", s.metadata)
	app.Get("/.well-known/openid-configuration", s.metadata)
	app.Get(oauth.PathJWKS, s.jwks)
	app.Get(oauth.PathAuthorize, s.browser(s.authorize)...)
	app.Post("/oauth/consent", s.browser(s.requireUser, s.consent)...)
	// Machine endpoints authenticate the client, not a browser session, so
	// they sit outside the session and CSRF chain.
	app.Post(oauth.PathToken, s.token)
	app.Post(oauth.PathRevoke, s.revoke)
	app.Post(oauth.PathIntrospect, s.introspect)
	app.Get(oauth.PathUserinfo, s.svc.Guard.Fiber(resource.Rule{Scope: "openid"}), s.userinfo)
	app.Post(oauth.PathUserinfo, s.svc.Guard.Fiber(resource.Rule{Scope: "openid"}), s.userinfo)
	s.mountAPI(app)

	if s.cfg.Demo {
		// The sample third-party app: a separate app that happens to share
		// the origin, so it has its own state and none of Consentry's
		// session or CSRF middleware.
		demo.NewSampleApp(demo.SampleAppConfig{Issuer: s.cfg.Issuer, SessionKey: s.cfg.SessionKey, Logger: s.log}).
			Register(app.Group("/demo"))
	}

	s.auditRoutes(app)
	s.platformRoutes(app)
	app.Use(notFound)
}

const localUnmatched = "consentry.unmatched"

// notFound answers every request no route took, and marks it so metrics
// count it under one label instead of one per probed path.
func notFound(c *fiber.Ctx) error {
	c.Locals(localUnmatched, true)
	return fiber.ErrNotFound
}

// browser prefixes handlers with the chain every browser page needs: the
// session, CSRF protection and the signed-in user. It is attached per route
// (not with Use) so machine endpoints never pay for or depend on a session.
func (s *Server) browser(handlers ...fiber.Handler) []fiber.Handler {
	return append([]fiber.Handler{s.withSession, s.csrf, s.loadUser}, handlers...)
}
