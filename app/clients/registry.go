// Package clients is the registry of third-party apps: registration with
// validation, editing, secrets shown once and stored hashed (and rotated),
// disabling and enabling.
package clients

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

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
// changes and their audit events.
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

// Register validates reg and stores the client. It writes no audit event:
// the command line and demo seeding use it; people in the admin pages go
// through RegisterBy. A refused registration is a *ValidationError naming
// each bad field.
func (r *Registry) Register(ctx context.Context, reg Registration) (Registered, error) {
	return r.register(ctx, reg, nil)
}

// RegisterBy is Register recorded on the audit trail as client.created, by
// actor, in the same transaction as the new client.
func (r *Registry) RegisterBy(ctx context.Context, reg Registration, actor models.Actor) (Registered, error) {
	return r.register(ctx, reg, &actor)
}

func (r *Registry) register(ctx context.Context, reg Registration, actor *models.Actor) (Registered, error) {
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
	err = r.store.InTx(ctx, func(tx *models.Store) error {
		if c.WorkspaceID != nil {
			if _, err := tx.WorkspaceByID(ctx, *c.WorkspaceID); err != nil {
				if errors.Is(err, models.ErrNotFound) {
					return fmt.Errorf("register client %q: %w %q", c.Name, ErrUnknownWorkspace, *c.WorkspaceID)
				}
				return fmt.Errorf("register client %q: %w", c.Name, err)
			}
		}
		if err := tx.CreateClient(ctx, &c); err != nil {
			if errors.Is(err, models.ErrConflict) {
				return fmt.Errorf("register client %q: %w", c.ID, ErrClientIDTaken)
			}
			return err
		}
		if actor == nil {
			return nil
		}
		return tx.RecordChange(ctx, *actor, models.AuditRecord{
			Action: "client.created", ClientID: c.ID, WorkspaceIDs: workspaceIDs(c),
			Details: map[string]any{
				"name": c.Name, "type": c.Type, "redirect_uris": c.RedirectURIs,
				"allowed_scopes": c.AllowedScopes, "resource_server": c.ResourceServer,
			},
		}, 0, r.now())
	})
	if err != nil {
		return Registered{}, err
	}
	return Registered{Client: c, Secret: plain}, nil
}

// validate checks every field and reports all problems at once.
func (r *Registry) validate(reg Registration) (models.Client, error) {
	verr := &ValidationError{}
	id := strings.TrimSpace(reg.ID)
	if id != "" && !validClientID(id) {
		verr.add(FieldID, "client id %q: use 1 to 64 letters, digits, '-', '_' or '.'", id)
	}
	d := r.checkDetails(verr, reg.Name, reg.LogoURL, reg.HomepageURL, reg.RedirectURIs, reg.Scopes)
	if err := validateChosenSecret(reg.Secret, reg.Public); err != nil {
		verr.addErr(FieldSecret, err)
	}
	if err := verr.orNil(); err != nil {
		return models.Client{}, err
	}
	if id == "" {
		id = uuid.NewString()
	}
	c := models.Client{
		ID: id, Name: d.name, LogoURL: d.logoURL, HomepageURL: d.homepageURL,
		Type: models.ClientConfidential, RedirectURIs: d.redirects, AllowedScopes: d.scopes,
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

// workspaceIDs is the client's owning workspace as an audit record's list.
func workspaceIDs(c models.Client) []string {
	if c.WorkspaceID == nil {
		return nil
	}
	return []string{*c.WorkspaceID}
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
