package grants

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/consentry/consentry/models"
)

var (
	// ErrNoGrant means there is no live grant (or no such workspace in it)
	// for this user and app. Pages answer 404: a grant is visible only to
	// its owner.
	ErrNoGrant = errors.New("no such connected app")
	// ErrNotWorkspaceAdmin means the acting user is not an owner or admin of
	// the workspace.
	ErrNotWorkspaceAdmin = errors.New("only the workspace's owners and admins can do this")
)

// RemoveWorkspace takes one workspace out of the user's grant to an app,
// and out of every token of it (the connected-apps page).
func (s *Service) RemoveWorkspace(ctx context.Context, userID, clientID, workspaceID string, actor models.Actor) (models.WorkspaceRemoval, error) {
	var out models.WorkspaceRemoval
	err := s.store.InTx(ctx, func(tx *models.Store) error {
		grant, err := tx.ActiveGrantOf(ctx, userID, clientID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && !slices.Contains(grant.WorkspaceIDs, workspaceID)) {
			return ErrNoGrant
		}
		if err != nil {
			return err
		}
		now := s.now()
		if out, err = tx.RemoveGrantWorkspace(ctx, models.GrantFilter{GrantID: grant.ID}, workspaceID, now); err != nil {
			return err
		}
		return tx.RecordChange(ctx, actor, models.AuditRecord{
			Action: "grant.workspace_removed", SubjectUserID: userID, ClientID: clientID, WorkspaceIDs: []string{workspaceID},
			Details: map[string]any{"by": "user"},
		}, out.TokensRevoked, now)
	})
	return out, err
}

// Revoke revokes the user's grant to an app and every token of it.
func (s *Service) Revoke(ctx context.Context, userID, clientID string, actor models.Actor) (int64, error) {
	return s.revoke(ctx, userID, clientID, "", actor)
}

// RevokeGrant revokes one grant, as a page that named it asked: when it is
// no longer the live grant (revoked, and perhaps approved anew since), it is
// ErrNoGrant, and the grant that replaced it stays.
func (s *Service) RevokeGrant(ctx context.Context, g models.Grant, actor models.Actor) (int64, error) {
	return s.revoke(ctx, g.UserID, g.ClientID, g.ID, actor)
}

// revoke revokes the user's live grant to an app, provided it is grantID
// when one is given.
func (s *Service) revoke(ctx context.Context, userID, clientID, grantID string, actor models.Actor) (int64, error) {
	var revoked int64
	err := s.store.InTx(ctx, func(tx *models.Store) error {
		grant, err := tx.ActiveGrantOf(ctx, userID, clientID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && grantID != "" && grant.ID != grantID) {
			return ErrNoGrant
		}
		if err != nil {
			return err
		}
		now := s.now()
		if revoked, err = tx.RevokeGrant(ctx, grant.ID, now); err != nil {
			return err
		}
		return tx.RecordChange(ctx, actor, models.AuditRecord{
			Action: "grant.revoked", SubjectUserID: userID, ClientID: clientID, WorkspaceIDs: grant.WorkspaceIDs,
			Details: map[string]any{"scopes": grant.Scopes},
		}, revoked, now)
	})
	return revoked, err
}

// RemoveAppFromWorkspace is a workspace admin taking an app out of the
// workspace: the workspace leaves every grant of that app.
func (s *Service) RemoveAppFromWorkspace(ctx context.Context, adminID, workspaceID, clientID string, actor models.Actor) (models.WorkspaceRemoval, error) {
	var out models.WorkspaceRemoval
	err := s.store.InTx(ctx, func(tx *models.Store) error {
		if err := requireWorkspaceAdmin(ctx, tx, workspaceID, adminID); err != nil {
			return err
		}
		now := s.now()
		var err error
		if out, err = tx.RemoveGrantWorkspace(ctx, models.GrantFilter{ClientID: clientID}, workspaceID, now); err != nil {
			return err
		}
		if out.Grants == 0 {
			return ErrNoGrant
		}
		return tx.RecordChange(ctx, actor, models.AuditRecord{
			Action: "grant.workspace_removed", ClientID: clientID, WorkspaceIDs: []string{workspaceID},
			Details: map[string]any{"by": "workspace_admin", "user_ids": out.UserIDs, "grants": out.Grants},
		}, out.TokensRevoked, now)
	})
	return out, err
}

// requireWorkspaceAdmin checks the user is an owner or admin there.
func requireWorkspaceAdmin(ctx context.Context, tx *models.Store, workspaceID, userID string) error {
	m, err := tx.MembershipOf(ctx, workspaceID, userID)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !m.Role.CanAdminister()) {
		return ErrNotWorkspaceAdmin
	}
	if err != nil {
		return fmt.Errorf("check workspace admin: %w", err)
	}
	return nil
}
