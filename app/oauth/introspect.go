package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// Introspection is an RFC 7662 response. An inactive token is exactly
// {"active": false}: nothing else may leak. An active one always lists
// workspace_ids, [] when it reaches none (omitzero drops only nil).
type Introspection struct {
	Active       bool     `json:"active"`
	Scope        string   `json:"scope,omitempty"`
	ClientID     string   `json:"client_id,omitempty"`
	Subject      string   `json:"sub,omitempty"`
	Expiry       int64    `json:"exp,omitempty"`
	IssuedAt     int64    `json:"iat,omitempty"`
	Issuer       string   `json:"iss,omitempty"`
	TokenType    string   `json:"token_type,omitempty"`
	WorkspaceIDs []string `json:"workspace_ids,omitzero"`
}

// Introspect reports what a token can do right now. The calling client must
// authenticate; it sees its own tokens, and a resource-server client sees
// every token (SPEC §4.3).
func (e *Engine) Introspect(ctx context.Context, creds ClientCredentials, p url.Values) (Introspection, error) {
	if len(p["token"]) > 1 {
		return Introspection{}, oauthError(ErrCodeInvalidRequest, "the token parameter is repeated")
	}
	client, err := e.authenticateClient(ctx, creds, p)
	if err != nil {
		return Introspection{}, err
	}
	plain := p.Get("token")
	if plain == "" {
		return Introspection{}, oauthError(ErrCodeInvalidRequest, "token is required")
	}
	if strings.HasPrefix(plain, secret.PrefixAccessToken) {
		return e.introspectAccess(ctx, client, plain)
	}
	ta, ok, err := e.effective(ctx, plain)
	if err != nil || !ok {
		return Introspection{}, err
	}
	if ta.ClientID != client.ID && !client.ResourceServer {
		return Introspection{}, nil
	}
	out := Introspection{
		Active: true, Scope: ta.scopes.String(), ClientID: ta.ClientID, Subject: ta.UserID,
		Expiry: ta.ExpiresAt.Unix(), IssuedAt: ta.CreatedAt.Unix(), Issuer: e.issuer,
		TokenType: "Bearer", WorkspaceIDs: nonNil(ta.WorkspaceIDs),
	}
	if ta.Kind == models.RefreshToken {
		out.TokenType = "refresh_token"
	}
	return out, nil
}

// introspectAccess answers for an access token through the bearer cache,
// so a resource server introspecting the same token costs no database round
// trip while nothing changed — with the same ceiling rule and epoch checks.
func (e *Engine) introspectAccess(ctx context.Context, client models.Client, plain string) (Introspection, error) {
	a, err := e.AuthenticateBearer(ctx, plain)
	if HasCode(err, ErrCodeInvalidToken) {
		return Introspection{}, nil
	}
	if err != nil {
		return Introspection{}, err
	}
	if a.ClientID != client.ID && !client.ResourceServer {
		return Introspection{}, nil
	}
	return Introspection{
		Active: true, Scope: scopeSet(a.Scopes).String(), ClientID: a.ClientID, Subject: a.UserID,
		Expiry: a.ExpiresAt.Unix(), IssuedAt: a.IssuedAt.Unix(), Issuer: e.issuer,
		TokenType: "Bearer", WorkspaceIDs: a.WorkspaceIDs,
	}, nil
}

// effectiveToken is a live token with the scopes it can use now.
type effectiveToken struct {
	models.TokenAccess
	scopes scopeSet
}

// effective applies the ceiling rule to a presented token: scopes are its
// own ∩ its grant's, workspaces its own ∩ its grant's, and a token whose
// scopes need a workspace but has none left is not active at all.
func (e *Engine) effective(ctx context.Context, plain string) (effectiveToken, bool, error) {
	ta, err := e.store.ActiveTokenByHash(ctx, secret.Key(plain), e.now())
	if errors.Is(err, models.ErrNotFound) {
		return effectiveToken{}, false, nil
	}
	if err != nil {
		return effectiveToken{}, false, err
	}
	scopes := splitStored(ta.Scopes).intersect(splitStored(ta.GrantScopes))
	if len(scopes) == 0 || (needsWorkspace(e.catalog, scopes) && len(ta.WorkspaceIDs) == 0) {
		return effectiveToken{}, false, nil
	}
	if err := e.touch(ctx, ta.GrantID); err != nil {
		return effectiveToken{}, false, err
	}
	return effectiveToken{TokenAccess: ta, scopes: scopes}, true, nil
}
