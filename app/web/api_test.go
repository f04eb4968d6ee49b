package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/demo"
	"github.com/consentry/consentry/app/resource"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// apiCall is one API request's outcome.
type apiCall struct {
	status    int
	challenge string
	code      string
	message   string
	body      map[string]any
}

func call(t *testing.T, method, target, authorization string) apiCall {
	t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := apiCall{status: res.StatusCode, challenge: res.Header.Get("WWW-Authenticate")}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, target, raw)
		}
		if e, ok := out.body["error"].(map[string]any); ok {
			out.code, _ = e["code"].(string)
			out.message, _ = e["message"].(string)
		}
	}
	return out
}

// apiWorld: a demo-mode server with templates, alice (owner of Marketing
// and Design) and bob (viewer in Marketing), each with tokens.
type apiWorld struct {
	*cascadeWorld
	aliceWrite, bobWrite string
	key, otherKey        string
	keyID                string
}

func newAPIWorld(t *testing.T) *apiWorld {
	t.Helper()
	live := startLive(t, withDemo())
	if err := demo.SeedTemplates(context.Background(), live.store); err != nil {
		t.Fatal(err)
	}
	w := &apiWorld{cascadeWorld: newCascadeWorldOn(t, live)}
	write := []string{"workspace:read", "workspace:templates:read", "workspace:templates:write"}
	w.aliceWrite = approveFlow(t, w.alice, w.pixel, write, []string{w.marketing}).AccessToken
	w.bobWrite = approveFlow(t, w.bob, w.pixel, write, []string{w.marketing}).AccessToken
	ctx := context.Background()
	actor := models.Actor{Type: models.ActorCLI, ID: "test"}
	k, plain, err := live.server.svc.APIKeys.Create(ctx, actor, w.marketing, "CI deploys", "")
	if err != nil {
		t.Fatal(err)
	}
	w.key, w.keyID = plain, k.ID
	if _, w.otherKey, err = live.server.svc.APIKeys.Create(ctx, actor, w.design, "Design bot", ""); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *apiWorld) templates(t *testing.T, workspaceID string) []any {
	t.Helper()
	r := call(t, "GET", w.live.base+"/api/v1/workspaces/"+workspaceID+"/templates", "Bearer "+w.key)
	if r.status != 200 {
		t.Fatalf("list templates with the workspace's key: %d", r.status)
	}
	return r.body["templates"].([]any)
}

