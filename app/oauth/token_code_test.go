package oauth_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/consentry/consentry/app/oauth"
)

// exchangeResponseTests say which tokens a code exchange returns for the
// granted scopes (SPEC §4.2): refresh only with offline_access, id_token
// only with openid; workspaces only when a scope acts in workspaces.
var exchangeResponseTests = []struct {
	name           string
	scope          string
	withWorkspace  bool
	wantScope      string
	wantRefresh    bool
	wantIDToken    bool
	wantWorkspaces bool
}{
	{name: "openid, workspace and offline_access give every token", scope: "offline_access workspace:read openid",
		withWorkspace: true, wantScope: "openid workspace:read offline_access", wantRefresh: true, wantIDToken: true, wantWorkspaces: true},
	{name: "without offline_access there is no refresh token", scope: "openid workspace:read",
		withWorkspace: true, wantScope: "openid workspace:read", wantIDToken: true, wantWorkspaces: true},
	{name: "without openid there is no id_token", scope: "workspace:read offline_access",
		withWorkspace: true, wantScope: "workspace:read offline_access", wantRefresh: true, wantWorkspaces: true},
	{name: "a scope without workspaces gives no workspace_ids", scope: "profile",
		wantScope: "profile"},
}

func TestExchangeCodeResponse(t *testing.T) {
	for _, tt := range exchangeResponseTests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var ws []string
			if tt.withWorkspace {
				ws = []string{e.ws1}
			}
			a := e.authorize(t, e.conf, confRedirect, tt.scope, ws)
			got := e.mustExchange(t, a)

			if !strings.HasPrefix(got.AccessToken, "ost_") || len(got.AccessToken) < len("ost_")+43 {
				t.Errorf("access_token = %q, want ost_ and at least 256 bits", got.AccessToken)
			}
			if got.TokenType != "Bearer" {
				t.Errorf("token_type = %q, want Bearer", got.TokenType)
			}
			if got.ExpiresIn != 900 {
				t.Errorf("expires_in = %d, want 900", got.ExpiresIn)
			}
			if got.Scope != tt.wantScope {
				t.Errorf("scope = %q, want %q", got.Scope, tt.wantScope)
			}
			if got.UserID != e.user.ID {
				t.Errorf("user_id = %q, want %q", got.UserID, e.user.ID)
			}
			if gotRefresh := got.RefreshToken != ""; gotRefresh != tt.wantRefresh {
				t.Errorf("refresh_token = %q, want one: %v", got.RefreshToken, tt.wantRefresh)
			}
			if tt.wantRefresh && !strings.HasPrefix(got.RefreshToken, "osr_") {
				t.Errorf("refresh_token = %q, want the osr_ prefix", got.RefreshToken)
			}
			if gotID := got.IDToken != ""; gotID != tt.wantIDToken {
				t.Errorf("id_token present = %v, want %v", gotID, tt.wantIDToken)
			}
			wantWS := []string{}
			if tt.wantWorkspaces {
				wantWS = []string{e.ws1}
			}
			if !slices.Equal(got.WorkspaceIDs, wantWS) {
				t.Errorf("workspace_ids = %q, want %q", got.WorkspaceIDs, wantWS)
			}
			body, err := json.Marshal(got)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if !strings.Contains(string(body), `"workspace_ids":[`) {
				t.Errorf("JSON %s has no workspace_ids array", body)
			}

			access, err := e.engine.AuthenticateBearer(e.ctx, got.AccessToken)
			if err != nil {
				t.Fatalf("AuthenticateBearer(new access token): %v", err)
			}
			if strings.Join(access.Scopes, " ") != tt.wantScope || access.UserID != e.user.ID || access.ClientID != "conf-app" {
				t.Errorf("bearer access = %+v, want scopes %q of user %s and conf-app", access, tt.wantScope, e.user.ID)
			}
		})
	}
}

func TestExchangeCodePublicClient(t *testing.T) {
	e := newEnv(t)
	a := e.authorize(t, e.pub, "http://127.0.0.1:49152/callback", "openid workspace:read offline_access", []string{e.ws1, e.ws2})
	got := e.mustExchange(t, a)
	want := []string{e.ws1, e.ws2}
	slices.Sort(want)
	gotWS := slices.Clone(got.WorkspaceIDs)
	slices.Sort(gotWS)
	if !slices.Equal(gotWS, want) || got.RefreshToken == "" || got.IDToken == "" {
		t.Errorf("response = %+v, want both workspaces, a refresh token and an id_token", got)
	}
}

