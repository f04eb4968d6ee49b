package web

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/apikeys"
	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/grants"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/resource"
	"github.com/consentry/consentry/models"
)

// ServiceOptions are the knobs of NewServices: the clock, randomness and
// password cost are injectable so tests can be fast and deterministic.
type ServiceOptions struct {
	Issuer string
	// SessionKey is the server's session key (Config.SessionKey); the key
	// that signs consent requests is derived from it.
	SessionKey []byte
	Passwords  argon2id.Params
	Throttle   accounts.ThrottleLimits
	Now        func() time.Time
	Random     io.Reader
}

// NewServices builds every service the server needs over one store. It loads
// (or creates) the ID token signing keys.
func NewServices(ctx context.Context, store *models.Store, catalog *models.Catalog, o ServiceOptions) (Services, error) {
	keys, err := oauth.LoadKeySet(ctx, store, o.Random, o.Now())
	if err != nil {
		return Services{}, fmt.Errorf("services: %w", err)
	}
	engine := oauth.New(o.Issuer, store, catalog, keys, oauth.Options{Now: o.Now, Random: o.Random})
	if len(o.SessionKey) < MinSessionKeyLength {
		return Services{}, fmt.Errorf("services: session key must be at least %d bytes, got %d", MinSessionKeyLength, len(o.SessionKey))
	}
	requestKey, err := hkdf.Key(sha256.New, o.SessionKey, nil, "consentry consent request signing", 32)
	if err != nil {
		return Services{}, fmt.Errorf("services: derive the consent request key: %w", err)
	}
	consents, err := grants.New(store, engine, requestKey, o.Now)
	if err != nil {
		return Services{}, fmt.Errorf("services: %w", err)
	}
	apiKeys := apikeys.New(store, o.Random, o.Now)
	checkKey := func(ctx context.Context, key string) (models.APIKey, bool, error) {
		k, err := apiKeys.Authenticate(ctx, key)
		if errors.Is(err, apikeys.ErrInvalidKey) {
			return models.APIKey{}, false, nil
		}
		return k, err == nil, err
	}
	return Services{
		APIKeys:  apiKeys,
		Clients:  clients.NewRegistry(store, catalog, o.Random, o.Now),
		Guard:    resource.NewGuard(engine, checkKey, store, catalog),
		Store:    store,
		Catalog:  catalog,
		Accounts: accounts.New(store, accounts.NewPasswords(o.Passwords), accounts.NewThrottle(o.Throttle, o.Now)),
		OAuth:    engine,
		Keys:     keys,
		Grants:   consents,
	}, nil
}
