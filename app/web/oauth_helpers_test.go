package web

import (
	"context"
	"crypto/rand"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/models"
)

// oauthApp is a registered client plus a tiny page at its redirect URI, so
// browsers have somewhere real to land.
type oauthApp struct {
	id, secret  string
	redirectURI string
	conf        *oauth2.Config
}

// registerApp registers a confidential client allowed every catalog scope,
// whose redirect URI is served by a throwaway HTTP server.
func (l *liveServer) registerApp(t *testing.T, name string) *oauthApp {
	t.Helper()
	landing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="en"><head><title>back at the app</title><link rel="icon" href="data:,"></head><body><h1>Back at the app</h1></body></html>`)
	}))
	t.Cleanup(landing.Close)
	redirect := landing.URL + "/callback"
	reg, err := clients.NewRegistry(l.store, models.DefaultCatalog(), rand.Reader, time.Now).Register(context.Background(), clients.Registration{
		Name: name, RedirectURIs: []string{redirect}, Scopes: models.DefaultCatalog().Names(),
		HomepageURL: "https://pixel.example",
	})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	return &oauthApp{
		id: reg.Client.ID, secret: reg.Secret, redirectURI: redirect,
		conf: &oauth2.Config{
			ClientID: reg.Client.ID, ClientSecret: reg.Secret, RedirectURL: redirect,
			Endpoint: oauth2.Endpoint{AuthURL: l.base + "/oauth/authorize", TokenURL: l.base + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
		},
	}
}

// person is a browser stand-in over real HTTP: it keeps cookies and never
// follows redirects, so every hop can be checked.
type person struct {
	t    *testing.T
	live *liveServer
	http *http.Client
}

func (l *liveServer) person(t *testing.T) *person {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &person{t: t, live: l, http: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type httpPage struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (p *person) do(req *http.Request) httpPage {
	p.t.Helper()
	res, err := p.http.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return httpPage{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b), header: res.Header}
}

func (p *person) get(target string) httpPage {
	p.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = p.live.base + target
	}
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	return p.do(req)
}

func (p *person) post(path string, form url.Values) httpPage {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.live.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return p.do(req)
}

var (
	csrfInput    = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	requestInput = regexp.MustCompile(`name="request" value="([^"]+)"`)
)

func field(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, body)
	}
	return html.UnescapeString(m[1])
}

func (p *person) signIn(email, password string) {
	p.t.Helper()
	login := p.get("/login")
	res := p.post("/login", url.Values{"email": {email}, "password": {password}, "_csrf": {field(p.t, csrfInput, login.body)}})
	if res.status != http.StatusSeeOther {
		p.t.Fatalf("sign in as %s: status %d", email, res.status)
	}
}

// consentForm is a consent screen as served, ready to submit.
type consentForm struct {
	page    httpPage
	csrf    string
	request string
}

// authorize opens an authorization URL and expects the consent screen.
func (p *person) authorize(authURL string) consentForm {
	p.t.Helper()
	res := p.get(authURL)
	if res.status != http.StatusOK {
		p.t.Fatalf("authorize: status %d location %q, want the consent screen\n%s", res.status, res.location, res.body)
	}
	return consentForm{page: res, csrf: field(p.t, csrfInput, res.body), request: field(p.t, requestInput, res.body)}
}

// decide submits the consent form with chosen scopes and workspaces.
func (p *person) decide(f consentForm, decision string, scopes, workspaces []string) httpPage {
	p.t.Helper()
	return p.post("/oauth/consent", url.Values{
		"_csrf": {f.csrf}, "request": {f.request}, "decision": {decision},
		"scope": scopes, "workspace": workspaces,
	})
}

// redirectParams parses the query of a redirect back to the app.
func redirectParams(t *testing.T, app *oauthApp, location string) url.Values {
	t.Helper()
	if !strings.HasPrefix(location, app.redirectURI+"?") {
		t.Fatalf("redirect to %q, want the app's redirect URI %q", location, app.redirectURI)
	}
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// workspaceID finds a workspace id by name for a user.
func (l *liveServer) workspaceID(t *testing.T, email, name string) string {
	t.Helper()
	u, err := l.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := l.store.WorkspacesOf(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Name == name {
			return w.ID
		}
	}
	t.Fatalf("%s has no workspace %q", email, name)
	return ""
}

var regexpReturnTo = regexp.MustCompile(`name="return_to" value="([^"]+)"`)

var zeroTime time.Time

// registry is the client registry over the live store.
func (l *liveServer) registry() *clients.Registry {
	return clients.NewRegistry(l.store, models.DefaultCatalog(), rand.Reader, time.Now)
}
