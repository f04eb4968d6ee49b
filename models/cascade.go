package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The cascades of SPEC §6. Each is a handful of set-based statements — never
// a loop over tokens — and runs inside the caller's transaction, next to the
// audit event that records it. Token rows lose what their grant lost, so a
// later re-grant cannot bring old tokens back to life; a revoked grant never
// comes back (grant.go), so its tokens are not written at all. Only live
// grants are cascaded: a revoked one's tokens are already dead.

// GrantFilter picks the grants a cascade applies to: one grant, every grant
// of a client, or every grant of a user.
type GrantFilter struct {
	GrantID  string
	ClientID string
	UserID   string
}

// column is the grants column the filter matches, and value its value.
func (f GrantFilter) column() (column, value string) {
	switch {
	case f.GrantID != "":
		return "id", f.GrantID
	case f.ClientID != "":
		return "client_id", f.ClientID
	default:
		return "user_id", f.UserID
	}
}

// workspaceRemovalSQL are the statements of RemoveGrantWorkspace, written
// once for each column a GrantFilter can match: they run inside write
// transactions, where only statements prepared up front are not prepared
// anew each time. SQLite numbers $n parameters in the order they first
// appear, so each statement's appear in order: the time (revokeTokens
// only), the workspace, then the filter's value.
type workspaceRemovalSQL struct {
	users, revokeTokens, clearTokens, clearGrants string
}

var workspaceRemovalStatements = func() map[string]workspaceRemovalSQL {
	out := map[string]workspaceRemovalSQL{}
	for _, column := range []string{"id", "client_id", "user_id"} {
		grants := func(param string) string {
			return "SELECT id FROM grants WHERE " + column + " = " + param + " AND revoked_at IS NULL"
		}
		out[column] = workspaceRemovalSQL{
			users: hot(`SELECT DISTINCT user_id FROM grants WHERE id IN (
				SELECT grant_id FROM grant_workspaces WHERE workspace_id = $1 AND grant_id IN (` + grants("$2") + `))
				ORDER BY user_id`),
			// Both token statements start from the grants' rows for the
			// workspace in token_workspaces, one range of its
			// (token_grant_id, workspace_id, token_id) index each, so
			// neither visits the workspace's other tokens nor any token's
			// row for its grant. Only the tokens the removal leaves with no
			// workspace of their grant (checked through their own rows,
			// which carry the grant too) are read from tokens, to be
			// revoked if they need one.
			revokeTokens: hot(`UPDATE tokens SET revoked_at = $1
				WHERE id IN (SELECT tw.token_id FROM token_workspaces tw
					WHERE tw.workspace_id = $2 AND tw.token_grant_id IN (` + grants("$3") + `)
					AND NOT EXISTS (SELECT 1 FROM token_workspaces other
						JOIN grant_workspaces gw ON gw.grant_id = other.token_grant_id AND gw.workspace_id = other.workspace_id
						WHERE other.token_id = tw.token_id AND other.workspace_id <> $2))
				AND revoked_at IS NULL AND needs_workspace = TRUE`),
			clearTokens: hot(`DELETE FROM token_workspaces WHERE workspace_id = $1 AND token_grant_id IN (` + grants("$2") + `)`),
			clearGrants: hot(`DELETE FROM grant_workspaces WHERE workspace_id = $1 AND grant_id IN (` + grants("$2") + `)`),
		}
	}
	return out
}()

// WorkspaceRemoval says what taking a workspace out of grants changed.
type WorkspaceRemoval struct {
	// UserIDs are the users whose grants lost the workspace.
	UserIDs       []string
	Grants        int64
	TokensRevoked int64
}

// RemoveGrantWorkspace takes a workspace out of the filtered grants and out
// of their tokens, and revokes every live token that needs a workspace and
// has none left.
func (s *Store) RemoveGrantWorkspace(ctx context.Context, f GrantFilter, workspaceID string, at time.Time) (WorkspaceRemoval, error) {
	if err := s.tokensChanged(ctx); err != nil {
		return WorkspaceRemoval{}, err
	}
	column, value := f.column()
	stmts := workspaceRemovalStatements[column]
	var out WorkspaceRemoval
	users, err := s.queryStringsSQL(ctx, stmts.users, workspaceID, value)
	if err != nil {
		return out, fmt.Errorf("find grants reaching workspace %q: %w", workspaceID, err)
	}
	if len(users) == 0 {
		return out, nil
	}
	out.UserIDs = users
	if out.TokensRevoked, err = s.execSQL(ctx, stmts.revokeTokens, at.UTC(), workspaceID, value); err != nil {
		return out, fmt.Errorf("revoke tokens left without a workspace: %w", err)
	}
	if _, err := s.execSQL(ctx, stmts.clearTokens, workspaceID, value); err != nil {
		return out, fmt.Errorf("remove workspace %q from tokens: %w", workspaceID, err)
	}
	if out.Grants, err = s.execSQL(ctx, stmts.clearGrants, workspaceID, value); err != nil {
		return out, fmt.Errorf("remove workspace %q from grants: %w", workspaceID, err)
	}
	return out, nil
}

