package demo

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/consentry/consentry/views/pages"
)

// maskSecret shows enough of a token to recognise it and none of it to use
// it: the type prefix (ost_, osr_ …) and the last four characters. Short
// values lose their tail too, so at least twelve characters stay hidden.
func maskSecret(s string) string {
	if s == "" {
		return ""
	}
	prefix := ""
	if i := strings.IndexByte(s, '_'); i > 0 && i <= 8 {
		prefix = s[:i+1]
	}
	rest := s[len(prefix):]
	if len(rest) < 16 {
		return prefix + "…"
	}
	return prefix + "…" + rest[len(rest)-4:]
}

// maskedTokenResponse is the token response as the sample app received it,
// with every secret masked, in the order RFC 6749 lists the fields.
type maskedTokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	UserID       string `json:"user_id,omitempty"`
	WorkspaceIDs any    `json:"workspace_ids,omitempty"`
}

// tokenView turns the token response into what the result page shows.
// requested is what the app asked for; a response without scope means all
// of it was granted (RFC 6749 §5.1).
func tokenView(tok *oauth2.Token, requested []string) pages.DemoToken {
	scope, _ := tok.Extra("scope").(string)
	userID, _ := tok.Extra("user_id").(string)
	idToken, _ := tok.Extra("id_token").(string)
	rawWorkspaces := tok.Extra("workspace_ids")
	granted := strings.Fields(scope)
	if scope == "" {
		granted = slices.Clone(requested)
	}
	var notGranted []string
	for _, s := range requested {
		if !slices.Contains(granted, s) {
			notGranted = append(notGranted, s)
		}
	}
	var workspaces []string
	if list, ok := rawWorkspaces.([]any); ok {
		for _, v := range list {
			if id, ok := v.(string); ok {
				workspaces = append(workspaces, id)
			}
		}
	}
	body, err := json.MarshalIndent(maskedTokenResponse{
		AccessToken: maskSecret(tok.AccessToken), TokenType: tok.TokenType, ExpiresIn: tok.ExpiresIn,
		RefreshToken: maskSecret(tok.RefreshToken), Scope: scope, IDToken: maskSecret(idToken),
		UserID: userID, WorkspaceIDs: rawWorkspaces,
	}, "", "  ")
	if err != nil {
		// Everything above came out of a JSON document, so it marshals.
		body = []byte(err.Error())
	}
	return pages.DemoToken{
		AccessToken:  maskSecret(tok.AccessToken),
		TokenType:    tok.TokenType,
		ExpiresIn:    expiresInText(tok.ExpiresIn),
		RefreshToken: maskSecret(tok.RefreshToken),
		Scopes:       granted,
		NotGranted:   notGranted,
		UserID:       userID,
		WorkspaceIDs: workspaces,
		ResponseJSON: string(body),
	}
}

func expiresInText(seconds int64) string {
	switch {
	case seconds <= 0:
		return "not stated"
	case seconds%60 == 0:
		return fmt.Sprintf("%d seconds (%d minutes)", seconds, seconds/60)
	}
	return fmt.Sprintf("%d seconds", seconds)
}

// idTokenView decodes an ID token's header and claims for display. It
// checks nothing but the nonce: the page says the signature is not verified.
func idTokenView(tok *oauth2.Token, nonce string) pages.DemoIDToken {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return pages.DemoIDToken{}
	}
	v := pages.DemoIDToken{Present: true}
	header, claims, err := decodeJWT(raw)
	if err != nil {
		v.DecodeError = err.Error()
		return v
	}
	v.HeaderJSON, v.ClaimsJSON = header, claims
	var c struct {
		Nonce string `json:"nonce"`
	}
	if json.Unmarshal([]byte(claims), &c) == nil && nonce != "" && c.Nonce == nonce {
		v.NonceMatches = true
	}
	return v
}

// decodeJWT returns the pretty-printed header and payload of a compact JWS
// without verifying it.
func decodeJWT(raw string) (header, claims string, err error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", "", fmt.Errorf("an ID token has 3 parts, this one has %d", len(parts))
	}
	decoded := make([]string, 2)
	for i, part := range parts[:2] {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
		if err != nil {
			return "", "", fmt.Errorf("part %d is not base64url: %w", i+1, err)
		}
		if !json.Valid(b) {
			return "", "", fmt.Errorf("part %d is not JSON", i+1)
		}
		decoded[i] = prettyJSON(b)
	}
	return decoded[0], decoded[1], nil
}

// apiCallSpec is one API endpoint the sample app calls.
type apiCallSpec struct {
	id, path, scope string
	// method is GET unless set.
	method string
	// minRole is the least workspace role the call needs, if any.
	minRole string
}

// resultCalls are the endpoints of SPEC §7 every token is tried against.
func resultCalls() []apiCallSpec {
	return []apiCallSpec{
		{id: "demo-call-me", path: pathMe},
		{id: "demo-call-workspaces", path: pathWorkspaces, scope: "workspace:read"},
	}
}

// Error codes of the API (SPEC §7) that the sample app explains.
const (
	codeInvalidToken        = "invalid_token"
	codeInsufficientScope   = "insufficient_scope"
	codeInsufficientRole    = "insufficient_role"
	codeWorkspaceNotGranted = "workspace_not_granted"
)

// refusal is which of the API's expected refusals an answer is, or "".
// The challenge is consulted too, as the standard place for the first two.
func refusal(res apiResponse) string {
	code := res.errorCode()
	switch {
	case res.status == http.StatusUnauthorized && (code == codeInvalidToken || strings.Contains(res.challenge, codeInvalidToken)):
		return codeInvalidToken
	case res.status != http.StatusForbidden:
		return ""
	case code == codeInsufficientScope || strings.Contains(res.challenge, codeInsufficientScope):
		return codeInsufficientScope
	case code == codeInsufficientRole, code == codeWorkspaceNotGranted:
		return code
	}
	return ""
}

// apiCallView describes one API answer. Refusals a newcomer is meant to
// see (a scope not granted, a role too low, a revoked token) are normal
// outcomes, so they are warnings, not errors.
func apiCallView(spec apiCallSpec, res apiResponse, callErr error) pages.DemoAPICall {
	method := spec.method
	if method == "" {
		method = http.MethodGet
	}
	v := pages.DemoAPICall{ID: spec.id, Method: method, Path: spec.path, Scope: spec.scope, MinRole: spec.minRole}
	if callErr != nil {
		v.Kind = "danger"
		v.Error = "Pixel Reports could not reach Consentry: " + callErr.Error()
		return v
	}
	v.Status, v.StatusText = res.status, http.StatusText(res.status)
	v.Challenge = res.challenge
	v.Body = prettyJSON(res.body)
	if res.status >= 200 && res.status < 300 {
		v.Kind = "success"
		return v
	}
	v.Kind = "warning"
	switch refusal(res) {
	case codeInsufficientScope:
		v.Note = "Expected: the token does not carry the scope this endpoint needs, so Consentry refuses it. This is scope enforcement at work, not a fault."
	case codeInsufficientRole:
		v.Note = "Expected: the token carries the scope, but a scope never goes beyond the user's role in the workspace, and this role is too low for it."
	case codeWorkspaceNotGranted:
		v.Note = "The token cannot act in this workspace any more: access to it was taken away from Pixel Reports since (in Connected apps, or by a workspace admin)."
	case codeInvalidToken:
		v.Note = "Consentry no longer accepts this token: it was revoked (in Connected apps, say) or it expired. Connect again for a new one."
	default:
		v.Kind = "danger"
		v.Note = "Consentry refused the call."
	}
	return v
}
