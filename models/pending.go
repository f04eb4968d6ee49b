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

// pendingColumns are the columns of a pending authorization, in the order
// of pendingFields.
const pendingColumns = `id, user_id, client_id, redirect_uri, scopes, state, nonce, code_challenge, prompt,
	auth_time, created_at, expires_at`

func pendingFields(p *PendingAuthorization) []any {
	return []any{&p.ID, &p.UserID, &p.ClientID, &p.RedirectURI, &p.Scopes, &p.State, &p.Nonce,
		&p.CodeChallenge, &p.Prompt, &p.AuthTime, &p.CreatedAt, &p.ExpiresAt}
}

var (
	insertPendingSQL = hot(`INSERT INTO pending_authorizations (` + pendingColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`)
	pendingOfSQL = hot(`SELECT ` + pendingColumns + ` FROM pending_authorizations
		WHERE id = $1 AND user_id = $2 AND expires_at > $3`)
	deletePendingSQL = hot(`DELETE FROM pending_authorizations WHERE id = $1 AND user_id = $2`)
)

// CreatePending stores a pending authorization, in a write transaction of
// its own when not in one: every authorization request writes one, and so
// commits together with the others under way (write_batch.go).
func (s *Store) CreatePending(ctx context.Context, p *PendingAuthorization) error {
	p.AuthTime, p.CreatedAt, p.ExpiresAt = p.AuthTime.UTC(), p.CreatedAt.UTC(), p.ExpiresAt.UTC()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now().UTC()
	}
	err := s.InTx(ctx, func(tx *Store) error {
		_, err := tx.execSQL(ctx, insertPendingSQL, p.ID, p.UserID, p.ClientID, p.RedirectURI, p.Scopes, p.State,
			p.Nonce, p.CodeChallenge, p.Prompt, p.AuthTime, p.CreatedAt, p.ExpiresAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("store pending authorization: %w", err)
	}
	return nil
}

// PendingOf returns the user's unexpired pending authorization with id.
// Another user's request is ErrNotFound.
func (s *Store) PendingOf(ctx context.Context, id, userID string, now time.Time) (PendingAuthorization, error) {
	var p PendingAuthorization
	if err := s.queryRowSQL(ctx, pendingOfSQL, []any{id, userID, now.UTC()}, pendingFields(&p)...); err != nil {
		return PendingAuthorization{}, fmt.Errorf("find pending authorization: %w", err)
	}
	return p, nil
}

// DeletePending removes the user's pending authorization; when it is
// already gone (a second submit of the same form) it is ErrNotFound, so a
// decision is taken once.
func (s *Store) DeletePending(ctx context.Context, id, userID string) error {
	n, err := s.execSQL(ctx, deletePendingSQL, id, userID)
	if err != nil {
		return fmt.Errorf("delete pending authorization: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("delete pending authorization: %w", ErrNotFound)
	}
	return nil
}
