package models

import (
	"context"
	"fmt"
	"time"
)

// ClientType says whether a client can keep a secret.
type ClientType string

// The two client types of OAuth 2.1.
const (
	ClientConfidential ClientType = "confidential"
	ClientPublic       ClientType = "public"
)

// Client is a registered third-party app. The secret is kept only as its
// SHA-256 hash; redirect URIs are matched exactly.
type Client struct {
	ID             string     `gorm:"primaryKey;size:64"`
	Name           string     `gorm:"size:200;not null"`
	LogoURL        string     `gorm:"size:2048;not null;default:''"`
	HomepageURL    string     `gorm:"size:2048;not null;default:''"`
	Type           ClientType `gorm:"size:16;not null"`
	SecretHash     []byte
	RedirectURIs   []string   `gorm:"serializer:json;not null"`
	AllowedScopes  []string   `gorm:"serializer:json;not null"`
	ResourceServer bool       `gorm:"not null;default:false"`
	WorkspaceID    *string    `gorm:"size:36;index"`
	Workspace      *Workspace `gorm:"constraint:OnDelete:SET NULL"`
	DisabledAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Public reports whether the client has no secret.
func (c Client) Public() bool { return c.Type == ClientPublic }

// Disabled reports whether the client has been switched off.
func (c Client) Disabled() bool { return c.DisabledAt != nil }

// CreateClient inserts c. A client id already in use is ErrConflict.
func (s *Store) CreateClient(ctx context.Context, c *Client) error {
	if err := translate(s.conn(ctx).Omit("Workspace").Create(c).Error); err != nil {
		return fmt.Errorf("create client %q: %w", c.ID, err)
	}
	return nil
}

// SetClientRedirectURIs replaces a client's registered redirect URIs.
func (s *Store) SetClientRedirectURIs(ctx context.Context, id string, uris []string) error {
	if err := s.clientChanged(ctx); err != nil {
		return err
	}
	res := s.conn(ctx).Model(&Client{ID: id}).Select("RedirectURIs").Updates(&Client{RedirectURIs: uris})
	if err := translate(res.Error); err != nil {
		return fmt.Errorf("set redirect URIs of client %q: %w", id, err)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("set redirect URIs of client %q: %w", id, ErrNotFound)
	}
	return nil
}

// ClientByID finds a client by its client_id, disabled or not. Outside a
// transaction the answer may come from the client cache (record_cache.go).
func (s *Store) ClientByID(ctx context.Context, id string) (Client, error) {
	return cachedRead(s.clients, &s.epoch.directory, id, func() (Client, error) {
		var c Client
		if err := translate(s.conn(ctx).Where("id = ?", id).Take(&c).Error); err != nil {
			return Client{}, fmt.Errorf("find client %q: %w", id, err)
		}
		return c, nil
	})
}

// clientChanged is called by every change to a stored client.
func (s *Store) clientChanged(ctx context.Context) error { return s.directoryChanged(ctx) }

// directoryChanged is called by every change to a stored client or user: it
// moves the token epoch (so other processes see it) and this process's
// directory epoch, which the record caches follow (record_cache.go), when
// the change commits.
func (s *Store) directoryChanged(ctx context.Context) error {
	if err := s.tokensChanged(ctx); err != nil {
		return err
	}
	if s.tx != nil {
		s.tx.directoryChanged = true
	} else {
		s.epoch.directory.Add(1)
	}
	return nil
}

// DisableClient switches a client off at the given time. Disabling a client
// that is already disabled keeps the first time.
func (s *Store) DisableClient(ctx context.Context, id string, at time.Time) error {
	if err := s.clientChanged(ctx); err != nil {
		return err
	}
	res := s.conn(ctx).Model(&Client{}).Where("id = ?", id).
		Update("disabled_at", s.db.Raw("COALESCE(disabled_at, ?)", at.UTC()))
	if err := translate(res.Error); err != nil {
		return fmt.Errorf("disable client %q: %w", id, err)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("disable client %q: %w", id, ErrNotFound)
	}
	return nil
}
