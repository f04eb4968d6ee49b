package oauth

import (
	"context"
	"crypto/sha256"
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
	IssuedAt     time.Time
	ExpiresAt    time.Time
}

// HasScope reports whether the token may use scope now.
func (a Access) HasScope(scope string) bool { return containsString(a.Scopes, scope) }

// ErrInvalidToken is the RFC 6750 error for a missing, unknown, expired or
// revoked bearer token.
const ErrCodeInvalidToken = "invalid_token"

// AuthenticateBearer checks an access token presented as a bearer token.
// Only access tokens (ost_…) are accepted; refresh tokens never are. When
// nothing changed since the token was last checked (the token epoch stands
// still), the answer comes from memory without a database round trip.
func (e *Engine) AuthenticateBearer(ctx context.Context, token string) (Access, error) {
	if !strings.HasPrefix(token, secret.PrefixAccessToken) {
		return Access{}, oauthError(ErrCodeInvalidToken, "the access token is not valid")
	}
	now := e.now()
	hash := sha256.Sum256([]byte(token))
	// Read the epoch before the database: a change committing in between
	// makes the entry stale at once instead of trusted.
	epoch := e.store.TokenEpoch()
	if c, ok := e.bearers.get(hash, epoch, now); ok && now.Before(c.access.ExpiresAt) {
		if err := e.touch(ctx, c.grantID); err != nil {
			return Access{}, err
		}
		return c.access, nil
	}
	et, ok, err := e.effective(ctx, token)
	if err != nil {
		return Access{}, err
	}
	if !ok || et.Kind != models.AccessToken {
		return Access{}, oauthError(ErrCodeInvalidToken, "the access token is expired, revoked or not valid")
	}
	access := Access{
		TokenID: et.ID, ClientID: et.ClientID, UserID: et.UserID, Scopes: et.scopes,
		WorkspaceIDs: nonNil(et.WorkspaceIDs), IssuedAt: et.CreatedAt, ExpiresAt: et.ExpiresAt,
	}
	e.bearers.put(hash, cachedAccess{access: access, grantID: et.GrantID, epoch: epoch, until: now.Add(bearerCacheTTL)})
	return access, nil
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
