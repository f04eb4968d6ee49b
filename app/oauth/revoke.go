package oauth

import (
	"context"
	"errors"
	"net/url"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// Revoke is RFC 7009 token revocation. Revoking a refresh token revokes its
// whole family: the access tokens issued with it and every rotation of it.
// Unknown and already-revoked tokens succeed silently (§2.2); a token of
// another client is refused with unauthorized_client (§2.1).
func (e *Engine) Revoke(ctx context.Context, creds ClientCredentials, p url.Values, ip, userAgent string) error {
	if len(p["token"]) > 1 {
		return oauthError(ErrCodeInvalidRequest, "the token parameter is repeated")
	}
	client, err := e.authenticateClient(ctx, creds, p)
	if err != nil {
		return err
	}
	plain := p.Get("token")
	if plain == "" {
		return oauthError(ErrCodeInvalidRequest, "token is required")
	}
	actor := models.Actor{Type: models.ActorClient, ID: client.ID, IP: ip, UserAgent: userAgent}
	hash := secret.Key(plain)
	return e.store.InTx(ctx, func(tx *models.Store) error {
		now := e.now()
		// The common case, a live token of this client, is one statement.
		t, revoked, err := tx.RevokeLiveToken(ctx, hash, client.ID, now)
		if err != nil {
			return err
		}
		var n int64
		if revoked {
			n = 1
		} else {
			// Unknown, another client's, or revoked already.
			if t, err = tx.TokenRefByHash(ctx, hash); errors.Is(err, models.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if t.ClientID != client.ID {
				return oauthError(ErrCodeUnauthorizedClient, "the token was not issued to this client")
			}
		}
		if t.Kind == models.RefreshToken {
			// A revoked refresh token's family may still hold live
			// access tokens: they go with it.
			rest, err := tx.RevokeFamily(ctx, t.GrantID, t.FamilyID, now)
			if err != nil {
				return err
			}
			n += rest
		}
		if n == 0 {
			return nil
		}
		_, err = tx.AppendAudit(ctx, actor, models.AuditRecord{
			Action: "tokens.revoked", SubjectUserID: t.UserID, ClientID: t.ClientID,
			Details: map[string]any{"cause": "revocation_endpoint", "token_kind": string(t.Kind), "count": n},
		}, now)
		return err
	})
}
