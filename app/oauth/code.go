package oauth

import (
	"context"
	"net/url"
	"time"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// CodeGrant is what an authorization code is bound to.
type CodeGrant struct {
	Request      AuthorizeRequest
	UserID       string
	GrantID      string
	Scopes       []string
	WorkspaceIDs []string
	AuthTime     time.Time
}

// IssueCode stores a new code in tx (the transaction that also records the
// user's decision) and returns the redirect that delivers it to the client.
func (e *Engine) IssueCode(ctx context.Context, tx *models.Store, g CodeGrant) (string, error) {
	now := e.now().UTC()
	plain, err := secret.NewOrdered(e.random, secret.PrefixCode, now)
	if err != nil {
		return "", err
	}
	code := models.AuthCode{
		ID: newID(), Hash: secret.Key(plain), ClientID: g.Request.Client.ID, UserID: g.UserID, GrantID: g.GrantID,
		RedirectURI: g.Request.RedirectURI, CodeChallenge: g.Request.CodeChallenge,
		Scopes: canonicalScopes(e.catalog, g.Scopes).String(), WorkspaceIDs: nonNil(g.WorkspaceIDs),
		Nonce: g.Request.Nonce, AuthTime: g.AuthTime.UTC(), CreatedAt: now, ExpiresAt: now.Add(CodeTTL),
	}
	if err := tx.CreateCode(ctx, &code); err != nil {
		return "", err
	}
	return e.RedirectURL(g.Request.RedirectURI, url.Values{"code": {plain}, "state": {g.Request.State}}), nil
}

// DenyRedirect is where the browser goes when the person says no.
func (e *Engine) DenyRedirect(req AuthorizeRequest) string {
	return e.ErrorRedirect(&RedirectError{
		Err:         oauthError(ErrCodeAccessDenied, "the user denied the request"),
		RedirectURI: req.RedirectURI, State: req.State,
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
