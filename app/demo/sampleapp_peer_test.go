package demo_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/consentry/consentry/app/demo"
)

// fakeIssuer imitates Consentry's public endpoints closely enough to test
// the sample app as its peer: discovery, the token endpoint (client
// authentication, PKCE, single-use codes), the two platform API endpoints
// and the demo templates API (scope, then role, as the real guard checks
// them). The real server end to end is the web package's browser test.
type fakeIssuer struct {
	t          *testing.T
	srv        *httptest.Server
	sessionKey []byte

	mu       sync.Mutex
	codes    map[string]fakeCode
	tokens   map[string][]string // access token → scopes
	metadata map[string]any
	// tokenRequests counts calls to the token endpoint.
	tokenRequests int
	// apiRequests counts calls to the API.
	apiRequests int
	// templates are fakeWorkspaceID's; role is the user's role there.
	templates []fakeTemplate
	role      string
}

// fakeTemplate is a template of the fake workspace.
type fakeTemplate struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// fakeCode is what an authorization code is bound to.
type fakeCode struct {
	challenge, nonce string
	scopes           []string
}

const (
	fakeAccessToken  = "ost_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAtok1"
	fakeRefreshToken = "osr_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBref9"
	fakeUserID       = "7d3f4a52-1111-4c2b-9f0e-5a6b7c8d9e0f"
	fakeWorkspaceID  = "0b9e8d7c-2222-4f3e-8a1b-2c3d4e5f6a7b"
	fakeTemplateID   = "5a1c0e4e-3333-4d5e-9f00-1a2b3c4d5e6f"
	fakeTemplateID2  = "6b2d1f5f-4444-4e6f-8a11-2b3c4d5e6f70"
)

func newFakeIssuer(t *testing.T, sessionKey []byte) *fakeIssuer {
	t.Helper()
	f := &fakeIssuer{
		t: t, sessionKey: sessionKey, codes: map[string]fakeCode{}, tokens: map[string][]string{}, role: "owner",
		templates: []fakeTemplate{
			{ID: fakeTemplateID, Name: "Quarterly report cover", Kind: "pdf"},
			{ID: fakeTemplateID2, Name: "Product launch banner", Kind: "image"},
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", f.discovery)
	mux.HandleFunc("POST /oauth/token", f.token)
	mux.HandleFunc("GET /api/v1/me", f.me)
	mux.HandleFunc("GET /api/v1/workspaces", f.workspaces)
	mux.HandleFunc("GET /api/v1/workspaces/{id}/templates", f.listTemplates)
	mux.HandleFunc("DELETE /api/v1/workspaces/{id}/templates/{tid}", f.deleteTemplate)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.metadata = map[string]any{
		"issuer":                           f.srv.URL,
		"authorization_endpoint":           f.srv.URL + "/oauth/authorize",
		"token_endpoint":                   f.srv.URL + "/oauth/token",
		"code_challenge_methods_supported": []string{"S256"},
		"authorization_response_iss_parameter_supported": true,
	}
	return f
}

func (f *fakeIssuer) issuer() string { return f.srv.URL }

// setMetadata changes one field of the discovery document.
func (f *fakeIssuer) setMetadata(key string, value any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.metadata[key] = value
}

// issueCode is what Consentry does after consent: a code bound to the
// challenge, nonce and scopes of the authorization request.
func (f *fakeIssuer) issueCode(code string, c fakeCode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[code] = c
}

// setRole changes the user's role in the fake workspace.
func (f *fakeIssuer) setRole(role string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.role = role
}

// revokeAll is the user disconnecting the app: every token stops working.
func (f *fakeIssuer) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
}

// templateIDs are the fake workspace's templates now.
func (f *fakeIssuer) templateIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(f.templates))
	for _, t := range f.templates {
		ids = append(ids, t.ID)
	}
	return ids
}

// apiCalls is how many requests reached the API.
func (f *fakeIssuer) apiCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.apiRequests
}

// tokenCalls is how many requests reached the token endpoint.
func (f *fakeIssuer) tokenCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenRequests
}

