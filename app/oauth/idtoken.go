package oauth

import (
	"context"

	"github.com/consentry/consentry/models"
)

// idTokenClaims are the OpenID Connect ID token claims (Core §2) that
// Consentry issues; profile and email claims follow the granted scopes.
type idTokenClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time"`
	Nonce    string `json:"nonce,omitempty"`
	AZP      string `json:"azp"`
	userClaims
}

// userClaims are shared by the ID token and the userinfo endpoint.
type userClaims struct {
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"`
	Name          string `json:"name,omitempty"`
	Picture       string `json:"picture,omitempty"`
}

// idTokenTTL matches the access token it comes with.
const idTokenTTL = AccessTokenTTL

func (e *Engine) idToken(ctx context.Context, is issue) (string, error) {
	user, err := e.store.UserByID(ctx, is.userID)
	if err != nil {
		return "", err
	}
	now := is.issuedAt
	return e.keys.sign(idTokenClaims{
		Issuer: e.issuer, Subject: is.userID, Audience: is.client.ID, AZP: is.client.ID,
		Expiry: now.Add(idTokenTTL).Unix(), IssuedAt: now.Unix(), AuthTime: is.authTime.Unix(),
		Nonce: is.nonce, userClaims: claimsFor(user, is.accessScopes),
	})
}

// claimsFor releases only what the scopes allow.
func claimsFor(u models.User, scopes scopeSet) userClaims {
	var c userClaims
	if scopes.has("email") {
		c.Email = u.Email
		// Emails are set by administrators, not self-service sign-up, so
		// Consentry does not vouch for them.
		verified := false
		c.EmailVerified = &verified
	}
	if scopes.has("profile") {
		c.Name, c.Picture = u.Name, u.AvatarURL
	}
	return c
}
