package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// Workspace is a tenant. NameKey (the name folded to lower case) is unique per
// creating owner, so one person cannot have two workspaces of the same name.
type Workspace struct {
	ID          string `gorm:"primaryKey;size:36"`
	Name        string `gorm:"size:200;not null"`
	NameKey     string `gorm:"size:200;not null;uniqueIndex:idx_workspaces_owner_name,priority:2"`
	CreatedByID string `gorm:"size:36;not null;uniqueIndex:idx_workspaces_owner_name,priority:1"`
	CreatedBy   User   `gorm:"foreignKey:CreatedByID;constraint:OnDelete:RESTRICT"`
	CreatedAt   time.Time
}

// Membership says a user belongs to a workspace with a role.
type Membership struct {
	WorkspaceID string    `gorm:"primaryKey;size:36"`
	Workspace   Workspace `gorm:"constraint:OnDelete:CASCADE"`
	UserID      string    `gorm:"primaryKey;size:36;index"`
	User        User      `gorm:"constraint:OnDelete:CASCADE"`
	Role        Role      `gorm:"size:16;not null"`
	CreatedAt   time.Time
}

// WorkspaceNameKey folds a workspace name for the uniqueness check.
func WorkspaceNameKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// CreateWorkspace inserts w and makes its creator the owner, in one
// transaction. A creator who already has a workspace of that name gets
// ErrConflict.
func (s *Store) CreateWorkspace(ctx context.Context, w *Workspace) error {
	w.NameKey = WorkspaceNameKey(w.Name)
	return s.InTx(ctx, func(tx *Store) error {
		// Its creator's cached workspace list is out of date from now on.
		if err := tx.tokensChanged(ctx); err != nil {
			return err
		}
		if err := translate(tx.conn(ctx).Omit("CreatedBy").Create(w).Error); err != nil {
			return fmt.Errorf("create workspace %q: %w", w.Name, err)
		}
		m := Membership{WorkspaceID: w.ID, UserID: w.CreatedByID, Role: RoleOwner}
		if err := translate(tx.conn(ctx).Omit("Workspace", "User").Create(&m).Error); err != nil {
			return fmt.Errorf("make %q owner of workspace %q: %w", w.CreatedByID, w.Name, err)
		}
		return nil
	})
}

// WorkspaceByID finds a workspace by id.
func (s *Store) WorkspaceByID(ctx context.Context, id string) (Workspace, error) {
	var w Workspace
	if err := translate(s.conn(ctx).Where("id = ?", id).Take(&w).Error); err != nil {
		return Workspace{}, fmt.Errorf("find workspace %q: %w", id, err)
	}
	return w, nil
}

// WorkspaceByCreatorAndName finds the workspace a user created under a name
// (compared case-insensitively).
func (s *Store) WorkspaceByCreatorAndName(ctx context.Context, userID, name string) (Workspace, error) {
	var w Workspace
	err := s.conn(ctx).Where("created_by_id = ? AND name_key = ?", userID, WorkspaceNameKey(name)).Take(&w).Error
	if err := translate(err); err != nil {
		return Workspace{}, fmt.Errorf("find workspace %q of %q: %w", name, userID, err)
	}
	return w, nil
}

// UserWorkspace is a workspace seen from one member, with that member's role.
type UserWorkspace struct {
	ID   string
	Name string
	Role Role
}

// WorkspacesOf lists the workspaces a user belongs to, by name. Outside a
// transaction the answer may come from the membership cache
// (record_cache.go), good until the token epoch moves: whatever changes a
// membership or adds a workspace must call tokensChanged in its
// transaction, as PutMembership, DeleteMembership and CreateWorkspace do.
func (s *Store) WorkspacesOf(ctx context.Context, userID string) ([]UserWorkspace, error) {
	return cachedRead(s.memberships, &s.epoch.local, userID, func() ([]UserWorkspace, error) {
		var out []UserWorkspace
		err := s.queryRowsSQL(ctx, workspacesOfSQL, []any{userID}, func(rows *sql.Rows) error {
			var w UserWorkspace
			if err := rows.Scan(&w.ID, &w.Name, &w.Role); err != nil {
				return err
			}
			out = append(out, w)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list workspaces of %q: %w", userID, err)
		}
		return out, nil
	})
}

// workspacesOfSQL is read twice in every authorization (the consent
// screen and the decision).
var workspacesOfSQL = hot(`SELECT workspaces.id, workspaces.name, memberships.role
	FROM memberships JOIN workspaces ON workspaces.id = memberships.workspace_id
	WHERE memberships.user_id = $1 ORDER BY workspaces.name_key, workspaces.id`)

// MembershipOf returns a user's membership of a workspace.
func (s *Store) MembershipOf(ctx context.Context, workspaceID, userID string) (Membership, error) {
	var m Membership
	err := s.conn(ctx).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Take(&m).Error
	if err := translate(err); err != nil {
		return Membership{}, fmt.Errorf("find membership of %q in %q: %w", userID, workspaceID, err)
	}
	return m, nil
}

// PutMembership adds a user to a workspace or changes their role there.
func (s *Store) PutMembership(ctx context.Context, workspaceID, userID string, role Role) error {
	if err := s.tokensChanged(ctx); err != nil {
		return err
	}
	m := Membership{WorkspaceID: workspaceID, UserID: userID, Role: role}
	err := s.conn(ctx).Omit("Workspace", "User").Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"role"}),
	}).Create(&m).Error
	if err := translate(err); err != nil {
		return fmt.Errorf("put %q in workspace %q as %s: %w", userID, workspaceID, role, err)
	}
	return nil
}

// DeleteMembership removes a user from a workspace.
func (s *Store) DeleteMembership(ctx context.Context, workspaceID, userID string) error {
	if err := s.tokensChanged(ctx); err != nil {
		return err
	}
	res := s.conn(ctx).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Delete(&Membership{})
	if err := translate(res.Error); err != nil {
		return fmt.Errorf("remove %q from workspace %q: %w", userID, workspaceID, err)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("remove %q from workspace %q: %w", userID, workspaceID, ErrNotFound)
	}
	return nil
}

// CountOwners counts the owners of a workspace. On PostgreSQL it also locks
// their membership rows until the transaction ends, so that two owners
// demoted at once (on SQLite the write lock serialises them) cannot each
// count the other and leave the workspace with none.
func (s *Store) CountOwners(ctx context.Context, workspaceID string) (int64, error) {
	var n int64
	q := s.conn(ctx).Model(&Membership{}).Where("workspace_id = ? AND role = ?", workspaceID, RoleOwner)
	var err error
	if s.postgres() {
		var ids []string
		err = q.Order("user_id").Clauses(clause.Locking{Strength: "UPDATE"}).Pluck("user_id", &ids).Error
		n = int64(len(ids))
	} else {
		err = q.Count(&n).Error
	}
	if err != nil {
		return 0, fmt.Errorf("count owners of %q: %w", workspaceID, translate(err))
	}
	return n, nil
}
