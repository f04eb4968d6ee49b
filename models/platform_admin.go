package models

import (
	"context"
	"fmt"
	"time"
)

// The platform admins' reads: counts across every tenant, grant activity
// for the overview chart, and the search over every grant. They are not
// scoped to a user or workspace because a platform admin sees the whole
// platform; the web layer lets only platform admins reach them.

// PlatformCounts are the overview's totals.
type PlatformCounts struct {
	Users      int64
	Workspaces int64
	Clients    int64
	// ActiveGrants are grants not revoked.
	ActiveGrants int64
	// LiveTokens are access and refresh tokens that still work: not
	// revoked (nor their grant), not expired, and (for refresh tokens) not
	// yet exchanged.
	LiveTokens int64
}

// CountPlatform reads every total in one statement.
func (s *Store) CountPlatform(ctx context.Context, now time.Time) (PlatformCounts, error) {
	var out PlatformCounts
	err := s.conn(ctx).Raw(`SELECT
		(SELECT COUNT(*) FROM users) AS users,
		(SELECT COUNT(*) FROM workspaces) AS workspaces,
		(SELECT COUNT(*) FROM clients) AS clients,
		(SELECT COUNT(*) FROM grants WHERE revoked_at IS NULL) AS active_grants,
		(SELECT COUNT(*) FROM tokens WHERE revoked_at IS NULL AND rotated_at IS NULL AND expires_at > ?
			AND `+grantIsLive+`) AS live_tokens`,
		now.UTC()).Scan(&out).Error
	if err != nil {
		return PlatformCounts{}, fmt.Errorf("count platform: %w", translate(err))
	}
	return out, nil
}

// Audit actions the overview chart counts.
const (
	ActionGrantCreated = "grant.created"
	ActionGrantRevoked = "grant.revoked"
)

// EachGrantChange calls fn with the action and time of every grant.created
// and grant.revoked event at or after since, oldest first. Rows are read as
// they come, so the caller can bucket them (by day, in Go) in constant
// memory, with SQL that every supported database runs the same way.
func (s *Store) EachGrantChange(ctx context.Context, since time.Time, fn func(action string, at time.Time)) error {
	// The time index finds the range; the action is checked on each row
	// (the two actions are a large share of the whole log).
	rows, err := s.conn(ctx).Model(&AuditEvent{}).Select("action, occurred_at").
		Where("occurred_at >= ? AND action IN ?", since.UTC(), []string{ActionGrantCreated, ActionGrantRevoked}).
		Order("occurred_at").Rows()
	if err != nil {
		return fmt.Errorf("read grant changes: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var action string
		var at time.Time
		if err := rows.Scan(&action, &at); err != nil {
			return fmt.Errorf("read grant change: %w", err)
		}
		fn(action, at)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read grant changes: %w", err)
	}
	return nil
}

// GrantByID finds a grant, live or revoked.
func (s *Store) GrantByID(ctx context.Context, id string) (Grant, error) {
	var g Grant
	if err := translate(s.conn(ctx).Where("id = ?", id).Take(&g).Error); err != nil {
		return Grant{}, fmt.Errorf("find grant %q: %w", id, err)
	}
	return g, nil
}

// Member is one person in a workspace, with their role there.
type Member struct {
	UserID   string
	Name     string
	Email    string
	Role     Role
	JoinedAt time.Time
}

// WorkspaceMembers lists a workspace's members by name. Only memberships of
// that workspace are read.
func (s *Store) WorkspaceMembers(ctx context.Context, workspaceID string) ([]Member, error) {
	var out []Member
	err := s.conn(ctx).Table("memberships").
		Select("users.id AS user_id, users.name, users.email, memberships.role, memberships.created_at AS joined_at").
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.workspace_id = ?", workspaceID).
		Order("users.name, users.email").
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list members of workspace %q: %w", workspaceID, translate(err))
	}
	return out, nil
}
