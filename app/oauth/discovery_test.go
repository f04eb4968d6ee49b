package oauth_test

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestMetadata(t *testing.T) {
	e := newEnv(t)
	got := e.engine.Metadata()
	if got.Issuer != testIssuer || e.engine.Issuer() != testIssuer {
		t.Errorf("issuer = %q, %q; want exactly %q", got.Issuer, e.engine.Issuer(), testIssuer)
	}
	endpoints := map[string]string{
		"authorization_endpoint": got.AuthorizationEndpoint, "token_endpoint": got.TokenEndpoint,
		"revocation_endpoint": got.RevocationEndpoint, "introspection_endpoint": got.IntrospectionEndpoint,
		"userinfo_endpoint": got.UserinfoEndpoint, "jwks_uri": got.JWKSURI,
	}
	wantEndpoints := map[string]string{
		"authorization_endpoint": testIssuer + "/oauth/authorize", "token_endpoint": testIssuer + "/oauth/token",
		"revocation_endpoint": testIssuer + "/oauth/revoke", "introspection_endpoint": testIssuer + "/oauth/introspect",
		"userinfo_endpoint": testIssuer + "/oauth/userinfo", "jwks_uri": testIssuer + "/.well-known/jwks.json",
	}
	for k, want := range wantEndpoints {
		if endpoints[k] != want {
			t.Errorf("%s = %q, want %q", k, endpoints[k], want)
		}
	}
	lists := []struct {
		name      string
		got, want []string
	}{
		{"code_challenge_methods_supported", got.CodeChallengeMethodsSupported, []string{"S256"}},
		{"scopes_supported", got.ScopesSupported, e.catalog.Names()},
		{"response_types_supported", got.ResponseTypesSupported, []string{"code"}},
		{"grant_types_supported", got.GrantTypesSupported, []string{"authorization_code", "refresh_token"}},
		{"token_endpoint_auth_methods_supported", got.TokenEndpointAuthMethodsSupported, []string{"client_secret_basic", "client_secret_post", "none"}},
		{"id_token_signing_alg_values_supported", got.IDTokenSigningAlgValuesSupported, []string{"ES256"}},
		{"subject_types_supported", got.SubjectTypesSupported, []string{"public"}},
	}
	for _, l := range lists {
		if !slices.Equal(l.got, l.want) {
			t.Errorf("%s = %q, want %q", l.name, l.got, l.want)
		}
	}
	if !got.AuthorizationResponseIssParameterSupported {
		t.Errorf("authorization_response_iss_parameter_supported = false, want true (RFC 9207)")
	}
	if got.RequestParameterSupported || got.RequestURIParameterSupported {
		t.Errorf("request(_uri)_parameter_supported = %v, %v; want false: both are refused", got.RequestParameterSupported, got.RequestURIParameterSupported)
	}
	body, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "scopes_supported",
		"response_types_supported", "code_challenge_methods_supported", "authorization_response_iss_parameter_supported"} {
		if _, ok := m[k]; !ok {
			t.Errorf("metadata JSON has no %q", k)
		}
	}
}
