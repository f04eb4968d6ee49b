package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/consentry/consentry/models"
)

// AuthorizeRequest is a validated authorization request.
type AuthorizeRequest struct {
	Client        models.Client
	RedirectURI   string
	Scopes        []string
	State         string
	Nonce         string
	CodeChallenge string
	// Prompt is the OIDC prompt parameter as sent ("consent", "none", …).
	Prompt string
}

// PromptConsent reports whether the client asked to show the consent screen
// even when nothing new is asked.
func (r AuthorizeRequest) PromptConsent() bool { return r.hasPrompt("consent") }

// PromptNone reports whether the client asked for no interaction at all.
func (r AuthorizeRequest) PromptNone() bool { return r.hasPrompt("none") }

func (r AuthorizeRequest) hasPrompt(v string) bool {
	for _, p := range strings.Fields(r.Prompt) {
		if p == v {
			return true
		}
	}
	return false
}

// authorizeParams are the parameters that may appear at most once
// (RFC 6749 §3.1).
var authorizeParams = []string{
	"client_id", "redirect_uri", "response_type", "scope", "state",
	"code_challenge", "code_challenge_method", "nonce", "prompt", "response_mode",
}

const maxOpaqueParam = 1024

// ValidateAuthorize checks an authorization request in the order that decides
// where errors may go (SPEC §4.1): while the client or redirect URI is not
// trusted, errors are plain *Error values for an error page and never a
// redirect; after that, every error is a *RedirectError.
func (e *Engine) ValidateAuthorize(ctx context.Context, q url.Values) (AuthorizeRequest, error) {
	clientID, err := single(q, "client_id")
	if err != nil {
		return AuthorizeRequest{}, err
	}
	client, err := e.store.ClientByID(ctx, clientID)
	if errors.Is(err, models.ErrNotFound) {
		return AuthorizeRequest{}, oauthError(ErrCodeInvalidClient, "no client is registered with client_id %q", clientID)
	}
	if err != nil {
		return AuthorizeRequest{}, err
	}
	if client.Disabled() {
		return AuthorizeRequest{}, oauthError(ErrCodeInvalidClient, "the client %q is disabled", clientID)
	}
	redirectURI, err := single(q, "redirect_uri")
	if err != nil {
		return AuthorizeRequest{}, err
	}
	if !matchRedirectURI(client.RedirectURIs, redirectURI, client.Public()) {
		return AuthorizeRequest{}, oauthError(ErrCodeInvalidRequest, "redirect_uri %q is not registered for this client", redirectURI)
	}

	// From here the redirect URI is trusted: errors go back to the client.
	state := q.Get("state")
	fail := func(code, format string, args ...any) (AuthorizeRequest, error) {
		return AuthorizeRequest{}, &RedirectError{Err: oauthError(code, format, args...), RedirectURI: redirectURI, State: state}
	}
	for _, name := range authorizeParams {
		if len(q[name]) > 1 {
			return fail(ErrCodeInvalidRequest, "the %s parameter is repeated", name)
		}
	}
	switch {
	case q.Has("request"):
		return fail(ErrCodeRequestNotSupported, "request objects are not supported")
	case q.Has("request_uri"):
		return fail(ErrCodeRequestURINotSupported, "request_uri is not supported")
	case len(state) > maxOpaqueParam:
		return fail(ErrCodeInvalidRequest, "state is longer than %d characters", maxOpaqueParam)
	}
	switch rt := q.Get("response_type"); {
	case rt == "":
		return fail(ErrCodeInvalidRequest, "response_type is required")
	case rt != "code":
		return fail(ErrCodeUnsupportedResponseType, "response_type %q is not supported; use code", rt)
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		return fail(ErrCodeInvalidRequest, "response_mode %q is not supported; use query", rm)
	}
	challenge := q.Get("code_challenge")
	switch method := q.Get("code_challenge_method"); {
	case challenge == "":
		return fail(ErrCodeInvalidRequest, "code_challenge is required: PKCE with S256 is mandatory")
	case method != "S256":
		return fail(ErrCodeInvalidRequest, "code_challenge_method must be S256 (got %q)", method)
	case !validPKCEValue(challenge):
		return fail(ErrCodeInvalidRequest, "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]")
	}
	requested := parseScopeParam(q.Get("scope"))
	if len(requested) == 0 {
		return fail(ErrCodeInvalidScope, "scope is required")
	}
	if unknown := e.catalog.Unknown(requested); len(unknown) > 0 {
		return fail(ErrCodeInvalidScope, "unknown scope %q", unknown[0])
	}
	for _, s := range requested {
		if !containsString(client.AllowedScopes, s) {
			return fail(ErrCodeInvalidScope, "the client is not allowed to request scope %q", s)
		}
	}
	nonce := q.Get("nonce")
	if len(nonce) > maxOpaqueParam {
		return fail(ErrCodeInvalidRequest, "nonce is longer than %d characters", maxOpaqueParam)
	}
	prompt := q.Get("prompt")
	if err := validatePrompt(prompt); err != nil {
		return fail(ErrCodeInvalidRequest, "%s", err)
	}
	return AuthorizeRequest{
		Client:        client,
		RedirectURI:   redirectURI,
		Scopes:        canonicalScopes(e.catalog, requested),
		State:         state,
		Nonce:         nonce,
		CodeChallenge: challenge,
		Prompt:        prompt,
	}, nil
}

