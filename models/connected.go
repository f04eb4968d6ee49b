package models

import (
	"context"
	"fmt"
	"time"
)

// ConnectedApp is one of a user's live grants with its client and the
// workspaces it reaches (with the user's role in each).
type ConnectedApp struct {
	GrantID           string
	ClientID          string
	ClientName        string
	ClientLogoURL     string
	ClientHomepageURL string
	Scopes            string
	GrantedAt         time.Time
	LastUsedAt        *time.Time
	Workspaces        []UserWorkspace `gorm:"-"`
}

// ConnectedApps lists a user's live grants to enabled clients, most
// recently granted first. Only the user's own grants are ever read.
func (s *Store) ConnectedApps(ctx context.Context, userID string) ([]ConnectedApp, error) {
	return s.connectedApps(ctx, userID, "")
}

// ConnectedAppOf returns the user's live grant to one client, or
// ErrNotFound (also when the grant is someone else's).
func (s *Store) ConnectedAppOf(ctx context.Context, userID, clientID string) (ConnectedApp, error) {
	apps, err := s.connectedApps(ctx, userID, clientID)
	if err != nil {
		return ConnectedApp{}, err
	}
	if len(apps) == 0 {
		return ConnectedApp{}, fmt.Errorf("find connected app %q of %q: %w", clientID, userID, ErrNotFound)
	}
	return apps[0], nil
}

func (s *Store) connectedApps(ctx context.Context, userID, clientID string) ([]ConnectedApp, error) {
	q := s.conn(ctx).Table("grants").
		Select(`grants.id AS grant_id, grants.client_id, clients.name AS client_name, clients.logo_url AS client_logo_url,
			clients.homepage_url AS client_homepage_url, grants.scopes, grants.created_at AS granted_at, grants.last_used_at`).
		Joins("JOIN clients ON clients.id = grants.client_id AND clients.disabled_at IS NULL").
		Where("grants.user_id = ? AND grants.revoked_at IS NULL", userID)
	if clientID != "" {
		q = q.Where("grants.client_id = ?", clientID)
	}
	var apps []ConnectedApp
	if err := q.Order("grants.created_at DESC, grants.id").Scan(&apps).Error; err != nil {
		return nil, fmt.Errorf("list connected apps of %q: %w", userID, translate(err))
	}
	if len(apps) == 0 {
		return nil, nil
	}
	ids := make([]string, len(apps))
	index := make(map[string]int, len(apps))
	for i, a := range apps {
		ids[i], index[a.GrantID] = a.GrantID, i
	}
	var rows []struct {
		GrantID string
		UserWorkspace
	}
	err := s.conn(ctx).Table("grant_workspaces").
		Select("grant_workspaces.grant_id, workspaces.id, workspaces.name, memberships.role").
		Joins("JOIN workspaces ON workspaces.id = grant_workspaces.workspace_id").
		Joins("JOIN memberships ON memberships.workspace_id = workspaces.id AND memberships.user_id = ?", userID).
		Where("grant_workspaces.grant_id IN ?", ids).
		Order("workspaces.name_key, workspaces.id").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list workspaces of connected apps: %w", translate(err))
	}
	for _, r := range rows {
		a := &apps[index[r.GrantID]]
		a.Workspaces = append(a.Workspaces, r.UserWorkspace)
	}
	return apps, nil
}

// WorkspaceGrant is one member's grant that lets an app into a workspace.
type WorkspaceGrant struct {
	ClientID      string
	ClientName    string
	ClientLogoURL string
	UserID        string
	UserName      string
	UserEmail     string
	Role          Role
	Scopes        string
	GrantedAt     time.Time
	LastUsedAt    *time.Time
}

// WorkspaceGrants lists the live grants reaching a workspace, by app then
// member. Only grants that include this workspace are read.
func (s *Store) WorkspaceGrants(ctx context.Context, workspaceID string) ([]WorkspaceGrant, error) {
	var out []WorkspaceGrant
	err := s.conn(ctx).Table("grant_workspaces").
		Select(`clients.id AS client_id, clients.name AS client_name, clients.logo_url AS client_logo_url,
			users.id AS user_id, users.name AS user_name, users.email AS user_email, memberships.role,
			grants.scopes, grants.created_at AS granted_at, grants.last_used_at`).
		Joins("JOIN grants ON grants.id = grant_workspaces.grant_id AND grants.revoked_at IS NULL").
		Joins("JOIN clients ON clients.id = grants.client_id AND clients.disabled_at IS NULL").
		Joins("JOIN users ON users.id = grants.user_id").
		Joins("JOIN memberships ON memberships.workspace_id = grant_workspaces.workspace_id AND memberships.user_id = grants.user_id").
		Where("grant_workspaces.workspace_id = ?", workspaceID).
		Order("clients.name, clients.id, users.email").
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list grants reaching workspace %q: %w", workspaceID, translate(err))
	}
	return out, nil
}
