// Package clients is the registry of third-party apps: registration with
// validation, secrets shown once and stored hashed, and disabling.
package clients

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// Errors callers can test for with errors.Is.
var (
	ErrUnknownClient = errors.New("no client has the id")
	ErrClientIDTaken = errors.New("the client id is already registered")
	// ErrUnknownWorkspace is a registration naming a workspace that does
	// not exist as the client's owner.
	ErrUnknownWorkspace = errors.New("no owning workspace has the id")
)

// Registry registers and manages clients.
type Registry struct {
	store   *models.Store
	catalog *models.Catalog
	random  io.Reader
	now     func() time.Time
}

// NewRegistry returns a Registry. random feeds client secrets; now stamps
// disabling.
func NewRegistry(store *models.Store, catalog *models.Catalog, random io.Reader, now func() time.Time) *Registry {
	return &Registry{store: store, catalog: catalog, random: random, now: now}
}

// Registration describes a client to register.
type Registration struct {
	// ID is the client_id; empty means a new random one.
	ID             string
	Name           string
	LogoURL        string
	HomepageURL    string
	Public         bool
	RedirectURIs   []string
	Scopes         []string
	ResourceServer bool
	WorkspaceID    string
	// Secret is a caller-chosen client secret for a confidential client
	// (at least minChosenSecretLength characters, starting with "oss_"); empty
	// means a new random one. Only demo seeding needs it, so that a secret
	// derived from the session key survives restarts without being stored.
	Secret string
}

// minChosenSecretLength is the shortest caller-chosen secret accepted: the
// prefix and 32 characters, about 192 bits in base64url.
const minChosenSecretLength = 36

// Registered is a new client and, for a confidential client, its secret in
// clear: the only time it is ever available.
type Registered struct {
	Client models.Client
	Secret string
}

// Register validates reg and stores the client.
func (r *Registry) Register(ctx context.Context, reg Registration) (Registered, error) {
	c, err := r.validate(reg)
	if err != nil {
		return Registered{}, fmt.Errorf("register client: %w", err)
	}
	plain := reg.Secret
	if !c.Public() {
		if plain == "" {
			if plain, err = secret.New(r.random, secret.PrefixClientSecret); err != nil {
				return Registered{}, fmt.Errorf("register client %q: %w", c.Name, err)
			}
		}
		c.SecretHash = secret.Hash(plain)
	}
	if c.WorkspaceID != nil {
		if _, err := r.store.WorkspaceByID(ctx, *c.WorkspaceID); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return Registered{}, fmt.Errorf("register client %q: %w %q", c.Name, ErrUnknownWorkspace, *c.WorkspaceID)
			}
			return Registered{}, fmt.Errorf("register client %q: %w", c.Name, err)
		}
	}
	if err := r.store.CreateClient(ctx, &c); err != nil {
		if errors.Is(err, models.ErrConflict) {
			return Registered{}, fmt.Errorf("register client %q: %w", c.ID, ErrClientIDTaken)
		}
		return Registered{}, err
	}
	return Registered{Client: c, Secret: plain}, nil
}

func (r *Registry) validate(reg Registration) (models.Client, error) {
	name := strings.TrimSpace(reg.Name)
	if name == "" {
		return models.Client{}, errors.New("name is empty")
	}
	redirects := dedupe(reg.RedirectURIs)
	if len(redirects) == 0 {
		return models.Client{}, errors.New("at least one redirect URI is needed")
	}
	for _, u := range redirects {
		if err := oauth.ValidateRedirectURI(u); err != nil {
			return models.Client{}, err
		}
	}
	scopes := dedupe(reg.Scopes)
	if len(scopes) == 0 {
		return models.Client{}, errors.New("at least one scope is needed")
	}
	if unknown := r.catalog.Unknown(scopes); len(unknown) > 0 {
		return models.Client{}, fmt.Errorf("unknown scopes: %s", strings.Join(unknown, ", "))
	}
	for field, raw := range map[string]string{"logo URL": reg.LogoURL, "homepage URL": reg.HomepageURL} {
		if err := validateWebURL(raw); err != nil {
			return models.Client{}, fmt.Errorf("%s: %w", field, err)
		}
	}
	if err := validateChosenSecret(reg.Secret, reg.Public); err != nil {
		return models.Client{}, err
	}
	id := strings.TrimSpace(reg.ID)
	if id == "" {
		id = uuid.NewString()
	} else if !validClientID(id) {
		return models.Client{}, fmt.Errorf("client id %q: use 1 to 64 letters, digits, '-', '_' or '.'", id)
	}
	c := models.Client{
		ID: id, Name: name, LogoURL: reg.LogoURL, HomepageURL: reg.HomepageURL,
		Type: models.ClientConfidential, RedirectURIs: redirects, AllowedScopes: scopes,
		ResourceServer: reg.ResourceServer,
	}
	if reg.Public {
		c.Type = models.ClientPublic
	}
	if reg.WorkspaceID != "" {
		c.WorkspaceID = &reg.WorkspaceID
	}
	return c, nil
}

// Disable switches a client off and revokes every token it holds, in one
// transaction with the audit event: authorize then shows an error page and
// the token endpoint answers invalid_client.
func (r *Registry) Disable(ctx context.Context, id string, actor models.Actor) error {
	return r.store.InTx(ctx, func(tx *models.Store) error {
		now := r.now()
		if err := tx.DisableClient(ctx, id, now); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return fmt.Errorf("disable client: %w %q", ErrUnknownClient, id)
			}
			return err
		}
		revoked, err := tx.RevokeClientTokens(ctx, id, now)
		if err != nil {
			return err
		}
		return tx.RecordChange(ctx, actor, models.AuditRecord{Action: "client.disabled", ClientID: id}, revoked, now)
	})
}

// validateChosenSecret checks a caller-chosen secret without ever putting
// its value into an error.
func validateChosenSecret(plain string, public bool) error {
	switch {
	case plain == "":
		return nil
	case public:
		return errors.New("a public client cannot have a secret")
	case !strings.HasPrefix(plain, secret.PrefixClientSecret):
		return fmt.Errorf("client secret must start with %q", secret.PrefixClientSecret)
	case len(plain) < minChosenSecretLength:
		return fmt.Errorf("client secret must be at least %d characters", minChosenSecretLength)
	}
	return nil
}

// validateWebURL accepts an empty value or an absolute http(s) URL, which is
// all a logo or homepage link may be.
func validateWebURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return nil
}

func validClientID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for _, ch := range id {
		ok := ch == '-' || ch == '_' || ch == '.' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// dedupe drops blanks and repeats, keeping first-seen order.
func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
