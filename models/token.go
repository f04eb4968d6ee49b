package models

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TokenKind tells access tokens from refresh tokens.
type TokenKind string

// The two kinds of token.
const (
	AccessToken  TokenKind = "access"
	RefreshToken TokenKind = "refresh"
)

// Token is an access or refresh token, stored only as its key (secret.Key:
// the time it was made, then its SHA-256 hash; tokens issued before keys had
// a time have the hash alone) and found by it through a unique index. FamilyID is the authorization code the
// token descends from: code replay and refresh-token reuse revoke a family.
type Token struct {
	ID   string    `gorm:"primaryKey;size:36"`
	Hash []byte    `gorm:"size:40;not null;uniqueIndex"`
	Kind TokenKind `gorm:"size:8;not null"`
	// One index of live tokens by grant, family and expiry (schema
	// steps 10 and 11): a grant's live tokens are its prefix, and a family
	// always lies within one grant (a code's tokens, and every refresh of
	// them, keep its grant). A token leaves it when it is revoked or
	// rotated, so revoking a grant counts its live tokens from the index
	// alone. Dead tokens are found by nothing but their hash and id.
	GrantID string `gorm:"size:36;not null;index:idx_tokens_live_grant_family,priority:1,where:revoked_at IS NULL AND rotated_at IS NULL"`
	Grant   Grant  `gorm:"constraint:OnDelete:CASCADE"`
	// A client's tokens are found through its grants, and a user's too:
	// each index on this table is one more page written per token issued.
	ClientID string `gorm:"size:64;not null"`
	UserID   string `gorm:"size:36;not null"`
	FamilyID string `gorm:"size:36;not null;index:idx_tokens_live_grant_family,priority:2"`
	Scopes   string `gorm:"size:4096;not null"`
	// NeedsWorkspace is set when the token's scopes act in workspaces: such
	// a token is revoked outright when it has no workspace left.
	NeedsWorkspace bool `gorm:"not null;default:false"`
	AuthTime       time.Time
	CreatedAt      time.Time
	ExpiresAt      time.Time `gorm:"not null;index:idx_tokens_live_grant_family,priority:3"`
	RevokedAt      *time.Time
	// RotatedAt is when a refresh token was exchanged; presenting it again
	// after that is reuse.
	RotatedAt *time.Time
}

// TokenWorkspace says a token was issued for a workspace. What it can reach
// now is this ∩ its grant's workspaces.
type TokenWorkspace struct {
	TokenID     string    `gorm:"primaryKey;size:36;index:idx_token_workspaces_grant_workspace,priority:3"`
	Token       Token     `gorm:"constraint:OnDelete:CASCADE"`
	WorkspaceID string    `gorm:"primaryKey;size:36;index:idx_token_workspaces_grant_workspace,priority:2"`
	Workspace   Workspace `gorm:"constraint:OnDelete:CASCADE"`
	// GrantID is the token's grant (schema step 9), so that a cascade reads
	// a grant's tokens in a workspace as one range of the (token_grant_id,
	// workspace_id, token_id) index, without visiting each token's row for
	// its grant. The column is not named grant_id, which statements joining
	// tokens (of this build and of earlier ones) name unqualified.
	// CreateTokenBatch sets it from the batch's tokens.
	GrantID string `gorm:"column:token_grant_id;size:36;index:idx_token_workspaces_grant_workspace,priority:1"`
}

// grantIsLive is the condition, on a row of tokens, that its grant is live.
const grantIsLive = "EXISTS (SELECT 1 FROM grants WHERE grants.id = tokens.grant_id AND grants.revoked_at IS NULL)"

// tokenIsLive is the condition, on a row of tokens, that it was neither
// revoked nor rotated: the WHERE of the index of live tokens (schema step
// 11), which a statement by grant or family must state to be served by it.
const tokenIsLive = "revoked_at IS NULL AND rotated_at IS NULL"

// tokenColumnCount is how many columns tokenColumns names, one per field
// tokenFields scans.
var tokenColumnCount = len(tokenFields(&Token{}))

// tokenColumns are the columns scanTokenRow reads, in its order.
const tokenColumns = `id, hash, kind, grant_id, client_id, user_id, family_id, scopes, needs_workspace,
	auth_time, created_at, expires_at, revoked_at, rotated_at`

// tokenFields are the destinations of tokenColumns in t.
func tokenFields(t *Token) []any {
	return []any{&t.ID, &t.Hash, &t.Kind, &t.GrantID, &t.ClientID, &t.UserID, &t.FamilyID, &t.Scopes,
		&t.NeedsWorkspace, &t.AuthTime, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.RotatedAt}
}

