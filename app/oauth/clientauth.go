package oauth

import (
	"context"
	"errors"
	"net/url"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// ClientCredentials is how a client presented itself on a back-channel
// request: HTTP Basic (client_secret_basic), body parameters
// (client_secret_post, also in a JSON body) or a bare client_id (none).
type ClientCredentials struct {
	// BasicID and BasicSecret are the Authorization: Basic parts, still
	// form-encoded as RFC 6749 §2.3.1 requires; HasBasic says they were sent.
	BasicID, BasicSecret string
	HasBasic             bool
}

// authenticateClient identifies and authenticates the client of a token,
// revocation or introspection request. Every failure is invalid_client
// (401), except a malformed request.
func (e *Engine) authenticateClient(ctx context.Context, creds ClientCredentials, params url.Values) (models.Client, error) {
	for _, name := range []string{"client_id", "client_secret"} {
		if len(params[name]) > 1 {
			return models.Client{}, oauthError(ErrCodeInvalidRequest, "the %s parameter is repeated", name)
		}
	}
	id, presented, hasSecret := params.Get("client_id"), params.Get("client_secret"), params.Has("client_secret")
	if creds.HasBasic {
		if hasSecret {
			return models.Client{}, oauthError(ErrCodeInvalidRequest, "use one client authentication method, not both Basic and client_secret")
		}
		basicID, err1 := url.QueryUnescape(creds.BasicID)
		basicSecret, err2 := url.QueryUnescape(creds.BasicSecret)
		if err1 != nil || err2 != nil {
			return models.Client{}, oauthError(ErrCodeInvalidClient, "the Basic credentials are not form-encoded correctly")
		}
		if id != "" && id != basicID {
			return models.Client{}, oauthError(ErrCodeInvalidRequest, "client_id does not match the Basic credentials")
		}
		id, presented, hasSecret = basicID, basicSecret, true
	}
	if id == "" {
		return models.Client{}, oauthError(ErrCodeInvalidClient, "client authentication is required")
	}
	client, err := e.store.ClientByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return models.Client{}, oauthError(ErrCodeInvalidClient, "client authentication failed")
	}
	if err != nil {
		return models.Client{}, err
	}
	// Credentials first, so that only the client itself learns it is disabled.
	switch {
	case client.Public() && presented != "":
		return models.Client{}, oauthError(ErrCodeInvalidClient, "a public client has no secret to present")
	case !client.Public() && !hasSecret:
		return models.Client{}, oauthError(ErrCodeInvalidClient, "a confidential client must authenticate with its secret")
	case !client.Public() && !secret.Matches(client.SecretHash, presented):
		return models.Client{}, oauthError(ErrCodeInvalidClient, "client authentication failed")
	case client.Disabled():
		return models.Client{}, oauthError(ErrCodeInvalidClient, "the client is disabled")
	}
	return client, nil
}