func TestAPIRefusals(t *testing.T) {
	w := newAPIWorld(t)
	base := w.live.base
	expired := w.insertToken(t, "ost_expired-for-the-test", time.Now().Add(-time.Minute))
	tid := w.templates(t, w.marketing)[0].(map[string]any)["id"].(string)

	tests := []struct {
		name          string
		method, path  string
		authorization string
		status        int
		code          string
		challenge     string
		message       string
	}{
		{"no credential", "GET", "/api/v1/me", "", 401, "invalid_token", `Bearer error="invalid_token"`, ""},
		{"garbage token", "GET", "/api/v1/me", "Bearer ost_garbage", 401, "invalid_token", `Bearer error="invalid_token"`, ""},
		{"wrong scheme", "GET", "/api/v1/me", "Basic " + w.alicePixel.AccessToken, 401, "invalid_token", `Bearer error="invalid_token"`, ""},
		{"refresh token as bearer", "GET", "/api/v1/me", "Bearer " + w.alicePixel.RefreshToken, 401, "invalid_token", `Bearer error="invalid_token"`, ""},
		{"expired token", "GET", "/api/v1/me", "Bearer " + expired, 401, "invalid_token", `Bearer error="invalid_token"`, ""},
		{"token in the query string", "GET", "/api/v1/me?access_token=" + w.alicePixel.AccessToken, "", 401, "invalid_token", `Bearer error="invalid_token"`, "query string"},
		{"insufficient scope", "GET", "/api/v1/workspaces/" + w.marketing + "/templates", "Bearer " + w.alicePixel.AccessToken, 403, "insufficient_scope",
			`Bearer error="insufficient_scope", scope="workspace:templates:read"`,
			`This action requires the "workspace:templates:read" scope. Your token has: openid, workspace:read, offline_access`},
		{"a workspace the token was not granted", "GET", "/api/v1/workspaces/" + w.design + "/templates", "Bearer " + w.aliceWrite, 403, "workspace_not_granted", "", ""},
		{"a workspace that does not exist", "GET", "/api/v1/workspaces/no-such-id", "Bearer " + w.aliceWrite, 403, "workspace_not_granted", "", ""},
		{"a viewer holding the write scope", "DELETE", "/api/v1/workspaces/" + w.marketing + "/templates/" + tid, "Bearer " + w.bobWrite, 403, "insufficient_role", "",
			`Your role in this workspace (viewer) cannot use the "workspace:templates:write" scope; it needs member or above.`},
		{"an API key outside its workspace", "GET", "/api/v1/workspaces/" + w.marketing + "/templates", "Bearer " + w.otherKey, 403, "workspace_not_granted", "", ""},
		{"an unknown API key", "GET", "/api/v1/me", "Bearer osk_" + strings.Repeat("x", 43), 401, "invalid_token", `Bearer error="invalid_token"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, tt.method, base+tt.path, tt.authorization)
			if r.status != tt.status || r.code != tt.code || r.challenge != tt.challenge {
				t.Fatalf("got %d %q %q (%s), want %d %q %q", r.status, r.code, r.challenge, r.message, tt.status, tt.code, tt.challenge)
			}
			if tt.message != "" && !strings.Contains(r.message, tt.message) {
				t.Errorf("message = %q, want %q", r.message, tt.message)
			}
		})
	}
	if got := len(w.templates(t, w.marketing)); got != 3 {
		t.Errorf("after the refusals Marketing has %d templates, want all 3", got)
	}
}

func TestAPIAllows(t *testing.T) {
	w := newAPIWorld(t)
	base := w.live.base
	ts := w.templates(t, w.marketing)

	// An owner's token with the write scope deletes; so does an API key,
	// which bypasses scopes in its own workspace.
	for i, auth := range []string{"Bearer " + w.aliceWrite, "Bearer " + w.key} {
		id := ts[i].(map[string]any)["id"].(string)
		if r := call(t, "DELETE", base+"/api/v1/workspaces/"+w.marketing+"/templates/"+id, auth); r.status != 204 {
			t.Fatalf("delete with credential %d: %d %s", i, r.status, r.message)
		}
	}
	if got := len(w.templates(t, w.marketing)); got != 1 {
		t.Errorf("Marketing has %d templates, want 1 left", got)
	}
	if r := call(t, "GET", base+"/api/v1/workspaces/"+w.marketing, "Bearer "+w.aliceWrite); r.status != 200 || r.body["name"] != "Acme Marketing" {
		t.Errorf("GET one workspace = %d %v", r.status, r.body)
	}
	if r := call(t, "GET", base+"/api/v1/workspaces", "Bearer "+w.key); r.status != 200 || len(r.body["workspaces"].([]any)) != 1 {
		t.Errorf("an API key lists %v, want its one workspace", r.body)
	}
	if r := call(t, "GET", base+"/api/v1/me", "Bearer "+w.key); r.body["api_key_id"] != w.keyID {
		t.Errorf("/me with an API key = %v", r.body)
	}
}

func TestRevokedAPIKeyIsRefusedAtOnce(t *testing.T) {
	w := newAPIWorld(t)
	w.templates(t, w.marketing) // warm every cache
	err := w.live.server.svc.APIKeys.Revoke(context.Background(), models.Actor{Type: models.ActorCLI, ID: "test"}, w.marketing, w.keyID)
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, "GET", w.live.base+"/api/v1/workspaces/"+w.marketing+"/templates", "Bearer "+w.key); r.status != 401 {
		t.Errorf("revoked key: %d, want 401 on the very next request", r.status)
	}
}

// TestGuardForNetHTTP: the same guard protects a plain net/http resource
// server with the same answers.
func TestGuardForNetHTTP(t *testing.T) {
	w := newAPIWorld(t)
	mux := http.NewServeMux()
	mux.Handle("GET /w/{id}/things", w.live.server.svc.Guard.HTTP(
		resource.Rule{Scope: "workspace:templates:read", Workspace: true},
		func(r *http.Request) string { return r.PathValue("id") },
		http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			p, _ := resource.FromContext(r.Context())
			io.WriteString(rw, `{"user":"`+p.UserID+`"}`)
		})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	if r := call(t, "GET", srv.URL+"/w/"+w.marketing+"/things", "Bearer "+w.aliceWrite); r.status != 200 || r.body["user"] == "" {
		t.Errorf("allowed call: %d %v", r.status, r.body)
	}
	r := call(t, "GET", srv.URL+"/w/"+w.marketing+"/things", "Bearer "+w.alicePixel.AccessToken)
	if r.status != 403 || r.code != "insufficient_scope" || !strings.Contains(r.challenge, `scope="workspace:templates:read"`) {
		t.Errorf("insufficient scope over net/http: %d %q %q", r.status, r.code, r.challenge)
	}
	if r := call(t, "GET", srv.URL+"/w/"+w.marketing+"/things", ""); r.status != 401 || r.challenge != `Bearer error="invalid_token"` {
		t.Errorf("no token over net/http: %d %q", r.status, r.challenge)
	}
}

// TestREADMEListsEveryAPIRoute keeps the README's endpoint and scope table
// produced from the route definitions themselves.
func TestREADMEListsEveryAPIRoute(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- api-scopes:start -->\n", "<!-- api-scopes:end -->"
	readme := string(raw)
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q block", start, end)
	}
	want := apiScopeTable(models.DefaultCatalog())
	if got := readme[i+len(start) : j]; got != want {
		t.Errorf("README's API table is out of date; replace the block with:\n%s", want)
	}
}

// insertToken stores an access token of alice's Pixel grant with a chosen
// expiry, straight through the store.
func (w *apiWorld) insertToken(t *testing.T, plain string, expires time.Time) string {
	t.Helper()
	ctx := context.Background()
	grant, err := w.live.store.ActiveGrantOf(ctx, userID(t, w.live, "alice@example.com"), w.pixel.id)
	if err != nil {
		t.Fatal(err)
	}
	err = w.live.store.CreateTokens(ctx, []string{w.marketing}, &models.Token{
		ID: "expired-token", Hash: secret.Hash(plain), Kind: models.AccessToken, GrantID: grant.ID, ClientID: w.pixel.id,
		UserID: grant.UserID, FamilyID: "f", Scopes: "openid workspace:read", NeedsWorkspace: true,
		CreatedAt: expires.Add(-time.Hour), ExpiresAt: expires,
	})
	if err != nil {
		t.Fatal(err)
	}
	return plain
}
