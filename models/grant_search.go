package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// GrantSearch filters the platform-wide list of live grants. Empty fields do
// not filter; text fields match case-insensitively anywhere in the value.
type GrantSearch struct {
	// UserEmail matches the grant owner's email.
	UserEmail string
	// Client matches the client's name, or its id exactly.
	Client string
	// Workspace matches the name of one of the grant's workspaces, or its
	// id exactly.
	Workspace string
	// After is the keyset cursor: only grants older than it (in the list's
	// order: newest first). Zero starts at the newest.
	After GrantCursor
	// Limit is the page size (DefaultGrantPageSize when 0, at most
	// MaxGrantPageSize).
	Limit int
}

// Page sizes of SearchGrants.
const (
	DefaultGrantPageSize = 50
	MaxGrantPageSize     = 200
)

// GrantCursor is a position in the grant list: the created time and id of
// the last grant shown. The id breaks ties between grants created in the
// same instant, so no grant is skipped or shown twice across pages.
type GrantCursor struct {
	CreatedAt time.Time
	ID        string
}

// IsZero reports whether the cursor is the start of the list.
func (c GrantCursor) IsZero() bool { return c.ID == "" }

// AdminGrant is one live grant as the platform admin's list shows it.
type AdminGrant struct {
	GrantID    string
	UserID     string
	UserName   string
	UserEmail  string
	ClientID   string
	ClientName string
	Scopes     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	Workspaces []WorkspaceRef `gorm:"-"`
}

// WorkspaceRef names a workspace.
type WorkspaceRef struct {
	ID   string
	Name string
}

// SearchGrants is one page of live grants matching q, newest first, and the
// cursor of the next (older) page, zero on the last page. Pages are keyset
// on (created_at, id), never OFFSET: a deep page costs what the first does,
// and grants created between two loads never shift a page.
func (s *Store) SearchGrants(ctx context.Context, q GrantSearch) ([]AdminGrant, GrantCursor, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultGrantPageSize
	}
	limit = min(limit, MaxGrantPageSize)
	db := s.conn(ctx)
	sel := db.Table("grants").
		Select(`grants.id AS grant_id, grants.user_id, users.name AS user_name, users.email AS user_email,
			grants.client_id, clients.name AS client_name, grants.scopes, grants.created_at, grants.last_used_at`).
		Joins("JOIN users ON users.id = grants.user_id").
		Joins("JOIN clients ON clients.id = grants.client_id").
		Where("grants.revoked_at IS NULL")
	if v := strings.TrimSpace(q.UserEmail); v != "" {
		sel = sel.Where("users.email LIKE ? ESCAPE '\\'", containsPattern(NormalizeEmail(v)))
	}
	if v := strings.TrimSpace(q.Client); v != "" {
		sel = sel.Where("(grants.client_id = ? OR LOWER(clients.name) LIKE ? ESCAPE '\\')", v, containsPattern(strings.ToLower(v)))
	}
	if v := strings.TrimSpace(q.Workspace); v != "" {
		inWorkspace := db.Table("grant_workspaces AS gw").Select("1").
			Joins("JOIN workspaces AS w ON w.id = gw.workspace_id").
			Where("gw.grant_id = grants.id AND (w.id = ? OR w.name_key LIKE ? ESCAPE '\\')", v, containsPattern(WorkspaceNameKey(v)))
		sel = sel.Where("EXISTS (?)", inWorkspace)
	}
	if !q.After.IsZero() {
		sel = sel.Where("(grants.created_at < ? OR (grants.created_at = ? AND grants.id < ?))", q.After.CreatedAt, q.After.CreatedAt, q.After.ID)
	}
	var out []AdminGrant
	// One row more than the page says whether an older page exists.
	if err := sel.Order("grants.created_at DESC, grants.id DESC").Limit(limit + 1).Scan(&out).Error; err != nil {
		return nil, GrantCursor{}, fmt.Errorf("search grants: %w", translate(err))
	}
	var next GrantCursor
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = GrantCursor{CreatedAt: last.CreatedAt, ID: last.GrantID}
	}
	if err := s.attachGrantWorkspaces(ctx, out); err != nil {
		return nil, GrantCursor{}, err
	}
	return out, next, nil
}

// attachGrantWorkspaces reads the workspaces of a page of grants in one
// query.
func (s *Store) attachGrantWorkspaces(ctx context.Context, grants []AdminGrant) error {
	if len(grants) == 0 {
		return nil
	}
	ids := make([]string, len(grants))
	index := make(map[string]int, len(grants))
	for i, g := range grants {
		ids[i], index[g.GrantID] = g.GrantID, i
	}
	var rows []struct {
		GrantID string
		WorkspaceRef
	}
	err := s.conn(ctx).Table("grant_workspaces").
		Select("grant_workspaces.grant_id, workspaces.id, workspaces.name").
		Joins("JOIN workspaces ON workspaces.id = grant_workspaces.workspace_id").
		Where("grant_workspaces.grant_id IN ?", ids).
		Order("workspaces.name_key, workspaces.id").
		Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("list workspaces of grants: %w", translate(err))
	}
	for _, r := range rows {
		g := &grants[index[r.GrantID]]
		g.Workspaces = append(g.Workspaces, r.WorkspaceRef)
	}
	return nil
}

// containsPattern is a LIKE pattern (with '\' as the escape character)
// matching s anywhere, with s's own wildcards taken literally.
func containsPattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
