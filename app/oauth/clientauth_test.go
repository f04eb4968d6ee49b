package oauth_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/app/oauth"
)

// clientAuthTests present a client's credentials in one way at the token
// endpoint, redeeming a code issued to client (conf or pub). want "" means
// the exchange succeeds.
var clientAuthTests = []struct {
	name   string
	client string // "conf" or "pub": whose code is redeemed
	creds  func(e *env) (oauth.ClientCredentials, url.Values)
	want   string
}{
	{name: "client_secret_basic form-encoded", client: "conf", want: "",
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("conf-app", confSecret), url.Values{}
		}},
	{name: "client_secret_basic with '-' in the id sent as %2D", client: "conf", want: "",
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{BasicID: "conf%2Dapp", BasicSecret: url.QueryEscape(confSecret), HasBasic: true}, url.Values{}
		}},
	{name: "client_secret_basic with '+' in the secret sent as %2B", client: "conf", want: "",
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			enc := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D", ":", "%3A", "%", "%25", "&", "%26").Replace(confSecret)
			return oauth.ClientCredentials{BasicID: "conf-app", BasicSecret: enc, HasBasic: true}, url.Values{}
		}},
	{name: "client_secret_basic with a raw '+' in the secret decodes to a space and fails", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			enc := strings.ReplaceAll(url.QueryEscape(confSecret), "%2B", "+")
			return oauth.ClientCredentials{BasicID: "conf-app", BasicSecret: enc, HasBasic: true}, url.Values{}
		}},
	{name: "client_secret_basic with badly encoded parts is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{BasicID: "conf%zzapp", BasicSecret: url.QueryEscape(confSecret), HasBasic: true}, url.Values{}
		}},
	{name: "client_secret_basic and a matching client_id parameter", client: "conf", want: "",
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("conf-app", confSecret), url.Values{"client_id": {"conf-app"}}
		}},
	{name: "client_secret_post", client: "conf", want: "",
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"conf-app"}, "client_secret": {confSecret}}
		}},
	{name: "none for a public client", client: "pub", want: "",
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"native-app"}}
		}},
	{name: "a public client sending Basic with an empty secret", client: "pub", want: "",
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{BasicID: "native-app", HasBasic: true}, url.Values{}
		}},
	{name: "wrong secret over Basic is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("conf-app", confSecret+"x"), url.Values{}
		}},
	{name: "wrong secret in the body is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"conf-app"}, "client_secret": {"oss_wrong"}}
		}},
	{name: "empty secret in the body is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"conf-app"}, "client_secret": {""}}
		}},
	{name: "another client's secret is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("conf-app", e.other.Secret), url.Values{}
		}},
	{name: "confidential client without a secret is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"conf-app"}}
		}},
	{name: "public client presenting a secret is invalid_client", client: "pub", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"native-app"}, "client_secret": {"oss_anything"}}
		}},
	{name: "public client over Basic is invalid_client", client: "pub", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("native-app", "oss_anything"), url.Values{}
		}},
	{name: "unknown client in the body is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"nobody"}, "client_secret": {confSecret}}
		}},
	{name: "unknown client over Basic is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("nobody", confSecret), url.Values{}
		}},
	{name: "disabled client with its right secret is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("old-app", e.disabled.Secret), url.Values{}
		}},
	{name: "no client authentication at all is invalid_client", client: "conf", want: oauth.ErrCodeInvalidClient,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{}
		}},
	{name: "Basic and client_secret together is invalid_request", client: "conf", want: oauth.ErrCodeInvalidRequest,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("conf-app", confSecret), url.Values{"client_secret": {confSecret}}
		}},
	{name: "client_id differing from the Basic id is invalid_request", client: "conf", want: oauth.ErrCodeInvalidRequest,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return basic("conf-app", confSecret), url.Values{"client_id": {"other-app"}}
		}},
	{name: "duplicate client_id is invalid_request", client: "pub", want: oauth.ErrCodeInvalidRequest,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"native-app", "native-app"}}
		}},
	{name: "duplicate client_secret is invalid_request", client: "conf", want: oauth.ErrCodeInvalidRequest,
		creds: func(e *env) (oauth.ClientCredentials, url.Values) {
			return oauth.ClientCredentials{}, url.Values{"client_id": {"conf-app"}, "client_secret": {confSecret, confSecret}}
		}},
}

func TestClientAuthentication(t *testing.T) {
	for _, tt := range clientAuthTests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var a authorized
			if tt.client == "pub" {
				a = e.authorize(t, e.pub, pubLoopbackV4, "openid", nil)
			} else {
				a = e.authorizeConf(t, "openid")
			}
			creds, p := tt.creds(e)
			p.Set("grant_type", "authorization_code")
			p.Set("code", a.code)
			p.Set("redirect_uri", a.redirectURI)
			p.Set("code_verifier", a.verifier)
			got, err := e.engine.Token(e.ctx, oauth.TokenRequest{Params: p, Credentials: creds})
			wantCode(t, err, tt.want)
			if tt.want == "" && got.AccessToken == "" {
				t.Errorf("exchange returned no access token")
			}
			var oe *oauth.Error
			if tt.want == oauth.ErrCodeInvalidClient && errors.As(err, &oe) && oe.Status() != http.StatusUnauthorized {
				t.Errorf("invalid_client status = %d, want 401", oe.Status())
			}
		})
	}
}

// TestClientAuthenticationOnEveryEndpoint checks that revocation and
// introspection authenticate the client the same way as the token endpoint.
func TestClientAuthenticationOnEveryEndpoint(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, "openid offline_access"))
	bad := []struct {
		name  string
		creds oauth.ClientCredentials
		p     url.Values
	}{
		{"wrong secret", basic("conf-app", "oss_wrong"), url.Values{}},
		{"no secret", oauth.ClientCredentials{}, url.Values{"client_id": {"conf-app"}}},
		{"nothing", oauth.ClientCredentials{}, url.Values{}},
		{"disabled client", basic("old-app", e.disabled.Secret), url.Values{}},
	}
	for _, b := range bad {
		t.Run("introspect refuses "+b.name, func(t *testing.T) {
			p := cloneValues(b.p)
			p.Set("token", tok.AccessToken)
			_, err := e.engine.Introspect(e.ctx, b.creds, p)
			wantCode(t, err, oauth.ErrCodeInvalidClient)
		})
		t.Run("revoke refuses "+b.name, func(t *testing.T) {
			p := cloneValues(b.p)
			p.Set("token", tok.AccessToken)
			err := e.engine.Revoke(e.ctx, b.creds, p, "", "")
			wantCode(t, err, oauth.ErrCodeInvalidClient)
		})
	}
	if !e.active(t, tok.AccessToken) {
		t.Errorf("a refused revocation revoked the token")
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestBasicCredentialsAsSentOnTheWire decodes a real Authorization header
// the way app/web hands it over: base64 split at the first ':', the parts
// still form-encoded.
func TestBasicCredentialsAsSentOnTheWire(t *testing.T) {
	e := newEnv(t)
	a := e.authorizeConf(t, "openid")
	header := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape("conf-app") + ":" + url.QueryEscape(confSecret)))
	raw, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		t.Fatal(err)
	}
	id, secret, _ := strings.Cut(string(raw), ":")
	_, err = e.engine.Token(e.ctx, oauth.TokenRequest{
		Credentials: oauth.ClientCredentials{BasicID: id, BasicSecret: secret, HasBasic: true},
		Params: url.Values{"grant_type": {"authorization_code"}, "code": {a.code},
			"redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier}},
	})
	wantCode(t, err, "")
}