// NarrowGrantScopes applies a re-authorization that removed scopes from a
// grant to the grant's live tokens (workspaces leave through
// RemoveGrantWorkspace), and revokes tokens left with no scope at all.
func (s *Store) NarrowGrantScopes(ctx context.Context, grantID string, removedScopes []string, at time.Time) (int64, error) {
	if err := s.tokensChanged(ctx); err != nil {
		return 0, err
	}
	if len(removedScopes) == 0 {
		return 0, nil
	}
	db := s.conn(ctx)
	for _, scope := range removedScopes {
		// One statement per removed scope, whatever the number of tokens.
		err := db.Model(&Token{}).Where("grant_id = ? AND "+tokenIsLive, grantID).
			Update("scopes", gorm.Expr("TRIM(REPLACE(' ' || scopes || ' ', ?, ' '))", " "+scope+" ")).Error
		if err != nil {
			return 0, fmt.Errorf("remove scope %q from tokens of grant %q: %w", scope, grantID, translate(err))
		}
	}
	res := db.Model(&Token{}).Where("grant_id = ? AND "+tokenIsLive+" AND scopes = ''", grantID).Update("revoked_at", at.UTC())
	if err := translate(res.Error); err != nil {
		return 0, fmt.Errorf("revoke tokens left without a scope: %w", err)
	}
	return res.RowsAffected, nil
}

// RevokeGrant revokes a live grant, and with it every token of it, and
// drops its unused codes. Its tokens are not written: they work only while
// their grant row is live, and a revoked grant is never revived. It reports
// how many tokens were live; a grant that is not live is ErrNotFound.
func (s *Store) RevokeGrant(ctx context.Context, grantID string, at time.Time) (int64, error) {
	if err := s.tokensChanged(ctx); err != nil {
		return 0, err
	}
	at = at.UTC()
	n, err := s.execSQL(ctx, revokeGrantSQL, at, grantID)
	if err != nil {
		return 0, fmt.Errorf("revoke grant %q: %w", grantID, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("revoke grant %q: %w", grantID, ErrNotFound)
	}
	// The tokens' own rows are as they were: the count is of those this
	// revocation ended, read from the index of live tokens alone.
	var live int64
	if err := s.queryRowSQL(ctx, countLiveTokensOfGrantSQL, []any{grantID, at}, &live); err != nil {
		return 0, fmt.Errorf("count live tokens of grant %q: %w", grantID, err)
	}
	if _, err := s.execSQL(ctx, clearGrantWorkspacesSQL, grantID); err != nil {
		return 0, fmt.Errorf("clear workspaces of grant %q: %w", grantID, err)
	}
	if _, err := s.execSQL(ctx, dropUnusedCodesOfGrantSQL, grantID); err != nil {
		return 0, fmt.Errorf("drop unused codes of grant %q: %w", grantID, err)
	}
	return live, nil
}

var (
	countLiveTokensOfGrantSQL = hot(`SELECT COUNT(*) FROM tokens
		WHERE grant_id = $1 AND ` + tokenIsLive + ` AND expires_at > $2`)
	revokeGrantSQL            = hot(`UPDATE grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`)
	clearGrantWorkspacesSQL   = hot(`DELETE FROM grant_workspaces WHERE grant_id = $1`)
	dropUnusedCodesOfGrantSQL = hot(`DELETE FROM auth_codes WHERE grant_id = $1 AND used_at IS NULL`)
)

// tokensOfClient selects a client's live tokens of live grants, through
// the grants, by the index of live tokens (there is none on
// tokens.client_id). Those of revoked grants are dead already, and so are
// revoked and rotated ones, which that index leaves out.
const tokensOfClient = "grant_id IN (SELECT id FROM grants WHERE client_id = ? AND revoked_at IS NULL) AND " + tokenIsLive

// RevokeClientTokens revokes every live token of a client and drops its
// unused codes; it reports how many tokens it revoked.
func (s *Store) RevokeClientTokens(ctx context.Context, clientID string, at time.Time) (int64, error) {
	if err := s.tokensChanged(ctx); err != nil {
		return 0, err
	}
	db := s.conn(ctx)
	if err := db.Where("client_id = ? AND used_at IS NULL", clientID).Delete(&AuthCode{}).Error; err != nil {
		return 0, fmt.Errorf("drop unused codes of client %q: %w", clientID, translate(err))
	}
	res := db.Model(&Token{}).Where(tokensOfClient, clientID).Update("revoked_at", at.UTC())
	if err := translate(res.Error); err != nil {
		return 0, fmt.Errorf("revoke tokens of client %q: %w", clientID, err)
	}
	return res.RowsAffected, nil
}