var (
	insertTokensSQL          = newMultiRowInsert(`INSERT INTO tokens (`+tokenColumns+`) VALUES `, tokenColumnCount)
	insertTokenWorkspacesSQL = newMultiRowInsert(`INSERT INTO token_workspaces (token_id, workspace_id, token_grant_id) VALUES `, 3)
	tokenByHashSQL           = hot(`SELECT ` + tokenColumns + `, tw.workspace_id
		FROM tokens LEFT JOIN token_workspaces tw ON tw.token_id = tokens.id
		WHERE hash = $1 AND kind = $2 ORDER BY tw.workspace_id`)
	tokenRefByHashSQL = hot(`SELECT id, kind, grant_id, client_id, user_id, family_id FROM tokens WHERE hash = $1`)
	rotateRefreshSQL  = hot(`UPDATE tokens SET rotated_at = $1
		WHERE id = $2 AND kind = $3 AND rotated_at IS NULL AND revoked_at IS NULL`)
	// The two revocations leave alone tokens whose grant was revoked, and
	// rotated ones: those are dead already (grant.go), and must not count
	// as revoked again. A rotated refresh token presented for revocation
	// still takes its family's live tokens with it (oauth.Engine.Revoke).
	revokeLiveTokenSQL = hot(`UPDATE tokens SET revoked_at = $1
		WHERE hash = $2 AND client_id = $3 AND ` + tokenIsLive + ` AND ` + grantIsLive + `
		RETURNING id, kind, grant_id, client_id, user_id, family_id`)
	revokeFamilySQL = hot(`UPDATE tokens SET revoked_at = $1
		WHERE grant_id = $2 AND family_id = $3 AND ` + tokenIsLive + ` AND ` + grantIsLive)
	// Its own ∩ its grant's.
	tokenWorkspaceIDsSQL = hot(`SELECT tw.workspace_id FROM token_workspaces tw
		JOIN grant_workspaces gw ON gw.workspace_id = tw.workspace_id AND gw.grant_id = $1
		WHERE tw.token_id = $2 ORDER BY tw.workspace_id`)
)

// CreateTokens stores tokens, each issued for the same workspaces: one
// INSERT for the tokens and one for their workspace rows (per
// maxRowsPerInsert), since every statement costs a round through the
// driver whatever it carries.
func (s *Store) CreateTokens(ctx context.Context, workspaceIDs []string, tokens ...*Token) error {
	tokenArgs := make([]any, 0, len(tokens)*tokenColumnCount)
	workspaceArgs := make([]any, 0, len(tokens)*len(workspaceIDs)*3)
	for _, t := range tokens {
		t.AuthTime, t.CreatedAt, t.ExpiresAt = t.AuthTime.UTC(), t.CreatedAt.UTC(), t.ExpiresAt.UTC()
		if t.CreatedAt.IsZero() {
			t.CreatedAt = time.Now().UTC()
		}
		tokenArgs = append(tokenArgs, t.ID, t.Hash, t.Kind, t.GrantID, t.ClientID, t.UserID,
			t.FamilyID, t.Scopes, t.NeedsWorkspace, t.AuthTime, t.CreatedAt, t.ExpiresAt,
			utcOrNil(t.RevokedAt), utcOrNil(t.RotatedAt))
		for _, w := range workspaceIDs {
			workspaceArgs = append(workspaceArgs, t.ID, w, t.GrantID)
		}
	}
	if err := s.insertRows(ctx, insertTokensSQL, tokenArgs); err != nil {
		return fmt.Errorf("store tokens: %w", err)
	}
	if err := s.insertRows(ctx, insertTokenWorkspacesSQL, workspaceArgs); err != nil {
		return fmt.Errorf("store token workspaces: %w", err)
	}
	return nil
}

// utcOrNil is t in UTC, or nil (NULL) for none.
func utcOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// IssuedToken is a token with the workspaces it was issued for (what it
// reaches now is those ∩ its grant's: see TokenWorkspaceIDs).
type IssuedToken struct {
	Token
	WorkspaceIDs []string
}

// TokenByHash finds a token of a kind by its key (secret.Key), whatever its
// state, with the workspaces it was issued for, in one statement (one row
// each).
func (s *Store) TokenByHash(ctx context.Context, kind TokenKind, hash []byte) (IssuedToken, error) {
	var t IssuedToken
	if err := s.queryWithWorkspaces(ctx, tokenByHashSQL, []any{hash, kind}, tokenFields(&t.Token), &t.WorkspaceIDs); err != nil {
		return IssuedToken{}, fmt.Errorf("find %s token: %w", kind, err)
	}
	return t, nil
}

// TokenRef is what revoking a token needs to know of it.
type TokenRef struct {
	ID       string
	Kind     TokenKind
	GrantID  string
	ClientID string
	UserID   string
	FamilyID string
}

// TokenRefByHash finds a token of either kind by its key (secret.Key),
// whatever its state. It reads only
// the columns a revocation needs: every column read costs calls into the
// driver, and times are parsed from text.
func (s *Store) TokenRefByHash(ctx context.Context, hash []byte) (TokenRef, error) {
	var t TokenRef
	if err := s.queryRowSQL(ctx, tokenRefByHashSQL, []any{hash}, &t.ID, &t.Kind, &t.GrantID, &t.ClientID, &t.UserID,
		&t.FamilyID); err != nil {
		return TokenRef{}, fmt.Errorf("find token: %w", err)
	}
	return t, nil
}

