package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Grant is what one user allowed one client: its scopes (space-separated,
// catalog order) and, in GrantWorkspace rows, its workspaces. A user has at
// most one live grant per client. A revoked grant keeps its row, with
// RevokedAt set, and never comes back: the next approval is a new grant. So
// revoking costs the same whatever the number of tokens: a token works only
// while its own grant row is live (ActiveTokenByHash, and the refresh and
// code exchanges compare grant ids), and none of its tokens is written.
type Grant struct {
	ID string `gorm:"primaryKey;size:36"`
	// idx_grants_user_id also serves deleting a user, whose grants go with
	// them (the partial index cannot).
	UserID     string `gorm:"size:36;not null;index:idx_grants_user_id;uniqueIndex:idx_grants_live_user_client,priority:1,where:revoked_at IS NULL"`
	User       User   `gorm:"constraint:OnDelete:CASCADE"`
	ClientID   string `gorm:"size:64;not null;uniqueIndex:idx_grants_live_user_client,priority:2,where:revoked_at IS NULL;index"`
	Client     Client `gorm:"constraint:OnDelete:CASCADE"`
	Scopes     string `gorm:"size:4096;not null"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// GrantWorkspace says a grant reaches a workspace. Rows, not a list in a
// column, so cascades are single set-based statements.
type GrantWorkspace struct {
	GrantID     string    `gorm:"primaryKey;size:36"`
	Grant       Grant     `gorm:"constraint:OnDelete:CASCADE"`
	WorkspaceID string    `gorm:"primaryKey;size:36;index"`
	Workspace   Workspace `gorm:"constraint:OnDelete:CASCADE"`
}

// ActiveGrant is what deciding with a live grant needs: what it allows.
type ActiveGrant struct {
	ID       string
	UserID   string
	ClientID string
	Scopes   string
	// WorkspaceIDs are its workspaces, sorted.
	WorkspaceIDs []string
}

// ActiveGrantOf returns the user's live grant to a client; a revoked grant is
// ErrNotFound. Every consent, code exchange and refresh reads it, so it is
// one statement: the grant joined with its workspaces, one row each, with
// only the columns a decision needs (each column read is calls into the
// driver, and a time is parsed from text).
func (s *Store) ActiveGrantOf(ctx context.Context, userID, clientID string) (ActiveGrant, error) {
	var g ActiveGrant
	fields := []any{&g.ID, &g.UserID, &g.ClientID, &g.Scopes}
	if err := s.queryWithWorkspaces(ctx, activeGrantSQL, []any{userID, clientID}, fields, &g.WorkspaceIDs); err != nil {
		return ActiveGrant{}, fmt.Errorf("find grant of %q to %q: %w", userID, clientID, err)
	}
	return g, nil
}

// queryWithWorkspaces runs query, which returns one row for each workspace
// of one record (its columns, then a workspace id, NULL when it has none):
// it scans the record into fields and the workspace ids into workspaceIDs
// (never nil). No row is ErrNotFound.
func (s *Store) queryWithWorkspaces(ctx context.Context, query string, args, fields []any, workspaceIDs *[]string) error {
	var workspaceID sql.NullString
	dest := append(slices.Clone(fields), &workspaceID)
	found := false
	*workspaceIDs = []string{}
	err := s.queryRowsSQL(ctx, query, args, func(rows *sql.Rows) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		found = true
		if workspaceID.Valid {
			*workspaceIDs = append(*workspaceIDs, workspaceID.String)
		}
		return nil
	})
	if err == nil && !found {
		return ErrNotFound
	}
	return err
}

var (
	activeGrantSQL = hot(`SELECT g.id, g.user_id, g.client_id, g.scopes, gw.workspace_id
		FROM grants g LEFT JOIN grant_workspaces gw ON gw.grant_id = g.id
		WHERE g.user_id = $1 AND g.client_id = $2 AND g.revoked_at IS NULL
		ORDER BY gw.workspace_id`)
	grantWorkspaceIDsSQL = hot(`SELECT workspace_id FROM grant_workspaces WHERE grant_id = $1 ORDER BY workspace_id`)
	touchGrantSQL        = hot(`UPDATE grants SET last_used_at = $1 WHERE id = $2`)
)

func (s *Store) grantWorkspaceIDs(ctx context.Context, grantID string) ([]string, error) {
	ids, err := s.queryStringsSQL(ctx, grantWorkspaceIDsSQL, grantID)
	if err != nil {
		return nil, fmt.Errorf("list workspaces of grant %q: %w", grantID, err)
	}
	return ids, nil
}

// PutGrant sets the user's live grant to a client to exactly these scopes
// and workspaces, creating it (with newID) when there is none. It returns the
// grant id. Call it
// inside a transaction together with whatever the decision also writes.
//
// It does not move the token epoch itself: a grant that loses scopes or
// workspaces loses them through NarrowGrantScopes and RemoveGrantWorkspace,
// which do; a grant that only gains must not flush every cached answer.
func (s *Store) PutGrant(ctx context.Context, newID, userID, clientID, scopes string, workspaceIDs []string, at time.Time) (string, error) {
	var id string
	at = at.UTC()
	if err := s.queryRowSQL(ctx, putGrantSQL, []any{newID, userID, clientID, scopes, at}, &id); err != nil {
		return "", fmt.Errorf("save grant of %q to %q: %w", userID, clientID, err)
	}
	// Only the workspaces that change are written: a renewed consent
	// usually keeps them all.
	current, err := s.grantWorkspaceIDs(ctx, id)
	if err != nil {
		return "", err
	}
	for _, w := range current {
		if !slices.Contains(workspaceIDs, w) {
			if _, err := s.execSQL(ctx, deleteGrantWorkspaceSQL, id, w); err != nil {
				return "", fmt.Errorf("remove workspace %q from grant %q: %w", w, id, err)
			}
		}
	}
	for _, w := range workspaceIDs {
		if !slices.Contains(current, w) {
			if _, err := s.execSQL(ctx, insertGrantWorkspaceSQL, id, w); err != nil {
				return "", fmt.Errorf("add workspace %q to grant %q: %w", w, id, err)
			}
		}
	}
	return id, nil
}

var (
	// putGrantSQL creates the grant, or renews the live one there is, and
	// returns its id either way. A revoked grant is never revived: its
	// tokens would come back with it.
	putGrantSQL = hot(`INSERT INTO grants (id, user_id, client_id, scopes, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (user_id, client_id) WHERE revoked_at IS NULL DO UPDATE
		SET scopes = excluded.scopes, updated_at = excluded.updated_at
		RETURNING id`)
	deleteGrantWorkspaceSQL = hot(`DELETE FROM grant_workspaces WHERE grant_id = $1 AND workspace_id = $2`)
	insertGrantWorkspaceSQL = hot(`INSERT INTO grant_workspaces (grant_id, workspace_id) VALUES ($1, $2)`)
)

// TouchGrant records that a grant was used at a time.
func (s *Store) TouchGrant(ctx context.Context, grantID string, at time.Time) error {
	if _, err := s.execSQL(ctx, touchGrantSQL, at.UTC(), grantID); err != nil {
		return fmt.Errorf("record use of grant %q: %w", grantID, err)
	}
	return nil
}
