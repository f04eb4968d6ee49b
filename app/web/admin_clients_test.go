package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/consentry/consentry/app/secret"
)

// clientRefusals are registrations the form must refuse: the field whose
// error the page shows beside it, and words of that error.
var clientRefusals = []struct {
	name   string
	change func(url.Values)
	// errors maps the id of each control in error to words of its message.
	errors map[string]string
}{
	{"empty name", func(v url.Values) { v.Set("name", "  ") }, map[string]string{"client-name": "Name is empty"}},
	{"name too long", func(v url.Values) { v.Set("name", strings.Repeat("n", 201)) }, map[string]string{"client-name": "longer than 200 characters"}},
	{"logo URL with a script scheme", func(v url.Values) { v.Set("logo_url", "javascript:alert(1)") }, map[string]string{"client-logo-url": "Logo URL: \"javascript:alert(1)\" is not an absolute http(s) URL"}},
	{"relative homepage", func(v url.Values) { v.Set("homepage_url", "rendermatic.example") }, map[string]string{"client-homepage-url": "is not an absolute http(s) URL"}},
	{"no redirect URI", func(v url.Values) { v.Set("redirect_uris", " \r\n ") }, map[string]string{"client-redirect-uris": "At least one redirect URI is needed"}},
	{"http redirect URI on a public host", func(v url.Values) { v.Set("redirect_uris", "http://rendermatic.example/cb") }, map[string]string{"client-redirect-uris": "http is only allowed for loopback hosts"}},
	{"redirect URI with a fragment", func(v url.Values) { v.Set("redirect_uris", "https://rendermatic.example/cb#done") }, map[string]string{"client-redirect-uris": "must not contain a fragment"}},
	{"redirect URI with a wildcard", func(v url.Values) { v.Set("redirect_uris", "https://*.rendermatic.example/cb") }, map[string]string{"client-redirect-uris": "wildcards are not allowed"}},
	{"relative redirect URI", func(v url.Values) { v.Set("redirect_uris", "/callback") }, map[string]string{"client-redirect-uris": "must be an absolute URI"}},
	{"custom scheme redirect URI", func(v url.Values) { v.Set("redirect_uris", "rendermatic://callback") }, map[string]string{"client-redirect-uris": "scheme must be https"}},
	{"one bad redirect URI among good ones", func(v url.Values) {
		v.Set("redirect_uris", "https://rendermatic.example/cb\nhttp://evil.example/cb")
	}, map[string]string{"client-redirect-uris": "http://evil.example/cb"}},
	{"no scope", func(v url.Values) { v.Del("scope") }, map[string]string{"client-scopes": "At least one scope is needed"}},
	{"scope outside the catalog", func(v url.Values) { v.Add("scope", "files:nuke") }, map[string]string{"client-scopes": "Unknown scopes: files:nuke"}},
	{"several problems at once", func(v url.Values) {
		v.Set("name", "")
		v.Set("redirect_uris", "http://evil.example/cb")
		v.Del("scope")
	}, map[string]string{"client-name": "Name is empty", "client-redirect-uris": "http is only allowed", "client-scopes": "At least one scope"}},
}

