package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/apikeys"
	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/models"
)

// backend is the store and the services every command works through. It is
// the one place where they are wired together.
type backend struct {
	store    *models.Store
	catalog  *models.Catalog
	accounts *accounts.Service
	clients  *clients.Registry
	apikeys  *apikeys.Service
}

// openBackend loads the scope catalog (a bad catalog fails before the
// database is touched), opens and migrates the store and builds the services
// with their production settings.
func openBackend(ctx context.Context, cmd *cli.Command, catalogFile string) (*backend, error) {
	catalog, err := models.LoadCatalog(catalogFile)
	if err != nil {
		return nil, err
	}
	dsn := cmd.String(flagDB)
	if dsn == "" {
		return nil, errors.New("database: --db is empty")
	}
	store, err := models.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		_ = store.Close()
		return nil, fmt.Errorf("database %q: %w", dsn, err)
	}
	passwords := accounts.NewPasswords(accounts.DefaultPasswordParams)
	throttle := accounts.NewThrottle(accounts.DefaultThrottleLimits, time.Now)
	return &backend{
		store:    store,
		catalog:  catalog,
		accounts: accounts.New(store, passwords, throttle),
		clients:  clients.NewRegistry(store, catalog, rand.Reader, time.Now),
		apikeys:  apikeys.New(store, rand.Reader, time.Now),
	}, nil
}

// withBackend runs fn with an open backend and closes it afterwards. The
// scope catalog comes from the root's --scopes (or CONSENTRY_SCOPES).
func withBackend(ctx context.Context, cmd *cli.Command, fn func(b *backend) error) error {
	return withBackendCatalog(ctx, cmd, catalogPath(cmd, false), fn)
}

// withBackendCatalog is withBackend with the catalog file given.
func withBackendCatalog(ctx context.Context, cmd *cli.Command, catalogFile string, fn func(b *backend) error) (err error) {
	b, err := openBackend(ctx, cmd, catalogFile)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := b.store.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return fn(b)
}

// cliActor is who the audit trail names for changes made from the command
// line: the operating-system user running it.
func cliActor() models.Actor {
	name := os.Getenv("USER")
	if name == "" {
		name = "unknown"
	}
	return models.Actor{Type: models.ActorCLI, ID: name}
}
