package oauth

import (
	"context"
	"errors"
	"net/url"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// refresh is the refresh_token grant (RFC 6749 §6). Every use rotates the
// token; presenting a rotated token again is treated as theft and revokes
// its whole family (OAuth 2.1 §4.3.1). A narrower scope may be asked for
// the new access token; the new refresh token keeps the old one's scope.
func (e *Engine) refresh(ctx context.Context, client models.Client, p url.Values, actor models.Actor) (TokenResponse, error) {
	plain := p.Get("refresh_token")
	if plain == "" {
		return TokenResponse{}, oauthError(ErrCodeInvalidRequest, "refresh_token is required")
	}
	var resp TokenResponse
	var refused error
	err := e.store.InTx(ctx, func(tx *models.Store) error {
		old, err := tx.TokenByHash(ctx, models.RefreshToken, secret.Key(plain))
		if errors.Is(err, models.ErrNotFound) {
			refused = oauthError(ErrCodeInvalidGrant, "the refresh token is not valid")
			return nil
		}
		if err != nil {
			return err
		}
		now := e.now()
		reuse := func() error {
			refused = oauthError(ErrCodeInvalidGrant, "the refresh token was already used; its token family is revoked")
			return e.revokeFamilyAudited(ctx, tx, "refresh.reuse_detected", actor, old.GrantID, old.FamilyID, old.UserID, old.ClientID)
		}
		switch {
		case old.ClientID != client.ID:
			refused = oauthError(ErrCodeInvalidGrant, "the refresh token was issued to another client")
			return nil
		case old.RotatedAt != nil:
			return reuse()
		case old.RevokedAt != nil:
			refused = oauthError(ErrCodeInvalidGrant, "the refresh token was revoked")
			return nil
		case !now.Before(old.ExpiresAt):
			refused = oauthError(ErrCodeInvalidGrant, "the refresh token has expired")
			return nil
		}
		grant, err := tx.ActiveGrantOf(ctx, old.UserID, old.ClientID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && grant.ID != old.GrantID) {
			refused = oauthError(ErrCodeInvalidGrant, "the user's grant to this client was revoked")
			return nil
		}
		if err != nil {
			return err
		}
		// The client's registration may have been narrowed since: its
		// allowed scopes are a ceiling too.
		effective := splitStored(old.Scopes).intersect(splitStored(grant.Scopes)).intersect(client.AllowedScopes)
		if !effective.has("offline_access") {
			refused = oauthError(ErrCodeInvalidGrant, "offline access is no longer granted")
			return nil
		}
		access := effective
		if p.Has("scope") {
			asked := canonicalScopes(e.catalog, parseScopeParam(p.Get("scope")))
			if len(asked) == 0 || !asked.subsetOf(effective) {
				refused = oauthError(ErrCodeInvalidScope, "the requested scope exceeds what the refresh token may grant (%s)", effective)
				return nil
			}
			access = asked
		}
		workspaces := intersectIDs(old.WorkspaceIDs, grant.WorkspaceIDs)
		if needsWorkspace(e.catalog, effective) && len(workspaces) == 0 {
			refused = oauthError(ErrCodeInvalidGrant, "none of the token's workspaces is still granted")
			return nil
		}
		won, err := tx.MarkRefreshRotated(ctx, old.ID, now)
		if err != nil {
			return err
		}
		if !won {
			return reuse()
		}
		resp, err = e.issueTokens(ctx, tx, issue{
			client: client, userID: old.UserID, grantID: grant.ID, familyID: old.FamilyID,
			accessScopes: access, refreshScopes: effective, workspaceIDs: workspaces, authTime: old.AuthTime,
		})
		return err
	})
	if err != nil {
		return TokenResponse{}, err
	}
	if refused != nil {
		return TokenResponse{}, refused
	}
	return resp, nil
}