func (f *fakeIssuer) discovery(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON(w, http.StatusOK, f.metadata)
}

func (f *fakeIssuer) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenRequests++
	id, secret, ok := r.BasicAuth()
	if !ok || id != demo.ClientID || secret != demo.ClientSecret(f.sessionKey) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "authorization_code" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if r.PostForm.Has("client_secret") {
		f.t.Errorf("token request: client_secret in the body as well as the header")
	}
	code, ok := f.codes[r.PostForm.Get("code")]
	delete(f.codes, r.PostForm.Get("code"))
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !ok:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "the code is unknown or was already used"})
		return
	case r.PostForm.Get("redirect_uri") != demo.RedirectURI(f.issuer()):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "redirect_uri does not match"})
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != code.challenge:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
		return
	}
	f.tokens[fakeAccessToken] = code.scopes
	body := map[string]any{
		"access_token":  fakeAccessToken,
		"token_type":    "Bearer",
		"expires_in":    900,
		"scope":         strings.Join(code.scopes, " "),
		"user_id":       fakeUserID,
		"workspace_ids": []string{fakeWorkspaceID},
	}
	if slices.Contains(code.scopes, "offline_access") {
		body["refresh_token"] = fakeRefreshToken
	}
	if slices.Contains(code.scopes, "openid") {
		body["id_token"] = fakeJWT(map[string]any{"iss": f.issuer(), "sub": fakeUserID, "aud": demo.ClientID, "nonce": code.nonce})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

// bearer returns the scopes of the request's access token, or answers 401.
func (f *fakeIssuer) bearer(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apiRequests++
	scopes, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]string{"code": "invalid_token", "message": "The token is not valid."}})
	}
	return scopes, ok
}

func (f *fakeIssuer) me(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.bearer(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]string{"id": fakeUserID, "email": "alice@example.com", "name": "Alice Example"})
	}
}

func (f *fakeIssuer) workspaces(w http.ResponseWriter, r *http.Request) {
	scopes, ok := f.bearer(w, r)
	if !ok {
		return
	}
	if !requireScope(w, scopes, "workspace:read") {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"workspaces": []map[string]string{{"id": fakeWorkspaceID, "name": "Acme Marketing", "role": f.role}}})
}

func (f *fakeIssuer) listTemplates(w http.ResponseWriter, r *http.Request) {
	scopes, ok := f.bearer(w, r)
	if !ok || !requireScope(w, scopes, "workspace:templates:read") || !f.reaches(w, r) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"templates": f.templates})
}

func (f *fakeIssuer) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	scopes, ok := f.bearer(w, r)
	if !ok || !requireScope(w, scopes, "workspace:templates:write") || !f.reaches(w, r) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.role == "viewer" {
		writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]string{
			"code": "insufficient_role", "message": `Your role in this workspace (viewer) cannot use the "workspace:templates:write" scope; it needs member or above.`,
		}})
		return
	}
	i := slices.IndexFunc(f.templates, func(t fakeTemplate) bool { return t.ID == r.PathValue("tid") })
	if i < 0 {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{"code": "not_found", "message": "There is no such template in this workspace."}})
		return
	}
	f.templates = slices.Delete(f.templates, i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

// reaches answers 403 workspace_not_granted for any workspace but the fake one.
func (f *fakeIssuer) reaches(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("id") == fakeWorkspaceID {
		return true
	}
	writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]string{"code": "workspace_not_granted", "message": "This token cannot act in that workspace."}})
	return false
}

// requireScope answers SPEC §7's 403 when scope is missing.
func requireScope(w http.ResponseWriter, scopes []string, scope string) bool {
	if slices.Contains(scopes, scope) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+scope+`"`)
	writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]string{
		"code": "insufficient_scope", "message": `This action requires the "` + scope + `" scope. Your token has: ` + strings.Join(scopes, ", "),
	}})
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fakeJWT is a compact JWS whose signature is not a signature: the sample
// app only decodes ID tokens for display.
func fakeJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "ES256", "kid": "test-key", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}
