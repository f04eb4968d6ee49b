package models

import (
	"context"
	"fmt"
	"time"
)

// AuthCode is an authorization code, stored as its SHA-256 hash and bound to
// everything the token request must match. Its ID is also the family id of
// every token issued from it, so a replayed code can revoke them all.
type AuthCode struct {
	ID            string   `gorm:"primaryKey;size:36"`
	Hash          []byte   `gorm:"size:32;not null;uniqueIndex"`
	ClientID      string   `gorm:"size:64;not null"`
	UserID        string   `gorm:"size:36;not null"`
	GrantID       string   `gorm:"size:36;not null;index"`
	RedirectURI   string   `gorm:"size:2048;not null"`
	CodeChallenge string   `gorm:"size:128;not null"`
	Scopes        string   `gorm:"size:4096;not null"`
	WorkspaceIDs  []string `gorm:"serializer:json;not null"`
	Nonce         string   `gorm:"size:1024;not null;default:''"`
	AuthTime      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time `gorm:"not null;index"`
	UsedAt        *time.Time
}

// CreateCode stores an authorization code.
func (s *Store) CreateCode(ctx context.Context, c *AuthCode) error {
	if err := translate(s.conn(ctx).Create(c).Error); err != nil {
		return fmt.Errorf("store authorization code: %w", err)
	}
	return nil
}

// CodeByHash finds a code, used or not.
func (s *Store) CodeByHash(ctx context.Context, hash []byte) (AuthCode, error) {
	var c AuthCode
	if err := translate(s.conn(ctx).Where("hash = ?", hash).Take(&c).Error); err != nil {
		return AuthCode{}, fmt.Errorf("find authorization code: %w", err)
	}
	return c, nil
}

// MarkCodeUsed marks a code used if nobody has yet. It reports false when
// another redemption got there first: the conditional update is what makes
// redemption exactly-once, on one instance or many.
func (s *Store) MarkCodeUsed(ctx context.Context, id string, at time.Time) (bool, error) {
	res := s.conn(ctx).Model(&AuthCode{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", at.UTC())
	if err := translate(res.Error); err != nil {
		return false, fmt.Errorf("mark authorization code used: %w", err)
	}
	return res.RowsAffected == 1, nil
}
