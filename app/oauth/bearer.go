package oauth

import (
	"context"
	"strings"
	"time"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// Access is what a bearer access token may do right now.
type Access struct {
	TokenID      string
	ClientID     string
	UserID       string
	Scopes       []string
	WorkspaceIDs []string
	ExpiresAt    time.Time
}

// HasScope reports whether the token may use scope now.
func (a Access) HasScope(scope string) bool { return containsString(a.Scopes, scope) }

// ErrInvalidToken is the RFC 6750 error for a missing, unknown, expired or
// revoked bearer token.
const ErrCodeInvalidToken = "invalid_token"

// AuthenticateBearer checks an access token presented as a bearer token.
// Only access tokens (ost_…) are accepted; refresh tokens never are.
func (e *Engine) AuthenticateBearer(ctx context.Context, token string) (Access, error) {
	if !strings.HasPrefix(token, secret.PrefixAccessToken) {
		return Access{}, oauthError(ErrCodeInvalidToken, "the access token is not valid")
	}
	et, ok, err := e.effective(ctx, token)
	if err != nil {
		return Access{}, err
	}
	if !ok || et.Kind != models.AccessToken {
		return Access{}, oauthError(ErrCodeInvalidToken, "the access token is expired, revoked or not valid")
	}
	return Access{
		TokenID: et.ID, ClientID: et.ClientID, UserID: et.UserID, Scopes: et.scopes,
		WorkspaceIDs: nonNil(et.WorkspaceIDs), ExpiresAt: et.ExpiresAt,
	}, nil
}

// UserInfo is the OIDC userinfo response (Core §5.3).
type UserInfo struct {
	Subject string `json:"sub"`
	userClaims
}

// UserInfo returns the claims an access token with openid may see.
func (e *Engine) UserInfo(ctx context.Context, a Access) (UserInfo, error) {
	if !a.HasScope("openid") {
		return UserInfo{}, oauthError("insufficient_scope", "the userinfo endpoint needs the openid scope")
	}
	u, err := e.store.UserByID(ctx, a.UserID)
	if err != nil {
		return UserInfo{}, err
	}
	return UserInfo{Subject: u.ID, userClaims: claimsFor(u, a.Scopes)}, nil
}
