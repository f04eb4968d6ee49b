package models

import (
	"context"
	"fmt"
	"time"
)

// APIKey is a workspace's API key. The key itself (osk_…) is kept only as
// its SHA-256 hash, found through a unique index; Hint (its last characters)
// lets people recognise a key in a list without it being usable. A key is
// never deleted, only revoked, so revocation stays visible.
type APIKey struct {
	ID          string    `gorm:"primaryKey;size:36"`
	WorkspaceID string    `gorm:"size:36;not null;index"`
	Workspace   Workspace `gorm:"constraint:OnDelete:CASCADE"`
	Name        string    `gorm:"size:100;not null"`
	Hash        []byte    `gorm:"size:32;not null;uniqueIndex"`
	Hint        string    `gorm:"size:8;not null"`
	// CreatedByID is the user who created the key, nil for the command line
	// (or once that user is deleted).
	CreatedByID *string `gorm:"size:36;index"`
	CreatedBy   *User   `gorm:"foreignKey:CreatedByID;constraint:OnDelete:SET NULL"`
	CreatedAt   time.Time
	LastUsedAt  *time.Time
	RevokedAt   *time.Time
}

// Revoked reports whether the key has been revoked.
func (k APIKey) Revoked() bool { return k.RevokedAt != nil }

// CreateAPIKey inserts k. A hash already in use is ErrConflict.
func (s *Store) CreateAPIKey(ctx context.Context, k *APIKey) error {
	if err := translate(s.conn(ctx).Omit("Workspace", "CreatedBy").Create(k).Error); err != nil {
		return fmt.Errorf("create API key %q in workspace %q: %w", k.ID, k.WorkspaceID, err)
	}
	return nil
}

// ActiveAPIKeyByHash finds the unrevoked key with the given hash; a revoked
// or unknown key is ErrNotFound.
func (s *Store) ActiveAPIKeyByHash(ctx context.Context, hash []byte) (APIKey, error) {
	var k APIKey
	err := s.conn(ctx).Where("hash = ? AND revoked_at IS NULL", hash).Take(&k).Error
	if err := translate(err); err != nil {
		return APIKey{}, fmt.Errorf("find active API key: %w", err)
	}
	return k, nil
}

// APIKeyByID finds a key by id, revoked or not.
func (s *Store) APIKeyByID(ctx context.Context, id string) (APIKey, error) {
	var k APIKey
	if err := translate(s.conn(ctx).Where("id = ?", id).Take(&k).Error); err != nil {
		return APIKey{}, fmt.Errorf("find API key %q: %w", id, err)
	}
	return k, nil
}

// WorkspaceAPIKey is a key as its workspace's admins see it: the key's row
// and its creator's name and email (empty when the command line created it
// or the user is gone).
type WorkspaceAPIKey struct {
	APIKey
	CreatorName  string
	CreatorEmail string
}

// APIKeysOf lists a workspace's keys, revoked ones included, newest first.
func (s *Store) APIKeysOf(ctx context.Context, workspaceID string) ([]WorkspaceAPIKey, error) {
	var out []WorkspaceAPIKey
	err := s.conn(ctx).Table("api_keys").
		Select(`api_keys.id, api_keys.workspace_id, api_keys.name, api_keys.hash, api_keys.hint,
			api_keys.created_by_id, api_keys.created_at, api_keys.last_used_at, api_keys.revoked_at,
			COALESCE(users.name, '') AS creator_name, COALESCE(users.email, '') AS creator_email`).
		Joins("LEFT JOIN users ON users.id = api_keys.created_by_id").
		Where("api_keys.workspace_id = ?", workspaceID).
		Order("api_keys.created_at DESC, api_keys.id DESC").
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list API keys of workspace %q: %w", workspaceID, translate(err))
	}
	return out, nil
}

// RevokeAPIKey revokes one of a workspace's keys. A key of another
// workspace, an unknown key and a key already revoked are all ErrNotFound,
// so the first revocation's time stands.
func (s *Store) RevokeAPIKey(ctx context.Context, workspaceID, id string, at time.Time) error {
	if err := s.tokensChanged(ctx); err != nil {
		return err
	}
	res := s.conn(ctx).Model(&APIKey{}).
		Where("id = ? AND workspace_id = ? AND revoked_at IS NULL", id, workspaceID).
		Update("revoked_at", at.UTC())
	if err := translate(res.Error); err != nil {
		return fmt.Errorf("revoke API key %q of workspace %q: %w", id, workspaceID, err)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("revoke API key %q of workspace %q: %w", id, workspaceID, ErrNotFound)
	}
	return nil
}

// TouchAPIKey records that a key was used at the given time.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	err := s.writeConn(ctx).Model(&APIKey{}).Where("id = ?", id).Update("last_used_at", at.UTC()).Error
	if err != nil {
		return fmt.Errorf("record use of API key %q: %w", id, translate(err))
	}
	return nil
}
