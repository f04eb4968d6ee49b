package clients

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// ErrPublicClient is a secret rotation asked of a public client, which has
// no secret.
var ErrPublicClient = errors.New("a public client has no secret to rotate")

// Changes are what an admin may change about a registered client: all but
// its id, its type and its secret (which only RotateSecret replaces).
// Every field is the whole new value.
type Changes struct {
	Name           string
	LogoURL        string
	HomepageURL    string
	RedirectURIs   []string
	Scopes         []string
	ResourceServer bool
}

// Edited is the client after an edit and what the edit did.
type Edited struct {
	Client models.Client
	// Diff maps each changed field to {"from": old, "to": new}; empty when
	// nothing changed (and then nothing was written or audited).
	Diff map[string]any
	// Narrowing is what removing allowed scopes took from existing grants
	// and tokens.
	Narrowing models.ScopeNarrowing
}

// Edit validates and applies changes to a client, in one transaction with
// its client.updated event (the diff). Scopes taken off the allowed list are
// also taken from the client's live grants and tokens at once: the registry
// is a ceiling, like the ceiling rule of grants. A refused edit is a
// *ValidationError naming each bad field.
func (r *Registry) Edit(ctx context.Context, id string, ch Changes, actor models.Actor) (Edited, error) {
	verr := &ValidationError{}
	d := r.checkDetails(verr, ch.Name, ch.LogoURL, ch.HomepageURL, ch.RedirectURIs, ch.Scopes)
	if err := verr.orNil(); err != nil {
		return Edited{}, fmt.Errorf("edit client %q: %w", id, err)
	}
	var out Edited
	err := r.store.InTx(ctx, func(tx *models.Store) error {
		old, err := tx.ClientByID(ctx, id)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("edit client: %w %q", ErrUnknownClient, id)
		}
		if err != nil {
			return err
		}
		c := old
		c.Name, c.LogoURL, c.HomepageURL = d.name, d.logoURL, d.homepageURL
		c.RedirectURIs, c.AllowedScopes, c.ResourceServer = d.redirects, d.scopes, ch.ResourceServer
		out.Client, out.Diff = c, clientDiff(old, c)
		if len(out.Diff) == 0 {
			return nil
		}
		now := r.now()
		if err := tx.UpdateClient(ctx, c, now); err != nil {
			return err
		}
		removed := minus(old.AllowedScopes, c.AllowedScopes)
		if out.Narrowing, err = tx.NarrowClientScopes(ctx, id, removed, now); err != nil {
			return err
		}
		details := map[string]any{"changes": out.Diff}
		if out.Narrowing.GrantsNarrowed > 0 {
			details["grants_narrowed"] = out.Narrowing.GrantsNarrowed
			details["grants_revoked"] = out.Narrowing.GrantsRevoked
		}
		return tx.RecordChange(ctx, actor, models.AuditRecord{
			Action: "client.updated", ClientID: id, WorkspaceIDs: workspaceIDs(c), Details: details,
		}, out.Narrowing.TokensRevoked, now)
	})
	if err != nil {
		return Edited{}, err
	}
	return out, nil
}

// clientDiff is {"field": {"from": …, "to": …}} for each editable field
// that differs.
func clientDiff(old, c models.Client) map[string]any {
	diff := map[string]any{}
	note := func(field string, from, to any, same bool) {
		if !same {
			diff[field] = map[string]any{"from": from, "to": to}
		}
	}
	note("name", old.Name, c.Name, old.Name == c.Name)
	note("logo_url", old.LogoURL, c.LogoURL, old.LogoURL == c.LogoURL)
	note("homepage_url", old.HomepageURL, c.HomepageURL, old.HomepageURL == c.HomepageURL)
	note("redirect_uris", old.RedirectURIs, c.RedirectURIs, slices.Equal(old.RedirectURIs, c.RedirectURIs))
	note("allowed_scopes", old.AllowedScopes, c.AllowedScopes, slices.Equal(old.AllowedScopes, c.AllowedScopes))
	note("resource_server", old.ResourceServer, c.ResourceServer, old.ResourceServer == c.ResourceServer)
	return diff
}

// minus is a without b, keeping a's order.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// RotateSecret gives a confidential client a new secret and returns it in
// clear, the only time it is available. The old secret stops working when
// the transaction commits; the client's tokens and grants are untouched.
func (r *Registry) RotateSecret(ctx context.Context, id string, actor models.Actor) (string, error) {
	var plain string
	err := r.store.InTx(ctx, func(tx *models.Store) error {
		c, err := tx.ClientByID(ctx, id)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("rotate secret: %w %q", ErrUnknownClient, id)
		}
		if err != nil {
			return err
		}
		if c.Public() {
			return fmt.Errorf("rotate secret of %q: %w", id, ErrPublicClient)
		}
		if plain, err = secret.New(r.random, secret.PrefixClientSecret); err != nil {
			return fmt.Errorf("rotate secret of %q: %w", id, err)
		}
		now := r.now()
		if err := tx.SetClientSecretHash(ctx, id, secret.Hash(plain), now); err != nil {
			return err
		}
		return tx.RecordChange(ctx, actor, models.AuditRecord{
			Action: "client.secret_rotated", ClientID: id, WorkspaceIDs: workspaceIDs(c),
		}, 0, now)
	})
	if err != nil {
		return "", err
	}
	return plain, nil
}

// Enable switches a disabled client back on, with its client.enabled event.
// The tokens revoked when it was disabled stay revoked; people's grants,
// which disabling kept, work again for new authorizations. Enabling a client
// that is not disabled changes and records nothing.
func (r *Registry) Enable(ctx context.Context, id string, actor models.Actor) error {
	return r.store.InTx(ctx, func(tx *models.Store) error {
		changed, err := tx.EnableClient(ctx, id)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("enable client: %w %q", ErrUnknownClient, id)
		}
		if err != nil || !changed {
			return err
		}
		return tx.RecordChange(ctx, actor, models.AuditRecord{Action: "client.enabled", ClientID: id}, 0, r.now())
	})
}