// fieldErrorText is the text of the error shown beside the control id.
func fieldErrorText(body, id string) string {
	m := regexp.MustCompile(`(?s)id="` + regexp.QuoteMeta(id) + `-error"[^>]*>(.*?)</div>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	plain := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")
	return strings.Join(strings.Fields(html.UnescapeString(plain)), " ")
}

// TestAdminClientRegistrationRefusals: each bad input comes back as the
// form (422) with the problem beside its field and in the summary, what was
// typed kept, and nothing stored or audited.
func TestAdminClientRegistrationRefusals(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	root := w.root(t)
	token := root.csrfFrom(root.get("/admin/clients/new"))
	events := w.auditCount(t)
	for _, tt := range clientRefusals {
		t.Run(tt.name, func(t *testing.T) {
			form := validRegistration(token)
			tt.change(form)
			res := root.post("/admin/clients", form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			if !strings.Contains(res.body, `role="alert"`) || !strings.Contains(res.body, "Check the highlighted fields") {
				t.Error("no error summary at the top of the form")
			}
			for id, want := range tt.errors {
				if got := fieldErrorText(res.body, id); !strings.Contains(got, want) {
					t.Errorf("error beside %s = %q, want it to contain %q", id, got, want)
				}
				if !regexp.MustCompile(`id="` + id + `"[^>]*aria-invalid="true"`).MatchString(res.body) {
					t.Errorf("%s is not marked aria-invalid", id)
				}
				if !strings.Contains(res.body, `href="#`+id+`"`) {
					t.Errorf("the summary does not link to %s", id)
				}
			}
			for _, id := range []string{"client-name", "client-logo-url", "client-homepage-url", "client-redirect-uris", "client-scopes"} {
				if _, bad := tt.errors[id]; !bad && fieldErrorText(res.body, id) != "" {
					t.Errorf("%s shows an error it does not have: %q", id, fieldErrorText(res.body, id))
				}
			}
			if uris := form.Get("redirect_uris"); strings.TrimSpace(uris) != "" && !strings.Contains(res.body, html.EscapeString(strings.Split(uris, "\n")[0])) {
				t.Error("the redirect URIs typed are not kept in the form")
			}
			if strings.Contains(res.body, "oss_") {
				t.Error("a refused registration shows a secret")
			}
		})
	}
	list, err := f.store.Clients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d clients after refused registrations, want only the world's one", len(list))
	}
	if got := w.auditCount(t); got != events {
		t.Errorf("refused registrations wrote %d audit events", got-events)
	}
}

var (
	newClientID     = regexp.MustCompile(`id="new-client-id"[^>]*value="([^"]+)"`)
	newClientSecret = regexp.MustCompile(`id="new-client-secret"[^>]*value="([^"]+)"`)
)

// TestAdminClientRegister: a registration shows the client id and secret
// once, stores the secret hashed, and is audited with the admin as actor.
func TestAdminClientRegister(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	ctx := context.Background()
	root := w.root(t)
	res := root.post("/admin/clients", validRegistration(root.csrfFrom(root.get("/admin/clients/new"))))
	wantStatus(t, res, http.StatusOK)
	id, plain := field(t, newClientID, res.body), field(t, newClientSecret, res.body)
	if !strings.HasPrefix(plain, "oss_") || !strings.Contains(res.body, "it will not be shown again") {
		t.Errorf("secret %q shown without the warning", plain)
	}
	c, err := f.store.ClientByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Rendermatic" || c.Public() || len(c.RedirectURIs) != 2 || c.RedirectURIs[1] != "http://127.0.0.1:9000/cb" ||
		strings.Join(c.AllowedScopes, " ") != "openid render:generate" || c.HomepageURL != "https://rendermatic.example" {
		t.Errorf("stored client = %+v", c)
	}
	if !secret.Matches(c.SecretHash, plain) || strings.Contains(string(c.SecretHash), plain) {
		t.Error("the stored hash does not match the secret shown, or the secret is stored in clear")
	}
	events := auditEvents(t, f.store)
	last := events[len(events)-1]
	root2, _ := f.store.UserByEmail(ctx, "root@example.com")
	if last.Action != "client.created" || last.ClientID != id || last.ActorID != root2.ID || !strings.Contains(last.Details, `"redirect_uris"`) {
		t.Errorf("last audit event = %+v, want client.created by the admin", last)
	}
	// The client's page afterwards never shows the secret again.
	page := root.get("/admin/clients/" + url.PathEscape(id))
	wantStatus(t, page, http.StatusOK)
	if strings.Contains(page.body, plain) || strings.Contains(page.body, "new-client-secret") {
		t.Error("the client's page shows the secret again")
	}
	list := root.get("/admin/clients")
	for _, want := range []string{"Rendermatic", id, "http://127.0.0.1:9000/cb", "<li>render:generate</li>", "Confidential"} {
		if !strings.Contains(list.body, want) {
			t.Errorf("/admin/clients does not show %q", want)
		}
	}

	public := validRegistration(root.csrfFrom(list))
	public.Set("type", "public")
	res = root.post("/admin/clients", public)
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.body, "new-client-secret") || !strings.Contains(res.body, "A public client has no secret") {
		t.Error("a public client's registration shows a secret field")
	}
	pub, err := f.store.ClientByID(ctx, field(t, newClientID, res.body))
	if err != nil || !pub.Public() || pub.SecretHash != nil {
		t.Errorf("public client = %+v, %v", pub, err)
	}
}

