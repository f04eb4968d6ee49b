package oauth

import (
	"context"
	"net/url"
	"time"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// TokenRequest is a token endpoint call: its parameters (from a form or a
// JSON body), how the client authenticated, and who is calling.
type TokenRequest struct {
	Params      url.Values
	Credentials ClientCredentials
	IP          string
	UserAgent   string
}

// TokenResponse is the JSON body of a successful token response (SPEC §4.2).
type TokenResponse struct {
	AccessToken  string   `json:"access_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int      `json:"expires_in"`
	RefreshToken string   `json:"refresh_token,omitempty"`
	Scope        string   `json:"scope"`
	IDToken      string   `json:"id_token,omitempty"`
	UserID       string   `json:"user_id"`
	WorkspaceIDs []string `json:"workspace_ids"`
	// idTokenFor is set by issueTokens when an ID token is due; withIDToken
	// signs it once the grant's transaction has committed.
	idTokenFor *issue
}

// tokenParams may appear at most once in a token request.
var tokenParams = []string{"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope"}

// Token authenticates the client and runs the grant it asks for.
func (e *Engine) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	for _, name := range tokenParams {
		if len(req.Params[name]) > 1 {
			return TokenResponse{}, oauthError(ErrCodeInvalidRequest, "the %s parameter is repeated", name)
		}
	}
	client, err := e.authenticateClient(ctx, req.Credentials, req.Params)
	if err != nil {
		return TokenResponse{}, err
	}
	actor := models.Actor{Type: models.ActorClient, ID: client.ID, IP: req.IP, UserAgent: req.UserAgent}
	switch gt := req.Params.Get("grant_type"); gt {
	case "authorization_code":
		resp, err := e.exchangeCode(ctx, client, req.Params, actor)
		return e.withIDToken(ctx, resp, err)
	case "refresh_token":
		resp, err := e.refresh(ctx, client, req.Params, actor)
		return e.withIDToken(ctx, resp, err)
	case "":
		return TokenResponse{}, oauthError(ErrCodeInvalidRequest, "grant_type is required")
	default:
		return TokenResponse{}, oauthError(ErrCodeUnsupportedGrantType, "grant_type %q is not supported", gt)
	}
}

// issue describes the tokens one successful grant produces.
type issue struct {
	client        models.Client
	userID        string
	grantID       string
	familyID      string
	accessScopes  scopeSet
	refreshScopes scopeSet
	workspaceIDs  []string
	authTime      time.Time
	nonce         string
	// issuedAt is when the tokens were issued (set by issueTokens).
	issuedAt time.Time
}

// issueTokens stores an access token (and a refresh token when
// offline_access is among the refresh scopes) in tx and builds the response,
// with an id_token when openid was granted.
func (e *Engine) issueTokens(ctx context.Context, tx *models.Store, is issue) (TokenResponse, error) {
	now := e.now().UTC()
	accessPlain, err := secret.NewOrdered(e.random, secret.PrefixAccessToken, now)
	if err != nil {
		return TokenResponse{}, err
	}
	tokens := []*models.Token{{
		ID: newID(), Hash: secret.Key(accessPlain), Kind: models.AccessToken, GrantID: is.grantID,
		ClientID: is.client.ID, UserID: is.userID, FamilyID: is.familyID, Scopes: is.accessScopes.String(),
		NeedsWorkspace: needsWorkspace(e.catalog, is.accessScopes),
		AuthTime:       is.authTime, CreatedAt: now, ExpiresAt: now.Add(AccessTokenTTL),
	}}
	resp := TokenResponse{
		AccessToken: accessPlain, TokenType: "Bearer", ExpiresIn: int(AccessTokenTTL / time.Second),
		Scope: is.accessScopes.String(), UserID: is.userID, WorkspaceIDs: nonNil(is.workspaceIDs),
	}
	if is.refreshScopes.has("offline_access") {
		refreshPlain, err := secret.NewOrdered(e.random, secret.PrefixRefreshToken, now)
		if err != nil {
			return TokenResponse{}, err
		}
		tokens = append(tokens, &models.Token{
			ID: newID(), Hash: secret.Key(refreshPlain), Kind: models.RefreshToken, GrantID: is.grantID,
			ClientID: is.client.ID, UserID: is.userID, FamilyID: is.familyID, Scopes: is.refreshScopes.String(),
			NeedsWorkspace: needsWorkspace(e.catalog, is.refreshScopes),
			AuthTime:       is.authTime, CreatedAt: now, ExpiresAt: now.Add(RefreshTokenTTL),
		})
		resp.RefreshToken = refreshPlain
	}
	if err := tx.CreateTokens(ctx, is.workspaceIDs, tokens...); err != nil {
		return TokenResponse{}, err
	}
	// Inside the transaction, so through tx: another connection would wait
	// for the write lock this transaction holds.
	if e.usage.due(is.grantID, now) {
		if err := tx.TouchGrant(ctx, is.grantID, now); err != nil {
			return TokenResponse{}, err
		}
	}
	if is.accessScopes.has("openid") {
		is.issuedAt = now
		resp.idTokenFor = &is
	}
	return resp, nil
}

// withIDToken completes a granted token response with the ID token it is
// due. The token is signed after the grant's transaction has committed: a
// signature is CPU work that needs no lock, and inside the transaction it
// would hold the one write lock every writer waits for. (Should signing
// fail, the grant stands and the client gets an error; with the key in
// memory only a failure to read the user could cause that.)
func (e *Engine) withIDToken(ctx context.Context, resp TokenResponse, err error) (TokenResponse, error) {
	if err != nil || resp.idTokenFor == nil {
		return resp, err
	}
	is := *resp.idTokenFor
	resp.idTokenFor = nil
	if resp.IDToken, err = e.idToken(ctx, is); err != nil {
		return TokenResponse{}, err
	}
	return resp, nil
}

// revokeFamilyAudited revokes every token descended from one code and
// records why, in tx.
func (e *Engine) revokeFamilyAudited(ctx context.Context, tx *models.Store, action string, actor models.Actor, grantID, familyID, userID, clientID string) error {
	now := e.now()
	n, err := tx.RevokeFamily(ctx, grantID, familyID, now)
	if err != nil {
		return err
	}
	return tx.RecordChange(ctx, actor, models.AuditRecord{
		Action: action, SubjectUserID: userID, ClientID: clientID,
		Details: map[string]any{"family_id": familyID},
	}, n, now)
}
