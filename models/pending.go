package models

import (
	"context"
	"fmt"
	"time"
)

// PendingAuthorization is a validated authorization request waiting for the
// user's decision. The consent form refers to it by ID only, so nothing the
// browser posts can change the client, redirect URI or PKCE challenge.
type PendingAuthorization struct {
	ID            string `gorm:"primaryKey;size:64"`
	UserID        string `gorm:"size:36;not null;index"`
	User          User   `gorm:"constraint:OnDelete:CASCADE"`
	ClientID      string `gorm:"size:64;not null"`
	Client        Client `gorm:"constraint:OnDelete:CASCADE"`
	RedirectURI   string `gorm:"size:2048;not null"`
	Scopes        string `gorm:"size:4096;not null"`
	State         string `gorm:"size:1024;not null;default:''"`
	Nonce         string `gorm:"size:1024;not null;default:''"`
	CodeChallenge string `gorm:"size:128;not null"`
	Prompt        string `gorm:"size:64;not null;default:''"`
	AuthTime      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time `gorm:"not null;index"`
}

// CreatePending stores a pending authorization.
func (s *Store) CreatePending(ctx context.Context, p *PendingAuthorization) error {
	if err := translate(s.writeConn(ctx).Omit("User", "Client").Create(p).Error); err != nil {
		return fmt.Errorf("store pending authorization: %w", err)
	}
	return nil
}

// PendingOf returns the user's unexpired pending authorization with id.
// Another user's request is ErrNotFound.
func (s *Store) PendingOf(ctx context.Context, id, userID string, now time.Time) (PendingAuthorization, error) {
	var p PendingAuthorization
	err := s.conn(ctx).Where("id = ? AND user_id = ? AND expires_at > ?", id, userID, now.UTC()).Take(&p).Error
	if err := translate(err); err != nil {
		return PendingAuthorization{}, fmt.Errorf("find pending authorization: %w", err)
	}
	return p, nil
}

// DeletePending removes the user's pending authorization; when it is
// already gone (a second submit of the same form) it is ErrNotFound, so a
// decision is taken once.
func (s *Store) DeletePending(ctx context.Context, id, userID string) error {
	res := s.writeConn(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&PendingAuthorization{})
	if err := translate(res.Error); err != nil {
		return fmt.Errorf("delete pending authorization: %w", err)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete pending authorization: %w", ErrNotFound)
	}
	return nil
}