// TestAdminClientEdit: an edit saves, is audited with its diff, and takes
// removed scopes from existing grants at once; a bad edit changes nothing.
func TestAdminClientEdit(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	ctx := context.Background()
	root := w.root(t)
	token := root.csrfFrom(root.get(w.clientPage()))
	before := w.auditCount(t)

	bad := url.Values{"_csrf": {token}, "name": {"Pixel 2"}, "redirect_uris": {"https://pixel.example/cb#x"}, "scope": {"openid"}}
	res := root.post(w.clientPage(), bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := fieldErrorText(res.body, "client-redirect-uris"); !strings.Contains(got, "fragment") {
		t.Errorf("redirect URI error = %q", got)
	}
	if c, _ := f.store.ClientByID(ctx, w.client.ID); c.Name != "Pixel Reports" || w.auditCount(t) != before {
		t.Fatalf("a refused edit changed the client (%+v) or the audit trail", c)
	}

	good := url.Values{"_csrf": {token}, "name": {"Pixel Reports Pro"}, "redirect_uris": {"https://pixel.example/cb\nhttps://pixel.example/cb2"}, "scope": {"openid"}, "resource_server": {"on"}}
	res = root.post(w.clientPage(), good)
	wantStatus(t, res, http.StatusSeeOther)
	c, err := f.store.ClientByID(ctx, w.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Pixel Reports Pro" || len(c.RedirectURIs) != 2 || strings.Join(c.AllowedScopes, " ") != "openid" || !c.ResourceServer {
		t.Errorf("edited client = %+v", c)
	}
	if g, err := f.store.GrantByID(ctx, w.grantID); err != nil || g.Scopes != "openid" || g.RevokedAt != nil {
		t.Errorf("alice's grant after workspace:read left the client: %+v, %v; want scopes \"openid\", still live", g, err)
	}
	events := auditEvents(t, f.store)[before:]
	if len(events) != 1 || events[0].Action != "client.updated" {
		t.Fatalf("audit after the edit = %v, want one client.updated", events)
	}
	var details struct {
		Changes        map[string]map[string]any `json:"changes"`
		GrantsNarrowed int                       `json:"grants_narrowed"`
	}
	if err := json.Unmarshal([]byte(events[0].Details), &details); err != nil {
		t.Fatal(err)
	}
	if details.Changes["name"]["to"] != "Pixel Reports Pro" || details.Changes["allowed_scopes"] == nil || details.GrantsNarrowed != 1 {
		t.Errorf("client.updated details = %s", events[0].Details)
	}
	if _, ok := details.Changes["logo_url"]; ok {
		t.Errorf("the diff lists an unchanged field: %s", events[0].Details)
	}
	page := root.get(res.Header.Get("Location"))
	if !strings.Contains(page.body, "lost the scopes you took away") {
		t.Errorf("no flash about narrowed grants:\n%s", page.body)
	}
	// Saving the same values again changes and records nothing.
	wantStatus(t, root.post(w.clientPage(), good), http.StatusSeeOther)
	if got := w.auditCount(t); got != before+1 {
		t.Errorf("an edit without changes wrote %d audit events", got-before-1)
	}
}

// TestAdminClientRotateSecret: after a rotation the old secret is refused
// at the token endpoint at once, the new one works, and the tokens the
// client holds are untouched.
func TestAdminClientRotateSecret(t *testing.T) {
	live := startLive(t)
	newAdminWorld(t, live.fixture)
	app := live.registerApp(t, "Pixel Reports")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	tok := approveFlow(t, alice, app, []string{"openid", "offline_access"}, nil)

	root := live.person(t)
	root.signIn("root@example.com", "root-password")
	page := "/admin/clients/" + url.PathEscape(app.id)
	res := root.post(page+"/rotate-secret", url.Values{"_csrf": {field(t, csrfInput, root.get(page).body)}})
	if res.status != http.StatusOK {
		t.Fatalf("rotate: status %d", res.status)
	}
	fresh := field(t, newClientSecret, res.body)
	if fresh == app.secret || !strings.Contains(res.body, "The old secret has stopped working") {
		t.Fatalf("rotation showed %q", fresh)
	}

	refresh := func(clientSecret string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, live.base+"/oauth/token", strings.NewReader(url.Values{
			"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
		}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(app.id), url.QueryEscape(clientSecret))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if status, body := refresh(app.secret); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("refresh with the old secret: %d %v, want 401 invalid_client", status, body)
	}
	app.secret = fresh
	if got := introspect(t, live, app, tok.AccessToken); got["active"] != true {
		t.Errorf("the access token issued before the rotation: %v, want still active", got)
	}
	if status, body := refresh(fresh); status != http.StatusOK || body["access_token"] == nil {
		t.Errorf("refresh with the new secret: %d %v, want new tokens", status, body)
	}
	events := auditEvents(t, live.store)
	if last := events[len(events)-1]; last.Action != "client.secret_rotated" || last.ClientID != app.id || strings.Contains(last.Details, fresh) {
		t.Errorf("last audit event = %+v, want client.secret_rotated without the secret", last)
	}
}

// TestAdminClientRotateRefusesPublicClients: a public client has no secret.
func TestAdminClientRotateRefusesPublicClients(t *testing.T) {
	f := newFixture(t)
	w := newAdminWorld(t, f)
	root := w.root(t)
	form := validRegistration(root.csrfFrom(root.get("/admin/clients/new")))
	form.Set("type", "public")
	id := field(t, newClientID, root.post("/admin/clients", form).body)
	page := root.get("/admin/clients/" + url.PathEscape(id))
	if strings.Contains(page.body, "rotate-secret") {
		t.Error("a public client's page offers to rotate a secret")
	}
	res := root.post("/admin/clients/"+url.PathEscape(id)+"/rotate-secret", url.Values{"_csrf": {root.csrfFrom(page)}})
	wantStatus(t, res, http.StatusConflict)
	if c, _ := f.store.ClientByID(context.Background(), id); c.SecretHash != nil {
		t.Error("a public client got a secret")
	}
}

// TestAdminClientDisableEnable: disabling revokes the client's tokens and
// stops authorization; enabling lets people authorize it again, while the
// revoked tokens stay revoked. Both are audited.
func TestAdminClientDisableEnable(t *testing.T) {
	live := startLive(t)
	newAdminWorld(t, live.fixture)
	app := live.registerApp(t, "Pixel Reports")
	marketing := live.workspaceID(t, "alice@example.com", "Acme Marketing")
	alice := live.person(t)
	alice.signIn("alice@example.com", "alice-password")
	tok := approveFlow(t, alice, app, []string{"openid", "workspace:read"}, []string{marketing})

	root := live.person(t)
	root.signIn("root@example.com", "root-password")
	page := "/admin/clients/" + url.PathEscape(app.id)
	token := field(t, csrfInput, root.get(page).body)
	if res := root.post(page+"/disable", url.Values{"_csrf": {token}}); res.status != http.StatusSeeOther || res.location != page {
		t.Fatalf("disable: %d → %q", res.status, res.location)
	}
	if body := root.get(page).body; !strings.Contains(body, "is disabled") || !strings.Contains(body, "Enable client") {
		t.Error("after disabling, the page neither says so nor offers to enable")
	}
	apiStatus := func(access string) int {
		res, err := http.DefaultClient.Do(bearerRequest(t, live.base+"/api/v1/workspaces", access))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := apiStatus(tok.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("the disabled client's token: API answered %d, want 401", got)
	}
	if res := alice.get(newFlow().authURL(app, "openid")); res.status == http.StatusOK || strings.HasPrefix(res.location, app.redirectURI+"?code") {
		t.Errorf("authorizing a disabled client: %d %q", res.status, res.location)
	}

	if res := root.post(page+"/enable", url.Values{"_csrf": {token}}); res.status != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.status)
	}
	if got := apiStatus(tok.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("a token revoked by disabling works again after enabling: API answered %d", got)
	}
	// Disabling kept alice's grant, so authorizing again needs no consent.
	f := newFlow()
	res := alice.get(f.authURL(app, "openid", "workspace:read"))
	fresh := f.exchange(t, app, redirectParams(t, app, res.location).Get("code"))
	if got := apiStatus(fresh.AccessToken); got != http.StatusOK {
		t.Errorf("a new token after enabling: API answered %d, want 200", got)
	}
	var actions []string
	for _, ev := range auditEvents(t, live.store) {
		if strings.HasPrefix(ev.Action, "client.") || ev.Action == "tokens.revoked" {
			actions = append(actions, ev.Action)
		}
	}
	if got, want := strings.Join(actions, " "), "client.disabled tokens.revoked client.enabled"; got != want {
		t.Errorf("audit = %s, want %s", got, want)
	}
	// Enabling an enabled client records nothing.
	n := len(auditEvents(t, live.store))
	root.post(page+"/enable", url.Values{"_csrf": {token}})
	if got := len(auditEvents(t, live.store)); got != n {
		t.Errorf("enabling an enabled client wrote %d events", got-n)
	}
}
