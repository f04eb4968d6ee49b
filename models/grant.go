package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Grant is what one user allowed one client: its scopes (space-separated,
// catalog order) and, in GrantWorkspace rows, its workspaces. There is one
// grant per (user, client); a revoked grant keeps its row, with RevokedAt
// set, and comes back to life on the next approval.
type Grant struct {
	ID         string `gorm:"primaryKey;size:36"`
	UserID     string `gorm:"size:36;not null;uniqueIndex:idx_grants_user_client,priority:1"`
	User       User   `gorm:"constraint:OnDelete:CASCADE"`
	ClientID   string `gorm:"size:64;not null;uniqueIndex:idx_grants_user_client,priority:2;index"`
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

// ActiveGrant is a live grant with its workspaces.
type ActiveGrant struct {
	Grant
	WorkspaceIDs []string
}

// ActiveGrantOf returns the user's live grant to a client; a revoked grant is
// ErrNotFound.
func (s *Store) ActiveGrantOf(ctx context.Context, userID, clientID string) (ActiveGrant, error) {
	var g Grant
	err := s.queryRowSQL(ctx, activeGrantSQL, []any{userID, clientID},
		&g.ID, &g.UserID, &g.ClientID, &g.Scopes, &g.CreatedAt, &g.UpdatedAt, &g.RevokedAt, &g.LastUsedAt)
	if err != nil {
		return ActiveGrant{}, fmt.Errorf("find grant of %q to %q: %w", userID, clientID, err)
	}
	ws, err := s.grantWorkspaceIDs(ctx, g.ID)
	if err != nil {
		return ActiveGrant{}, err
	}
	return ActiveGrant{Grant: g, WorkspaceIDs: ws}, nil
}

var (
	activeGrantSQL = hot(`SELECT id, user_id, client_id, scopes, created_at, updated_at, revoked_at, last_used_at
		FROM grants WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL`)
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

// PutGrant sets the user's grant to a client to exactly these scopes and
// workspaces, creating or reviving it. It returns the grant id. Call it
// inside a transaction together with whatever the decision also writes.
//
// It does not move the token epoch itself: a grant that loses scopes or
// workspaces loses them through NarrowGrantScopes and RemoveGrantWorkspace,
// which do; a grant that only gains must not flush every cached answer.
func (s *Store) PutGrant(ctx context.Context, newID, userID, clientID, scopes string, workspaceIDs []string, at time.Time) (string, error) {
	g := Grant{ID: newID, UserID: userID, ClientID: clientID, Scopes: scopes, CreatedAt: at, UpdatedAt: at}
	err := s.conn(ctx).Omit("User", "Client").Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "user_id"}, {Name: "client_id"}},
		DoUpdates: clause.Assignments(map[string]any{
			"scopes": scopes, "updated_at": at, "revoked_at": nil,
		}),
	}).Create(&g).Error
	if err := translate(err); err != nil {
		return "", fmt.Errorf("save grant of %q to %q: %w", userID, clientID, err)
	}
	var id string
	if err := s.conn(ctx).Model(&Grant{}).Where("user_id = ? AND client_id = ?", userID, clientID).Pluck("id", &id).Error; err != nil {
		return "", fmt.Errorf("save grant of %q to %q: %w", userID, clientID, translate(err))
	}
	if err := s.conn(ctx).Where("grant_id = ?", id).Delete(&GrantWorkspace{}).Error; err != nil {
		return "", fmt.Errorf("reset workspaces of grant %q: %w", id, translate(err))
	}
	if len(workspaceIDs) > 0 {
		rows := make([]GrantWorkspace, len(workspaceIDs))
		for i, w := range workspaceIDs {
			rows[i] = GrantWorkspace{GrantID: id, WorkspaceID: w}
		}
		if err := s.conn(ctx).Omit("Grant", "Workspace").Create(&rows).Error; err != nil {
			return "", fmt.Errorf("set workspaces of grant %q: %w", id, translate(err))
		}
	}
	return id, nil
}

// TouchGrant records that a grant was used at a time.
func (s *Store) TouchGrant(ctx context.Context, grantID string, at time.Time) error {
	if _, err := s.execSQL(ctx, touchGrantSQL, at.UTC(), grantID); err != nil {
		return fmt.Errorf("record use of grant %q: %w", grantID, err)
	}
	return nil
}
