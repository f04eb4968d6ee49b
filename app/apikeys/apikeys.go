// Package apikeys manages workspace API keys (osk_…): creation with the key
// shown once and stored hashed, revocation, listing, and authentication of
// a presented key. A key acts for its one workspace with full access; it is
// not an OAuth token, so scopes do not apply to it.
package apikeys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// Errors callers can test for with errors.Is.
var (
	// ErrInvalidKey is a presented key that is malformed, unknown or
	// revoked. It never says which, so a caller learns nothing from it.
	ErrInvalidKey = errors.New("invalid API key")
	// ErrUnknownKey is a revocation of a key that does not exist, belongs
	// to another workspace or is already revoked.
	ErrUnknownKey = errors.New("no active API key has this id")
	// ErrUnknownWorkspace is a key created for a workspace that does not
	// exist.
	ErrUnknownWorkspace = errors.New("no workspace has this id")
	// ErrInvalidName is matched by every *NameError.
	ErrInvalidName = errors.New("invalid API key name")
)

// MaxNameLength is the longest key name, in characters, after trimming.
const MaxNameLength = 100

// hintLength is how many of a key's last characters are kept in clear: 24
// bits of the 256, enough to tell keys apart at a glance and far too few to
// help anyone guess one.
const hintLength = 4

// NameError says why a key name was refused. It matches ErrInvalidName.
type NameError struct {
	// Problem is a lowercase phrase: "the name is empty", ….
	Problem string
}

func (e *NameError) Error() string { return e.Problem }

// Is makes errors.Is(err, ErrInvalidName) true.
func (e *NameError) Is(target error) bool { return target == ErrInvalidName }

// Service creates, revokes, lists and authenticates API keys.
type Service struct {
	store  *models.Store
	random io.Reader
	now    func() time.Time
	usage  *usageMemo
}

// New returns a Service. random feeds the keys; now stamps creation,
// revocation and use.
func New(store *models.Store, random io.Reader, now func() time.Time) *Service {
	return &Service{store: store, random: random, now: now, usage: newUsageMemo()}
}

// ValidateName trims a key name and checks it is 1 to MaxNameLength
// characters of valid UTF-8 without control characters (a name goes into
// the audit trail and its CSV export); a refused name is a *NameError.
func ValidateName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return "", &NameError{Problem: "the name is not valid UTF-8"}
	case n == 0:
		return "", &NameError{Problem: "the name is empty"}
	case n > MaxNameLength:
		return "", &NameError{Problem: fmt.Sprintf("the name is longer than %d characters", MaxNameLength)}
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", &NameError{Problem: "the name contains control characters"}
	}
	return name, nil
}

// Create makes a key for a workspace and returns it with the key in clear:
// the only time it is ever available. createdBy is the creating user's id,
// or "" from the command line. The key and its api_key.created audit event
// are written in one transaction; the event names the key and its hint,
// never the key.
func (s *Service) Create(ctx context.Context, actor models.Actor, workspaceID, name, createdBy string) (models.APIKey, string, error) {
	name, err := ValidateName(name)
	if err != nil {
		return models.APIKey{}, "", fmt.Errorf("create API key: %w", err)
	}
	plain, err := secret.New(s.random, secret.PrefixAPIKey)
	if err != nil {
		return models.APIKey{}, "", fmt.Errorf("create API key %q: %w", name, err)
	}
	now := s.now().UTC()
	k := models.APIKey{
		ID: uuid.NewString(), WorkspaceID: workspaceID, Name: name,
		Hash: secret.Hash(plain), Hint: plain[len(plain)-hintLength:], CreatedAt: now,
	}
	if createdBy != "" {
		k.CreatedByID = &createdBy
	}
	err = s.store.InTx(ctx, func(tx *models.Store) error {
		if _, err := tx.WorkspaceByID(ctx, workspaceID); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return fmt.Errorf("create API key %q: workspace %q: %w", name, workspaceID, ErrUnknownWorkspace)
			}
			return err
		}
		if createdBy != "" {
			if _, err := tx.UserByID(ctx, createdBy); err != nil {
				return fmt.Errorf("create API key %q: creator: %w", name, err)
			}
		}
		if err := tx.CreateAPIKey(ctx, &k); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, actor, models.AuditRecord{
			Action: "api_key.created", WorkspaceIDs: []string{workspaceID},
			Details: map[string]any{"api_key_id": k.ID, "name": k.Name, "hint": k.Hint},
		}, now)
		return err
	})
	if err != nil {
		return models.APIKey{}, "", err
	}
	return k, plain, nil
}