// MarkRefreshRotated marks a live refresh token as exchanged if nobody has
// yet; false means it was already rotated or revoked (reuse, or a lost race).
func (s *Store) MarkRefreshRotated(ctx context.Context, id string, at time.Time) (bool, error) {
	n, err := s.execSQL(ctx, rotateRefreshSQL, at.UTC(), id, RefreshToken)
	if err != nil {
		return false, fmt.Errorf("rotate refresh token: %w", err)
	}
	return n == 1, nil
}

// RevokeLiveToken revokes, in one statement, the live token with this hash
// if it was issued to clientID, and returns it; ok is false when there is
// no such token (unknown, another client's, revoked already, or of a revoked
// grant), and then
// nothing changed, the token epoch included: revoking unknown tokens over
// and over cannot empty anybody's caches.
func (s *Store) RevokeLiveToken(ctx context.Context, hash []byte, clientID string, at time.Time) (t TokenRef, ok bool, err error) {
	if s.tx == nil {
		// The epoch moves with the commit, and writes go through a
		// transaction (on SQLite, the write connection).
		err = s.InTx(ctx, func(tx *Store) error {
			t, ok, err = tx.RevokeLiveToken(ctx, hash, clientID, at)
			return err
		})
		return t, ok, err
	}
	err = s.queryRowSQL(ctx, revokeLiveTokenSQL, []any{at.UTC(), hash, clientID},
		&t.ID, &t.Kind, &t.GrantID, &t.ClientID, &t.UserID, &t.FamilyID)
	switch {
	case errors.Is(err, ErrNotFound):
		return TokenRef{}, false, nil
	case err != nil:
		return TokenRef{}, false, fmt.Errorf("revoke token: %w", err)
	}
	if err := s.tokensChanged(ctx); err != nil {
		return TokenRef{}, false, err
	}
	return t, true, nil
}

// RevokeFamily revokes, in one statement, every live token descended from
// one authorization code (all of one grant, the code's: a revoked grant's
// are dead already), and reports how many it revoked. The token epoch
// moves only when it revoked some, so revoking a revoked token again and
// again cannot empty anybody's caches. Call it inside a transaction: the
// epoch then moves with the revocation's commit.
func (s *Store) RevokeFamily(ctx context.Context, grantID, familyID string, at time.Time) (int64, error) {
	n, err := s.execSQL(ctx, revokeFamilySQL, at.UTC(), grantID, familyID)
	if err != nil {
		return 0, fmt.Errorf("revoke token family %q: %w", familyID, err)
	}
	if n > 0 {
		if err := s.tokensChanged(ctx); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// TokenAccess is what a live token can do right now: its own scopes ∩ its
// grant's (GrantScopes; the caller intersects), and its own workspaces ∩
// its grant's (already intersected here).
type TokenAccess struct {
	Token
	GrantScopes string
	// WorkspaceIDs is filled by a second query, not scanned: the tag keeps
	// GORM from trying (and logging a failure on every read) to map it.
	WorkspaceIDs []string `gorm:"-"`
}

// ActiveTokenByHash finds a token that is unrevoked and unexpired at now,
// whose grant is live and whose client is enabled, with the workspaces it
// reaches now. Anything else is ErrNotFound: the ceiling rule is applied
// where the token is read, so no change to a grant can be missed.
func (s *Store) ActiveTokenByHash(ctx context.Context, hash []byte, now time.Time) (TokenAccess, error) {
	var ta TokenAccess
	err := s.conn(ctx).Table("tokens").
		Select("tokens.*, grants.scopes AS grant_scopes").
		Joins("JOIN grants ON grants.id = tokens.grant_id AND grants.revoked_at IS NULL").
		Joins("JOIN clients ON clients.id = tokens.client_id AND clients.disabled_at IS NULL").
		Where("tokens.hash = ? AND tokens.revoked_at IS NULL AND tokens.rotated_at IS NULL AND tokens.expires_at > ?", hash, now.UTC()).
		Take(&ta).Error
	if err := translate(err); err != nil {
		return TokenAccess{}, fmt.Errorf("find active token: %w", err)
	}
	if ta.WorkspaceIDs, err = s.TokenWorkspaceIDs(ctx, ta.ID, ta.GrantID); err != nil {
		return TokenAccess{}, err
	}
	return ta, nil
}

// TokenWorkspaceIDs returns the workspaces a token reaches now: its own ∩
// its grant's.
func (s *Store) TokenWorkspaceIDs(ctx context.Context, tokenID, grantID string) ([]string, error) {
	ids, err := s.queryStringsSQL(ctx, tokenWorkspaceIDsSQL, grantID, tokenID)
	if err != nil {
		return nil, fmt.Errorf("find workspaces of token: %w", err)
	}
	return ids, nil
}
