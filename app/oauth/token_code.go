package oauth

import (
	"context"
	"errors"
	"net/url"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// exchangeCode is the authorization_code grant (RFC 6749 §4.1.3 with PKCE,
// RFC 7636 §4.6). Redemption is exactly-once through a conditional update;
// a code presented again revokes every token it produced (RFC 6749 §4.1.2).
func (e *Engine) exchangeCode(ctx context.Context, client models.Client, p url.Values, actor models.Actor) (TokenResponse, error) {
	plain, verifier, redirectURI := p.Get("code"), p.Get("code_verifier"), p.Get("redirect_uri")
	switch {
	case plain == "":
		return TokenResponse{}, oauthError(ErrCodeInvalidRequest, "code is required")
	case verifier == "":
		return TokenResponse{}, oauthError(ErrCodeInvalidRequest, "code_verifier is required (PKCE)")
	case redirectURI == "":
		return TokenResponse{}, oauthError(ErrCodeInvalidRequest, "redirect_uri is required")
	}
	var resp TokenResponse
	var refused error
	err := e.store.InTx(ctx, func(tx *models.Store) error {
		code, err := tx.CodeByHash(ctx, secret.Key(plain))
		if errors.Is(err, models.ErrNotFound) {
			refused = oauthError(ErrCodeInvalidGrant, "the code is not valid")
			return nil
		}
		if err != nil {
			return err
		}
		now := e.now()
		switch {
		case code.ClientID != client.ID:
			refused = oauthError(ErrCodeInvalidGrant, "the code was issued to another client")
			return nil
		case code.UsedAt != nil:
			refused = oauthError(ErrCodeInvalidGrant, "the code was already used; tokens issued from it are revoked")
			return e.revokeFamilyAudited(ctx, tx, "code.reuse_detected", actor, code.GrantID, code.ID, code.UserID, code.ClientID)
		case !now.Before(code.ExpiresAt):
			refused = oauthError(ErrCodeInvalidGrant, "the code has expired")
			return nil
		case code.RedirectURI != redirectURI:
			refused = oauthError(ErrCodeInvalidGrant, "redirect_uri does not match the authorization request")
			return nil
		case !verifyS256(verifier, code.CodeChallenge):
			refused = oauthError(ErrCodeInvalidGrant, "code_verifier does not match the code_challenge")
			return nil
		}
		won, err := tx.MarkCodeUsed(ctx, code.ID, now)
		if err != nil {
			return err
		}
		if !won {
			refused = oauthError(ErrCodeInvalidGrant, "the code was already used; tokens issued from it are revoked")
			return e.revokeFamilyAudited(ctx, tx, "code.reuse_detected", actor, code.GrantID, code.ID, code.UserID, code.ClientID)
		}
		grant, err := tx.ActiveGrantOf(ctx, code.UserID, code.ClientID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && grant.ID != code.GrantID) {
			refused = oauthError(ErrCodeInvalidGrant, "the user's grant to this client was revoked")
			return nil
		}
		if err != nil {
			return err
		}
		// The ceiling rule: the grant may have shrunk since the code was made.
		scopes := splitStored(code.Scopes).intersect(splitStored(grant.Scopes))
		workspaces := intersectIDs(code.WorkspaceIDs, grant.WorkspaceIDs)
		if len(scopes) == 0 {
			refused = oauthError(ErrCodeInvalidGrant, "none of the code's scopes is still granted")
			return nil
		}
		if needsWorkspace(e.catalog, scopes) && len(workspaces) == 0 {
			refused = oauthError(ErrCodeInvalidGrant, "none of the code's workspaces is still granted")
			return nil
		}
		resp, err = e.issueTokens(ctx, tx, issue{
			client: client, userID: code.UserID, grantID: grant.ID, familyID: code.ID,
			accessScopes: scopes, refreshScopes: scopes, workspaceIDs: workspaces,
			authTime: code.AuthTime, nonce: code.Nonce,
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

// intersectIDs keeps the ids of a that are also in b, in a's order.
func intersectIDs(a, b []string) []string {
	out := []string{}
	for _, id := range a {
		if containsString(b, id) {
			out = append(out, id)
		}
	}
	return out
}
