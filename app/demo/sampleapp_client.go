package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// The sample app reaches Consentry only the way any external client would:
// over HTTP to the issuer URL. These are the public paths it uses.
const (
	pathDiscovery  = "/.well-known/oauth-authorization-server"
	pathMe         = "/api/v1/me"
	pathWorkspaces = "/api/v1/workspaces"
)

const (
	// outboundTimeout bounds every request the sample app makes.
	outboundTimeout = 10 * time.Second
	// metadataTTL is how long the discovery document is reused.
	metadataTTL = 5 * time.Minute
	// maxResponseBody caps what is read from any response.
	maxResponseBody = 1 << 20
)

// errNotIssuer is returned for any request to an origin other than the
// issuer's, including redirects there.
var errNotIssuer = errors.New("the sample app only talks to the issuer")

// issuerOnly is a RoundTripper that refuses every request whose origin is
// not the issuer's, so the sample app cannot be turned into a proxy even if
// a discovery document or a redirect pointed elsewhere.
type issuerOnly struct {
	origin *url.URL
	next   http.RoundTripper
}

func (t issuerOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if !sameOrigin(r.URL, t.origin) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, fmt.Errorf("request to %s://%s: %w", r.URL.Scheme, r.URL.Host, errNotIssuer)
	}
	return t.next.RoundTrip(r)
}

func sameOrigin(a, b *url.URL) bool {
	return a != nil && b != nil && a.Scheme == b.Scheme && strings.EqualFold(a.Host, b.Host)
}

// newIssuerClient wraps base (or a default client) so that it has a timeout,
// follows no redirects and talks to origin only.
func newIssuerClient(base *http.Client, origin *url.URL) *http.Client {
	next := http.DefaultTransport
	timeout := outboundTimeout
	if base != nil {
		if base.Transport != nil {
			next = base.Transport
		}
		if base.Timeout > 0 && base.Timeout < timeout {
			timeout = base.Timeout
		}
	}
	return &http.Client{
		Transport: issuerOnly{origin: origin, next: next},
		Timeout:   timeout,
		// None of the endpoints it calls redirects; following one would
		// resend credentials to wherever it pointed.
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("the sample app does not follow redirects")
		},
	}
}

// serverMetadata is the part of RFC 8414 metadata the sample app relies on.
type serverMetadata struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	// IssParameterSupported means every authorization response carries
	// iss, so a response without it must be refused (RFC 9207 §2.4).
	IssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

// metadataCache remembers the discovery document for metadataTTL.
type metadataCache struct {
	mu      sync.Mutex
	meta    serverMetadata
	fetched time.Time
}

// metadata returns the issuer's discovery document, fetching it when the
// cached copy is missing or stale. Failures are not cached.
func (a *SampleApp) metadata(ctx context.Context) (serverMetadata, error) {
	a.meta.mu.Lock()
	defer a.meta.mu.Unlock()
	now := a.now()
	if !a.meta.fetched.IsZero() && now.Sub(a.meta.fetched) < metadataTTL {
		return a.meta.meta, nil
	}
	m, err := a.fetchMetadata(ctx)
	if err != nil {
		return serverMetadata{}, err
	}
	a.meta.meta, a.meta.fetched = m, now
	return m, nil
}

func (a *SampleApp) fetchMetadata(ctx context.Context) (serverMetadata, error) {
	res, err := a.get(ctx, a.issuer+pathDiscovery, "")
	if err != nil {
		return serverMetadata{}, fmt.Errorf("fetch discovery document: %w", err)
	}
	if res.status != http.StatusOK {
		return serverMetadata{}, fmt.Errorf("fetch discovery document: status %d", res.status)
	}
	var m serverMetadata
	if err := json.Unmarshal(res.body, &m); err != nil {
		return serverMetadata{}, fmt.Errorf("decode discovery document: %w", err)
	}
	if err := m.check(a.issuer, a.origin); err != nil {
		return serverMetadata{}, fmt.Errorf("discovery document: %w", err)
	}
	return m, nil
}

// check applies RFC 8414 §3.3 (the issuer must be exactly the one asked)
// and the sample app's own rule that every endpoint lives at the issuer.
func (m serverMetadata) check(issuer string, origin *url.URL) error {
	if m.Issuer != issuer {
		return fmt.Errorf("issuer is %q, want %q", m.Issuer, issuer)
	}
	for name, endpoint := range map[string]string{"authorization_endpoint": m.AuthorizationEndpoint, "token_endpoint": m.TokenEndpoint} {
		u, err := url.Parse(endpoint)
		if err != nil || !sameOrigin(u, origin) {
			return fmt.Errorf("%s %q is not at the issuer", name, endpoint)
		}
	}
	if !slices.Contains(m.CodeChallengeMethodsSupported, "S256") {
		return errors.New("PKCE method S256 is not supported")
	}
	return nil
}

// apiResponse is one response from the issuer, read in full (up to the cap).
type apiResponse struct {
	status    int
	challenge string // WWW-Authenticate
	body      []byte
}

// get sends a GET to target, with a bearer token when one is given.
func (a *SampleApp) get(ctx context.Context, target, bearer string) (apiResponse, error) {
	return a.send(ctx, http.MethodGet, target, bearer)
}

// send sends a bodiless request to target, with a bearer token when one is
// given, and reads the whole answer.
func (a *SampleApp) send(ctx context.Context, method, target, bearer string) (apiResponse, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return apiResponse{}, err
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return apiResponse{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return apiResponse{}, fmt.Errorf("read response: %w", err)
	}
	return apiResponse{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate"), body: body}, nil
}

// errorCode is the code of an API error body, {"error": {"code": …}}, or ""
// when the body is not one.
func (r apiResponse) errorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(r.body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

// templatesPath is GET /api/v1/workspaces/{id}/templates for a workspace.
func templatesPath(workspaceID string) string {
	return pathWorkspaces + "/" + url.PathEscape(workspaceID) + "/templates"
}

// templatePath is DELETE /api/v1/workspaces/{id}/templates/{tid}.
func templatePath(workspaceID, templateID string) string {
	return templatesPath(workspaceID) + "/" + url.PathEscape(templateID)
}

// prettyJSON indents a JSON body for display, or returns it as text when it
// is not JSON.
func prettyJSON(body []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(body), "", "  "); err != nil {
		return string(body)
	}
	return out.String()
}