// Revoke revokes one of a workspace's keys, with its api_key.revoked audit
// event, in one transaction. It stops working at once in this process and
// within models.EpochPollEvery in others. A key of another workspace, an
// unknown key and one already revoked are ErrUnknownKey.
func (s *Service) Revoke(ctx context.Context, actor models.Actor, workspaceID, id string) error {
	return s.store.InTx(ctx, func(tx *models.Store) error {
		now := s.now().UTC()
		if err := tx.RevokeAPIKey(ctx, workspaceID, id, now); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return fmt.Errorf("revoke API key %q: %w", id, ErrUnknownKey)
			}
			return err
		}
		k, err := tx.APIKeyByID(ctx, id)
		if err != nil {
			return err
		}
		_, err = tx.AppendAudit(ctx, actor, models.AuditRecord{
			Action: "api_key.revoked", WorkspaceIDs: []string{workspaceID},
			Details: map[string]any{"api_key_id": k.ID, "name": k.Name, "hint": k.Hint},
		}, now)
		return err
	})
}

// RevokeByID revokes a key given only its id, for the command line, which
// acts on every workspace.
func (s *Service) RevokeByID(ctx context.Context, actor models.Actor, id string) error {
	k, err := s.store.APIKeyByID(ctx, id)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return fmt.Errorf("revoke API key %q: %w", id, ErrUnknownKey)
	case err != nil:
		return err
	case k.Revoked():
		return fmt.Errorf("revoke API key %q: it was already revoked on %s: %w",
			id, k.RevokedAt.UTC().Format("2 Jan 2006 at 15:04 UTC"), ErrUnknownKey)
	}
	return s.Revoke(ctx, actor, k.WorkspaceID, id)
}

// List is a workspace's keys, revoked ones included, newest first.
func (s *Service) List(ctx context.Context, workspaceID string) ([]models.WorkspaceAPIKey, error) {
	return s.store.APIKeysOf(ctx, workspaceID)
}

// maxKeyLength bounds what is hashed: a real key is 47 characters.
const maxKeyLength = 256

// Authenticate finds the active key a caller presented. Anything but an
// active osk_ key is ErrInvalidKey; a database failure is returned as such,
// never as an invalid key. The key is found by its hash through a unique
// index, so no comparison runs on the secret itself; the row's hash is still
// checked in constant time. Use is recorded at most once a minute per key.
func (s *Service) Authenticate(ctx context.Context, plain string) (models.APIKey, error) {
	if !strings.HasPrefix(plain, secret.PrefixAPIKey) || len(plain) > maxKeyLength {
		return models.APIKey{}, ErrInvalidKey
	}
	k, err := s.store.ActiveAPIKeyByHash(ctx, secret.Hash(plain))
	switch {
	case errors.Is(err, models.ErrNotFound):
		return models.APIKey{}, ErrInvalidKey
	case err != nil:
		return models.APIKey{}, fmt.Errorf("authenticate API key: %w", err)
	case !secret.Matches(k.Hash, plain):
		return models.APIKey{}, ErrInvalidKey
	}
	if err := s.touch(ctx, &k); err != nil {
		return models.APIKey{}, err
	}
	return k, nil
}

// touch records the use of k when the memo says it is due, and reflects it
// in k.
func (s *Service) touch(ctx context.Context, k *models.APIKey) error {
	now := s.now().UTC()
	if !s.usage.due(k.ID, now) {
		return nil
	}
	if err := s.store.TouchAPIKey(ctx, k.ID, now); err != nil {
		s.usage.forget(k.ID)
		return fmt.Errorf("authenticate API key: %w", err)
	}
	k.LastUsedAt = &now
	return nil
}
