package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/demo"
	"github.com/consentry/consentry/app/web"
)

// serveCommand is the production entry point.
func serveCommand() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run the authorization server (no demo data); logs JSON on stderr",
		UsageText: "consentry serve [--addr A] [--issuer URL] [--session-key K] [--db F] [--scopes F] [--pprof ADDR]",
		Flags:     serverFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return runServer(ctx, cmd, false)
		},
	}
}

// demoCommand runs the server with idempotent demo data and a sample app.
func demoCommand() *cli.Command {
	return &cli.Command{
		Name:      "demo",
		Usage:     "run the server with demo users, workspaces and a sample app, and print how to sign in",
		UsageText: "consentry demo [--addr A] [--issuer URL] [--session-key K] [--db F] [--scopes F]",
		Flags:     serverFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return runServer(ctx, cmd, true)
		},
	}
}

// runServer serves until SIGINT or SIGTERM (or ctx ends), then shuts down
// gracefully. Everything that can be checked is checked before listening.
func runServer(ctx context.Context, cmd *cli.Command, demoMode bool) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	addr := cmd.String(flagAddr)
	fallbackIssuer, err := defaultIssuer(addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	issuer := ""
	if raw := cmd.String(flagIssuer); raw != "" {
		if issuer, err = parseIssuer(raw); err != nil {
			return err
		}
	}
	logger := newLogger(cmd.Root().ErrWriter, demoMode)
	applyServerGC(os.Getenv("GOGC"))
	if addr := cmd.String(flagPprof); addr != "" {
		stopPprof, err := servePprof(addr, logger)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	return withBackendCatalog(ctx, cmd, catalogPath(cmd, true), func(b *backend) error {
		key, err := sessionKey(ctx, b.store, cmd.String(flagSessionKey), rand.Reader)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		defer ln.Close()
		if issuer == "" {
			issuer = listenerIssuer(fallbackIssuer, ln.Addr())
		}

		var summary demo.Summary
		if demoMode {
			summary, err = demo.Seed(ctx, demo.Services{
				Store: b.store, Accounts: b.accounts, Clients: b.clients, Catalog: b.catalog,
			}, issuer, key)
			if err != nil {
				return err
			}
		}
		svc, err := web.NewServices(ctx, b.store, b.catalog, web.ServiceOptions{
			Issuer: issuer, SessionKey: key, Passwords: accounts.DefaultPasswordParams, Throttle: accounts.DefaultThrottleLimits,
			Now: time.Now, Random: rand.Reader,
		})
		if err != nil {
			return err
		}
		srv, err := web.New(web.Config{Issuer: issuer, SessionKey: key, Logger: logger, Demo: demoMode}, svc)
		if err != nil {
			return err
		}
		if demoMode {
			printDemo(cmd.Root().Writer, issuer, key, summary)
		}
		logger.Info("listening", "addr", ln.Addr().String(), "issuer", issuer, "demo", demoMode)
		if err := srv.Serve(ctx, ln); err != nil {
			return err
		}
		logger.Info("stopped")
		return nil
	})
}

// newLogger logs JSON for production (for log collectors) and text for the
// demo (for a person at a terminal).
func newLogger(w io.Writer, demoMode bool) *slog.Logger {
	if demoMode {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// listenerIssuer fills in the real port when the configured address asked
// for any free port (":0"), so the default issuer is a URL that works.
func listenerIssuer(fallback string, bound net.Addr) string {
	tcp, ok := bound.(*net.TCPAddr)
	if !ok {
		return fallback
	}
	host, port, err := net.SplitHostPort(fallback[len("http://"):])
	if err != nil || port != "0" {
		return fallback
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
