// Package web is Consentry's HTTP face: Fiber routes, thin handlers, the
// browser session, CSRF protection and the one error funnel. Protocol and
// account rules live in other packages; handlers parse, call and render.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/apikeys"
	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/grants"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/resource"
	"github.com/consentry/consentry/models"
)

// Config is how the server presents itself.
type Config struct {
	// Issuer is the public origin, e.g. https://auth.example.com. Cookies are
	// Secure when it is https.
	Issuer string
	// SessionKey is the secret the session cookie keys are derived from.
	SessionKey []byte
	// Logger receives request and error logs.
	Logger *slog.Logger
	// Demo mounts the demo-only parts (sample app, sample API).
	Demo bool
}

// Services are the application services the handlers call.
type Services struct {
	Store    *models.Store
	Accounts *accounts.Service
	Catalog  *models.Catalog
	OAuth    *oauth.Engine
	Keys     *oauth.KeySet
	Grants   *grants.Service
	APIKeys  *apikeys.Service
	// Clients is the client registry the platform admin pages manage.
	Clients *clients.Registry
	// Guard protects the resource-server routes.
	Guard *resource.Guard
}

// Server is the configured Fiber application.
type Server struct {
	cfg      Config
	svc      Services
	issuer   *url.URL
	log      *slog.Logger
	sessions *sessionStore
	metrics  *metrics
	app      *fiber.App
	// overview keeps what the admin overview reuses between loads.
	overview overviewCache
}

// shutdownGrace bounds how long in-flight requests may finish at shutdown.
const shutdownGrace = 10 * time.Second

// readTimeout bounds reading one request. fasthttp counts a connection that
// has not sent its first request yet (browsers and HTTP clients open spares)
// as busy until this runs out, so it must stay below shutdownGrace or a
// graceful stop would wait for those connections and fail.
const readTimeout = 5 * time.Second

// New builds the server and its routes.
func New(cfg Config, svc Services) (*Server, error) {
	issuer, err := url.Parse(cfg.Issuer)
	if err != nil || (issuer.Scheme != "http" && issuer.Scheme != "https") || issuer.Host == "" {
		return nil, fmt.Errorf("web server: issuer %q is not an absolute http(s) URL", cfg.Issuer)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	sessions, err := newSessionStore(cfg.SessionKey, issuer.Scheme == "https")
	if err != nil {
		return nil, fmt.Errorf("web server: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		svc:      svc,
		issuer:   issuer,
		log:      cfg.Logger,
		sessions: sessions,
		metrics:  newMetrics(prometheus.NewRegistry(), svc.Store.WriteStats, svc.Store.AuditIndexStatus),
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "Consentry",
		ErrorHandler:          s.handleError,
		BodyLimit:             256 * 1024,
		ReadTimeout:           readTimeout,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
		// An answer leaves in one write when it fits the buffer. At
		// fasthttp's default of 4 KiB the consent page (about 9 KiB) left
		// in two, and each write to a loopback or LAN socket wakes the
		// reader: at concurrency 1 those writes were 15 % of a flow's CPU.
		WriteBufferSize: 32 * 1024,
		// Immutable makes every string taken from a request safe to keep
		// after the handler returns (fasthttp reuses its buffers otherwise).
		Immutable: true,
	})
	s.routes()
	return s, nil
}

// App is the Fiber application, for tests that call app.Test.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until ctx is cancelled, then stops accepting
// connections and lets in-flight requests finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", shutdownGrace.String())
	if err := s.app.ShutdownWithTimeout(shutdownGrace); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
