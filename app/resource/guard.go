// Package resource protects resource-server routes: it authenticates a bearer
// credential (an OAuth access token or an API key), checks the scope a route
// needs and, on workspace routes, that the workspace is reachable now and the
// user's role there allows the scope (SPEC §1: scope ∩ role). It answers with
// the exact error shapes of SPEC §7, and works in Fiber and in net/http.
package resource

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/models"
)

// Rule is what a route requires.
type Rule struct {
	// Scope is the OAuth scope an access token needs; "" means any valid
	// credential will do. API keys bypass scopes.
	Scope string
	// Workspace says the route acts on the workspace named in its path.
	Workspace bool
}

// Principal is who a request acts for.
type Principal struct {
	// UserID and ClientID are set for OAuth access tokens.
	UserID   string
	ClientID string
	// Scopes are what the token may use now, in catalog order.
	Scopes []string
	// WorkspaceIDs are the workspaces reachable now.
	WorkspaceIDs []string
	// APIKeyID is set for API keys, which act for one workspace.
	APIKeyID string
}

// IsAPIKey reports whether the request came with an API key.
func (p Principal) IsAPIKey() bool { return p.APIKeyID != "" }

// Reaches reports whether the principal may act in a workspace now.
func (p Principal) Reaches(workspaceID string) bool {
	return slices.Contains(p.WorkspaceIDs, workspaceID)
}

// Denial is a refusal in its exact HTTP form.
type Denial struct {
	Status int
	// Challenge is the WWW-Authenticate value, when there is one.
	Challenge string
	Code      string
	Message   string
}

func (d *Denial) Error() string { return d.Code + ": " + d.Message }

// TokenAuthenticator checks OAuth access tokens (the oauth.Engine).
type TokenAuthenticator interface {
	AuthenticateBearer(ctx context.Context, token string) (oauth.Access, error)
}

// KeyAuthenticator checks API keys. ok is false for an unknown or revoked
// key; err is for failures of the check itself.
type KeyAuthenticator func(ctx context.Context, key string) (k models.APIKey, ok bool, err error)

// Guard checks credentials against rules.
type Guard struct {
	tokens  TokenAuthenticator
	keys    KeyAuthenticator
	store   *models.Store
	catalog *models.Catalog
}

// NewGuard returns a Guard. Memberships are read from store, which caches
// them until the token epoch moves.
func NewGuard(tokens TokenAuthenticator, keys KeyAuthenticator, store *models.Store, catalog *models.Catalog) *Guard {
	return &Guard{tokens: tokens, keys: keys, store: store, catalog: catalog}
}

const apiKeyPrefix = "osk_"

// Check authenticates the Authorization header value and applies rule;
// workspaceID is the workspace in the route's path (for workspace rules).
// Refusals are *Denial values; other errors are failures to check.
func (g *Guard) Check(ctx context.Context, authorization string, rule Rule, workspaceID string) (Principal, error) {
	scheme, credential, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	credential = strings.TrimSpace(credential)
	if !strings.EqualFold(scheme, "Bearer") || credential == "" {
		return Principal{}, invalidToken("an access token or API key is required in the Authorization header (Bearer)")
	}
	if strings.HasPrefix(credential, apiKeyPrefix) {
		return g.checkKey(ctx, credential, rule, workspaceID)
	}
	access, err := g.tokens.AuthenticateBearer(ctx, credential)
	if oauth.HasCode(err, oauth.ErrCodeInvalidToken) {
		return Principal{}, invalidToken("the access token is expired, revoked or not valid")
	}
	if err != nil {
		return Principal{}, fmt.Errorf("check access token: %w", err)
	}
	p := Principal{UserID: access.UserID, ClientID: access.ClientID, Scopes: access.Scopes, WorkspaceIDs: access.WorkspaceIDs}
	if rule.Scope != "" && !slices.Contains(p.Scopes, rule.Scope) {
		return Principal{}, insufficientScope(rule.Scope, p.Scopes)
	}
	if !rule.Workspace {
		return p, nil
	}
	if !p.Reaches(workspaceID) {
		return Principal{}, workspaceNotGranted()
	}
	scope, _ := g.catalog.Lookup(rule.Scope)
	if !scope.Workspace {
		return p, nil
	}
	role, member, err := g.roleIn(ctx, p.UserID, workspaceID)
	if err != nil {
		return Principal{}, err
	}
	if !member {
		return Principal{}, workspaceNotGranted()
	}
	if !role.AtLeast(scope.MinRole) {
		return Principal{}, &Denial{Status: 403, Code: "insufficient_role", Message: fmt.Sprintf(
			"Your role in this workspace (%s) cannot use the %q scope; it needs %s or above.", role, rule.Scope, scope.MinRole)}
	}
	return p, nil
}

// checkKey authenticates an API key: it acts for its one workspace with full
// access there, bypassing scopes, and never reaches another workspace.
func (g *Guard) checkKey(ctx context.Context, credential string, rule Rule, workspaceID string) (Principal, error) {
	key, ok, err := g.keys(ctx, credential)
	if err != nil {
		return Principal{}, fmt.Errorf("check API key: %w", err)
	}
	if !ok {
		return Principal{}, invalidToken("the API key is revoked or not valid")
	}
	p := Principal{APIKeyID: key.ID, WorkspaceIDs: []string{key.WorkspaceID}}
	if rule.Workspace && workspaceID != key.WorkspaceID {
		return Principal{}, workspaceNotGranted()
	}
	return p, nil
}

func invalidToken(message string) *Denial {
	return &Denial{Status: 401, Challenge: `Bearer error="invalid_token"`, Code: "invalid_token", Message: message}
}

// insufficientScope is SPEC §7's 403, with the token's scopes in catalog
// order.
func insufficientScope(scope string, has []string) *Denial {
	have := "no scopes"
	if len(has) > 0 {
		have = strings.Join(has, ", ")
	}
	return &Denial{
		Status: 403, Challenge: `Bearer error="insufficient_scope", scope="` + scope + `"`, Code: "insufficient_scope",
		Message: fmt.Sprintf("This action requires the %q scope. Your token has: %s", scope, have),
	}
}

// workspaceNotGranted is one answer for a workspace the credential cannot
// reach and one that does not exist, so nothing leaks about other tenants.
func workspaceNotGranted() *Denial {
	return &Denial{Status: 403, Code: "workspace_not_granted",
		Message: "This token cannot act in that workspace. The user did not grant it, or it was removed since."}
}

// Memberships returns a user's workspaces and roles, as the role checks see
// them.
func (g *Guard) Memberships(ctx context.Context, userID string) ([]models.UserWorkspace, error) {
	return g.store.WorkspacesOf(ctx, userID)
}

// AsDenial unwraps a refusal.
func AsDenial(err error) (*Denial, bool) {
	var d *Denial
	ok := errors.As(err, &d)
	return d, ok
}
