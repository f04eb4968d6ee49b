package bench

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The scopes each flow asks for. A flow always reaches a workspace and
// takes a refresh token; flow-openid adds an id_token and its claims.
var (
	flowScopes       = []string{"workspace:read", "offline_access"}
	flowOpenIDScopes = []string{"openid", "profile", "email", "workspace:read", "offline_access"}
)

// benchAppScopes are what the bench app may ask for.
var benchAppScopes = []string{"openid", "profile", "email", "workspace:read", "offline_access"}

// tokenResponse is the part of a token response the workloads check.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// signIn signs a browser in through the login form.
func signIn(b *conn, u benchUser) error {
	status, err := b.get("/login", "")
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return b.unexpected("login page", status)
	}
	csrf, ok := formField(b.res.Body(), "_csrf")
	if !ok {
		return errors.New("login page: no _csrf field")
	}
	status, err = b.post("/login", "", url.Values{"email": {u.email}, "password": {u.password}, "_csrf": {csrf}})
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return b.unexpected("sign in as "+u.email, status)
	}
	return nil
}

// flower is one signed-in person authorizing one app again and again, as
// a browser and the app's back end would: the consent screen every time
// (prompt=consent), approve, and the code exchanged with PKCE.
type flower struct {
	b          *conn
	app        creds
	scopes     []string
	scope      string
	workspaces []string
	openid     bool
}

func newFlower(b *conn, app creds, u benchUser, scopes []string) *flower {
	return &flower{
		b: b, app: app, scopes: scopes, scope: strings.Join(scopes, " "),
		workspaces: u.workspaces, openid: slices.Contains(scopes, "openid"),
	}
}

// randomString is n random bytes in base64url.
func randomString(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// run does one whole flow: authorize → consent screen → approve → code →
// token exchange. Each step's answer is checked, so a flow that "works"
// only by returning errors quickly counts as an error.
func (f *flower) run() (tokenResponse, error) {
	verifier := randomString(32)
	sum := sha256.Sum256([]byte(verifier))
	state := randomString(12)
	q := url.Values{
		"response_type": {"code"}, "client_id": {f.app.id}, "redirect_uri": {benchRedirectURI},
		"scope": {f.scope}, "state": {state}, "prompt": {"consent"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	if f.openid {
		q.Set("nonce", randomString(12))
	}
	b := f.b
	status, err := b.get("/oauth/authorize?"+q.Encode(), "")
	if err != nil {
		return tokenResponse{}, err
	}
	if status != http.StatusOK {
		return tokenResponse{}, b.unexpected("authorize (want the consent screen)", status)
	}
	csrf, ok1 := formField(b.res.Body(), "_csrf")
	request, ok2 := formField(b.res.Body(), "request")
	if !ok1 || !ok2 {
		return tokenResponse{}, errors.New("consent screen: no _csrf or request field")
	}
	status, err = b.post("/oauth/consent", "", url.Values{
		"_csrf": {csrf}, "request": {request}, "decision": {"approve"},
		"scope": f.scopes, "workspace": f.workspaces,
	})
	if err != nil {
		return tokenResponse{}, err
	}
	if status != http.StatusSeeOther {
		return tokenResponse{}, b.unexpected("approve", status)
	}
	back, err := url.Parse(b.location())
	if err != nil {
		return tokenResponse{}, fmt.Errorf("approve: redirect: %w", err)
	}
	answer := back.Query()
	code := answer.Get("code")
	if code == "" || answer.Get("state") != state {
		return tokenResponse{}, fmt.Errorf("approve: redirect without the code and state (error %q)", answer.Get("error"))
	}
	status, err = b.post("/oauth/token", f.app.auth, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {benchRedirectURI}, "code_verifier": {verifier},
	})
	if err != nil {
		return tokenResponse{}, err
	}
	if status != http.StatusOK {
		return tokenResponse{}, b.unexpected("exchange the code", status)
	}
	var tr tokenResponse
	if err := json.Unmarshal(b.res.Body(), &tr); err != nil {
		return tokenResponse{}, fmt.Errorf("exchange the code: %w", err)
	}
	if tr.AccessToken == "" || tr.RefreshToken == "" || (f.openid && tr.IDToken == "") {
		return tokenResponse{}, errors.New("exchange the code: a token is missing from the response")
	}
	return tr, nil
}

// refresher owns one refresh-token chain: each call rotates it. Chains are
// never shared between workers, because presenting a rotated token again
// is reuse and revokes the family.
type refresher struct {
	b       *conn
	flow    *flower
	refresh string
}

// rotate does one refresh grant and keeps the new refresh token. A chain
// broken by an error starts again from a new flow.
func (r *refresher) rotate() error {
	if r.refresh == "" {
		tr, err := r.flow.run()
		if err != nil {
			return fmt.Errorf("start a refresh chain: %w", err)
		}
		r.refresh = tr.RefreshToken
	}
	status, err := r.b.post("/oauth/token", r.flow.app.auth, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {r.refresh},
	})
	if err != nil {
		r.refresh = ""
		return err
	}
	if status != http.StatusOK {
		r.refresh = ""
		return r.b.unexpected("refresh", status)
	}
	var tr tokenResponse
	if err := json.Unmarshal(r.b.res.Body(), &tr); err != nil || tr.RefreshToken == "" || tr.AccessToken == "" {
		r.refresh = ""
		return errors.New("refresh: no new tokens in the response")
	}
	r.refresh = tr.RefreshToken
	return nil
}
