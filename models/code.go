package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuthCode is an authorization code, stored as its key (secret.Key: the time
// it was made, then its SHA-256 hash) and bound to everything the token
// request must match. Its ID is also the family id of
// every token issued from it, so a replayed code can revoke them all.
type AuthCode struct {
	ID            string   `gorm:"primaryKey;size:36"`
	Hash          []byte   `gorm:"size:40;not null;uniqueIndex"`
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

// codeColumns are the columns of an authorization code, in the order of
// codeFields.
const codeColumns = `id, hash, client_id, user_id, grant_id, redirect_uri, code_challenge, scopes,
	workspace_ids, nonce, auth_time, created_at, expires_at, used_at`

var (
	insertCodeSQL = hot(`INSERT INTO auth_codes (` + codeColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`)
	codeByHashSQL   = hot(`SELECT ` + codeColumns + ` FROM auth_codes WHERE hash = $1`)
	markCodeUsedSQL = hot(`UPDATE auth_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL`)
)

// CreateCode stores an authorization code.
func (s *Store) CreateCode(ctx context.Context, c *AuthCode) error {
	workspaces, err := json.Marshal(nonNilStrings(c.WorkspaceIDs))
	if err != nil {
		return fmt.Errorf("store authorization code: %w", err)
	}
	c.AuthTime, c.CreatedAt, c.ExpiresAt = c.AuthTime.UTC(), c.CreatedAt.UTC(), c.ExpiresAt.UTC()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	if _, err := s.execSQL(ctx, insertCodeSQL, c.ID, c.Hash, c.ClientID, c.UserID, c.GrantID, c.RedirectURI,
		c.CodeChallenge, c.Scopes, string(workspaces), c.Nonce, c.AuthTime, c.CreatedAt, c.ExpiresAt,
		utcOrNil(c.UsedAt)); err != nil {
		return fmt.Errorf("store authorization code: %w", err)
	}
	return nil
}

// CodeByHash finds a code, used or not.
func (s *Store) CodeByHash(ctx context.Context, hash []byte) (AuthCode, error) {
	var c AuthCode
	var workspaces string
	err := s.queryRowSQL(ctx, codeByHashSQL, []any{hash}, &c.ID, &c.Hash, &c.ClientID, &c.UserID, &c.GrantID,
		&c.RedirectURI, &c.CodeChallenge, &c.Scopes, &workspaces, &c.Nonce, &c.AuthTime, &c.CreatedAt,
		&c.ExpiresAt, &c.UsedAt)
	if err != nil {
		return AuthCode{}, fmt.Errorf("find authorization code: %w", err)
	}
	if err := json.Unmarshal([]byte(workspaces), &c.WorkspaceIDs); err != nil {
		return AuthCode{}, fmt.Errorf("find authorization code: workspaces: %w", err)
	}
	return c, nil
}

// MarkCodeUsed marks a code used if nobody has yet. It reports false when
// another redemption got there first: the conditional update is what makes
// redemption exactly-once, on one instance or many.
func (s *Store) MarkCodeUsed(ctx context.Context, id string, at time.Time) (bool, error) {
	n, err := s.execSQL(ctx, markCodeUsedSQL, at.UTC(), id)
	if err != nil {
		return false, fmt.Errorf("mark authorization code used: %w", err)
	}
	return n == 1, nil
}

// nonNilStrings is ids, or an empty list for nil: stored as [] and not null.
func nonNilStrings(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