// single returns the one value of a parameter that must appear exactly once.
func single(q url.Values, name string) (string, error) {
	switch v := q[name]; {
	case len(v) == 0 || v[0] == "":
		return "", oauthError(ErrCodeInvalidRequest, "%s is required", name)
	case len(v) > 1:
		return "", oauthError(ErrCodeInvalidRequest, "the %s parameter is repeated", name)
	default:
		return v[0], nil
	}
}

// validatePrompt accepts the OIDC prompt values; "none" must stand alone.
// login and select_account are accepted and need nothing extra here: the
// person signing in already chose the account.
func validatePrompt(prompt string) error {
	values := strings.Fields(prompt)
	for _, v := range values {
		switch v {
		case "none":
			if len(values) > 1 {
				return errors.New("prompt=none cannot be combined with other values")
			}
		case "consent", "login", "select_account":
		default:
			return errors.New("unknown prompt value " + v)
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RedirectURL builds the client redirect for a successful authorization or
// an error: the registered URI with code or error, state and iss appended.
// The registered query is kept exactly as registered (RFC 6749 §3.1.2).
func (e *Engine) RedirectURL(redirectURI string, params url.Values) string {
	add := url.Values{}
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				add.Set(k, v)
			}
		}
	}
	add.Set("iss", e.issuer)
	sep := "?"
	if strings.Contains(redirectURI, "?") {
		sep = "&"
		if strings.HasSuffix(redirectURI, "?") || strings.HasSuffix(redirectURI, "&") {
			sep = ""
		}
	}
	return redirectURI + sep + add.Encode()
}

// ErrorRedirect is where a *RedirectError sends the browser.
func (e *Engine) ErrorRedirect(re *RedirectError) string {
	return e.RedirectURL(re.RedirectURI, url.Values{
		"error": {re.Err.Code}, "error_description": {re.Err.Description}, "state": {re.State},
	})
}

// StillAllowed reports whether req's client may still use its redirect URI
// and every scope it asked for: a request validated a while ago (a consent
// screen answered minutes later) is checked again against the client as it
// is now.
func StillAllowed(req AuthorizeRequest) bool {
	if !matchRedirectURI(req.Client.RedirectURIs, req.RedirectURI, req.Client.Public()) {
		return false
	}
	for _, s := range req.Scopes {
		if !containsString(req.Client.AllowedScopes, s) {
			return false
		}
	}
	return true
}