// exchangeRefusalTests each spoil one part of a valid code exchange.
var exchangeRefusalTests = []struct {
	name string
	// edit changes the parameters; e is there for values only the fixture knows.
	edit func(e *env, a authorized, p url.Values)
	// before runs before the exchange (to move the clock, for instance).
	before func(e *env)
	want   string
}{
	{name: "unknown code is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		edit: func(_ *env, _ authorized, p url.Values) {
			p.Set("code", "osc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		}},
	{name: "code expired after 60 s is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		before: func(e *env) { e.clock.Advance(61 * time.Second) }},
	{name: "code at exactly 60 s is expired", want: oauth.ErrCodeInvalidGrant,
		before: func(e *env) { e.clock.Advance(60 * time.Second) }},
	{name: "code at 59 s still works", want: "",
		before: func(e *env) { e.clock.Advance(59 * time.Second) }},
	{name: "another registered redirect_uri is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		edit: func(_ *env, _ authorized, p url.Values) { p.Set("redirect_uri", confQueryRedirect) }},
	{name: "redirect_uri with a trailing slash is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		edit: func(_ *env, _ authorized, p url.Values) { p.Set("redirect_uri", confRedirect+"/") }},
	{name: "another valid verifier is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		edit: func(_ *env, _ authorized, p url.Values) { p.Set("code_verifier", oauth2.GenerateVerifier()) }},
	{name: "the challenge sent as verifier is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		edit: func(_ *env, a authorized, p url.Values) {
			p.Set("code_verifier", oauth2.S256ChallengeFromVerifier(a.verifier))
		}},
	{name: "a verifier too short is invalid_grant", want: oauth.ErrCodeInvalidGrant,
		edit: func(_ *env, a authorized, p url.Values) { p.Set("code_verifier", a.verifier[:42]) }},
	{name: "missing code_verifier is invalid_request", want: oauth.ErrCodeInvalidRequest,
		edit: func(_ *env, _ authorized, p url.Values) { p.Del("code_verifier") }},
	{name: "missing code is invalid_request", want: oauth.ErrCodeInvalidRequest,
		edit: func(_ *env, _ authorized, p url.Values) { p.Del("code") }},
	{name: "missing redirect_uri is invalid_request", want: oauth.ErrCodeInvalidRequest,
		edit: func(_ *env, _ authorized, p url.Values) { p.Del("redirect_uri") }},
	{name: "duplicate code is invalid_request", want: oauth.ErrCodeInvalidRequest,
		edit: func(_ *env, a authorized, p url.Values) { p.Add("code", a.code) }},
	{name: "duplicate code_verifier is invalid_request", want: oauth.ErrCodeInvalidRequest,
		edit: func(_ *env, a authorized, p url.Values) { p.Add("code_verifier", a.verifier) }},
	{name: "duplicate redirect_uri is invalid_request", want: oauth.ErrCodeInvalidRequest,
		edit: func(_ *env, a authorized, p url.Values) { p.Add("redirect_uri", a.redirectURI) }},
	{name: "duplicate grant_type is invalid_request", want: oauth.ErrCodeInvalidRequest,
		edit: func(_ *env, _ authorized, p url.Values) { p.Add("grant_type", "authorization_code") }},
	{name: "missing grant_type is invalid_request", want: oauth.ErrCodeInvalidRequest,
		edit: func(_ *env, _ authorized, p url.Values) { p.Del("grant_type") }},
	{name: "password grant is unsupported", want: oauth.ErrCodeUnsupportedGrantType,
		edit: func(_ *env, _ authorized, p url.Values) { p.Set("grant_type", "password") }},
	{name: "client_credentials grant is unsupported", want: oauth.ErrCodeUnsupportedGrantType,
		edit: func(_ *env, _ authorized, p url.Values) { p.Set("grant_type", "client_credentials") }},
	{name: "implicit-style grant is unsupported", want: oauth.ErrCodeUnsupportedGrantType,
		edit: func(_ *env, _ authorized, p url.Values) { p.Set("grant_type", "token") }},
}

func TestExchangeCodeRefusals(t *testing.T) {
	for _, tt := range exchangeRefusalTests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.authorizeConf(t, "openid workspace:read offline_access")
			p := url.Values{"grant_type": {"authorization_code"}, "code": {a.code},
				"redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier}}
			if tt.edit != nil {
				tt.edit(e, a, p)
			}
			if tt.before != nil {
				tt.before(e)
			}
			got, err := e.token(e.conf, p)
			wantCode(t, err, tt.want)
			if tt.want != "" && got.AccessToken != "" {
				t.Errorf("refused exchange returned access token %q", got.AccessToken)
			}
		})
	}
}

func TestExchangeCodeOfAnotherClient(t *testing.T) {
	e := newEnv(t)
	a := e.authorizeConf(t, "openid offline_access")
	_, err := e.exchangeAs(e.other, a)
	wantCode(t, err, oauth.ErrCodeInvalidGrant)

	t.Run("the owner can still redeem it", func(t *testing.T) {
		e.mustExchange(t, a)
	})
}

func TestExchangeCodeReuse(t *testing.T) {
	e := newEnv(t)
	a := e.authorizeConf(t, "openid workspace:read offline_access")
	first := e.mustExchange(t, a)
	// The first tokens were used for a while: a refresh extends the family.
	refreshed := e.mustRefresh(t, e.conf, first.RefreshToken)

	_, err := e.exchange(a)
	wantCode(t, err, oauth.ErrCodeInvalidGrant)

	t.Run("tokens issued from the code are revoked", func(t *testing.T) {
		for name, tok := range map[string]string{
			"first access": first.AccessToken, "refreshed access": refreshed.AccessToken,
			"refreshed refresh": refreshed.RefreshToken,
		} {
			if e.active(t, tok) {
				t.Errorf("%s token is active after the code was replayed, want revoked", name)
			}
		}
		if _, err := e.engine.AuthenticateBearer(e.ctx, refreshed.AccessToken); err == nil {
			t.Errorf("AuthenticateBearer accepts a token whose code was replayed")
		}
		_, err := e.refresh(e.conf, refreshed.RefreshToken, nil)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
	})
	t.Run("the replay is audited", func(t *testing.T) {
		events := e.audit(t, "code.reuse_detected")
		if len(events) != 1 {
			t.Fatalf("code.reuse_detected events = %d, want 1", len(events))
		}
		ev := events[0]
		if ev.ClientID != "conf-app" || ev.SubjectUserID != e.user.ID || ev.ActorType != "client" || ev.ActorID != "conf-app" {
			t.Errorf("audit event = %+v, want client conf-app acting on user %s", ev, e.user.ID)
		}
		e.verifyAudit(t)
	})
	t.Run("a third use is refused too", func(t *testing.T) {
		_, err := e.exchange(a)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
		e.verifyAudit(t)
	})
}

func TestExchangeCodeAfterGrantChanged(t *testing.T) {
	t.Run("fewer workspaces narrow the tokens", func(t *testing.T) {
		e := newEnv(t)
		a := e.authorize(t, e.conf, confRedirect, "openid workspace:read offline_access", []string{e.ws1, e.ws2})
		e.putGrant(t, e.conf, "openid workspace:read offline_access", []string{e.ws2})
		got := e.mustExchange(t, a)
		if want := []string{e.ws2}; !slices.Equal(got.WorkspaceIDs, want) {
			t.Errorf("workspace_ids = %q, want %q", got.WorkspaceIDs, want)
		}
		in, err := e.introspect(e.conf, got.AccessToken)
		if err != nil || !slices.Equal(in.WorkspaceIDs, []string{e.ws2}) {
			t.Errorf("introspection = %+v, %v; want workspace %s only", in, err, e.ws2)
		}
	})
	t.Run("fewer scopes narrow the tokens", func(t *testing.T) {
		e := newEnv(t)
		a := e.authorizeConf(t, "openid profile workspace:read offline_access")
		e.putGrant(t, e.conf, "openid workspace:read", []string{e.ws1})
		got := e.mustExchange(t, a)
		if got.Scope != "openid workspace:read" {
			t.Errorf("scope = %q, want %q", got.Scope, "openid workspace:read")
		}
		if got.RefreshToken != "" {
			t.Errorf("refresh_token = %q after offline_access left the grant, want none", got.RefreshToken)
		}
	})
	t.Run("no workspace left is invalid_grant", func(t *testing.T) {
		e := newEnv(t)
		a := e.authorizeConf(t, "openid workspace:read")
		e.putGrant(t, e.conf, "openid workspace:read", nil)
		_, err := e.exchange(a)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
	})
	t.Run("no scope left is invalid_grant", func(t *testing.T) {
		e := newEnv(t)
		a := e.authorizeConf(t, "openid profile")
		e.putGrant(t, e.conf, "email", nil)
		got, err := e.exchange(a)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
		if got.AccessToken != "" {
			t.Errorf("exchange returned a token with scope %q", got.Scope)
		}
	})
	t.Run("grant revoked through the store is invalid_grant", func(t *testing.T) {
		e := newEnv(t)
		a := e.authorizeConf(t, "openid offline_access")
		if _, err := e.store.RevokeGrant(e.ctx, a.grantID, e.clock.Now()); err != nil {
			t.Fatalf("RevokeGrant: %v", err)
		}
		_, err := e.exchange(a)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
	})
	t.Run("revoked grant is invalid_grant", func(t *testing.T) {
		e := newEnv(t)
		a := e.authorizeConf(t, "openid offline_access")
		// A raw update, not a store call, so that only the grant changes
		// and the engine's own check is what refuses.
		e.revokeGrant(t, e.conf)
		_, err := e.exchange(a)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
	})
	t.Run("a code of a revoked grant is invalid_grant after the app is approved again", func(t *testing.T) {
		e := newEnv(t)
		a := e.authorizeConf(t, "openid offline_access")
		// Raw, so that the code survives: the approval after it makes a
		// new grant, and only the grant ids tell the two apart.
		e.revokeGrant(t, e.conf)
		e.putGrant(t, e.conf, "openid offline_access", nil)
		_, err := e.exchange(a)
		wantCode(t, err, oauth.ErrCodeInvalidGrant)
	})
}
