package demo

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"github.com/consentry/consentry/views/layout"
	"github.com/consentry/consentry/views/pages"
)

// SampleAppConfig configures the sample third-party app.
type SampleAppConfig struct {
	// Issuer is Consentry's public origin, without a trailing slash. It is
	// the only origin the sample app ever talks to.
	Issuer string
	// SessionKey is the server's session key: the demo client's secret and
	// the flow cookie's key are derived from it.
	SessionKey []byte
	// HTTPClient is the base for outbound requests; nil means a default
	// client. Either way the app adds a 10 s timeout (or keeps a shorter
	// one), refuses redirects and refuses any origin but the issuer's.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives failures to reach the issuer; nil discards them.
	Logger *slog.Logger
}

// SampleApp is "Pixel Reports", the third-party app `consentry demo` serves
// under /demo. It is a client like any other: it knows its client ID and
// secret and the issuer URL, and uses only the public endpoints over HTTP.
// It keeps no server-side state; what a flow must remember, and later the
// access token, are in sealed cookies (see sampleapp_flow.go and
// sampleapp_session.go).
type SampleApp struct {
	issuer string
	origin *url.URL
	secret string
	secure bool
	client *http.Client
	flows  *flowSealer
	// sessions seal the access token kept after connecting.
	sessions *sessionSealer
	meta     metadataCache
	now      func() time.Time
	log      *slog.Logger
}

// NewSampleApp builds the sample app.
func NewSampleApp(cfg SampleAppConfig) *SampleApp {
	flows, err := newFlowSealer(cfg.SessionKey)
	if err != nil {
		// Only a key length HKDF or AES cannot handle fails, and 32 is fixed.
		panic(fmt.Sprintf("demo sample app: %v", err))
	}
	sessions, err := newSessionSealer(cfg.SessionKey)
	if err != nil {
		panic(fmt.Sprintf("demo sample app: %v", err))
	}
	origin, err := url.Parse(cfg.Issuer)
	if err != nil {
		// The server refuses such an issuer before this is built; an empty
		// origin makes every outbound request fail instead of going astray.
		origin = &url.URL{}
	}
	a := &SampleApp{
		issuer:   cfg.Issuer,
		origin:   origin,
		secret:   ClientSecret(cfg.SessionKey),
		secure:   origin.Scheme == "https",
		client:   newIssuerClient(cfg.HTTPClient, origin),
		flows:    flows,
		sessions: sessions,
		now:      cfg.Now,
		log:      cfg.Logger,
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a
}

// Register adds the sample app's pages to r, a router for AppPath. They sit
// outside Consentry's session and CSRF chain: this is a different app that
// happens to share the origin.
func (a *SampleApp) Register(r fiber.Router) {
	r.Get("/", a.home)
	r.Get("/connect", a.connect)
	r.Get("/callback", a.callback)
	r.Get("/result", a.result)
	r.Post("/templates/delete", a.deleteTemplate)
}

// Pages of the sample app, relative to the issuer's origin.
const (
	connectPath = AppPath + "/connect"
	appsPath    = "/apps"
	appTitle    = ClientName
)

func (a *SampleApp) home(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, pages.DemoHome(homeProps(defaultScopes(), false, "")))
}

// connect starts an authorization: fresh state, PKCE verifier and nonce,
// sealed into the flow cookie, then off to the authorization endpoint.
func (a *SampleApp) connect(c *fiber.Ctx) error {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "That link is broken", message: "Pixel Reports could not read the choices in the address. Start again from its page."})
	}
	scopes, err := requestedScopes(q)
	if errors.Is(err, errNoScopes) {
		return render(c, fiber.StatusBadRequest, pages.DemoHome(homeProps(nil, q.Get("prompt") == "consent", "Choose at least one thing for Pixel Reports to ask for.")))
	}
	if err != nil {
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "Pixel Reports cannot ask for that", message: "The address asks for something Pixel Reports cannot send: " + err.Error() + "."})
	}
	meta, err := a.metadata(c.UserContext())
	if err != nil {
		return a.unreachable(c, err)
	}
	state, err := randomToken(32)
	if err != nil {
		return err
	}
	f := flowState{State: state, Verifier: oauth2.GenerateVerifier(), Scopes: scopes, Expires: a.now().Add(flowLifetime).Unix()}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.Verifier)}
	if slices.Contains(scopes, "openid") {
		if f.Nonce, err = randomToken(16); err != nil {
			return err
		}
		opts = append(opts, oauth2.SetAuthURLParam("nonce", f.Nonce))
	}
	if q.Get("prompt") == "consent" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "consent"))
	}
	sealed, err := a.flows.seal(f)
	if err != nil {
		return err
	}
	c.Cookie(a.flowCookie(sealed, int(flowLifetime/time.Second)))
	return c.Redirect(a.oauthConfig(meta, scopes).AuthCodeURL(f.State, opts...), fiber.StatusFound)
}

// callback takes the authorization response: it checks state and iss
// before trusting anything in it, exchanges the code and calls the API.
func (a *SampleApp) callback(c *fiber.Ctx) error {
	// The answer carries a code and the page shows what it bought.
	c.Set(fiber.HeaderCacheControl, "no-store")
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "That link is broken", message: "Pixel Reports could not read the answer in the address."})
	}
	for _, name := range []string{"state", "iss", "code", "error", "error_description"} {
		if len(q[name]) > 1 {
			return a.fail(c, fiber.StatusBadRequest, failure{heading: "That answer is not valid", message: fmt.Sprintf("The parameter %q appears more than once.", name)})
		}
	}
	state := q.Get("state")
	if state == "" {
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "That answer is not valid", message: "The answer has no state, so Pixel Reports cannot tell whether it started this request.", hint: "Start from the Pixel Reports page."})
	}
	f, err := a.flows.open(c.Cookies(flowCookieName), a.now())
	if err != nil {
		msg := "Pixel Reports has no record of starting this request in this browser. It may have been started in another browser, or its cookie was altered."
		if errors.Is(err, errFlowExpired) {
			msg = "This request took longer than ten minutes, so Pixel Reports no longer accepts its answer."
		}
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "Please start again", message: msg})
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1 {
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "That answer is not for this request", message: "The state in the answer does not match the one Pixel Reports sent. It may be an old link, or someone tried to slip you their own sign-in (CSRF).", hint: "Nothing was exchanged. Start again from the Pixel Reports page."})
	}
	// The flow is used up whatever happens next.
	c.Cookie(a.flowCookie("", 0))
	meta, err := a.metadata(c.UserContext())
	if err != nil {
		return a.unreachable(c, err)
	}
	// RFC 9207: an answer must come from the issuer the request went to.
	switch iss := q.Get("iss"); {
	case iss == "" && meta.IssParameterSupported:
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "That answer is from the wrong server", message: "The answer does not say which server sent it (no iss), although Consentry always does, so Pixel Reports does not trust it (RFC 9207)."})
	case iss != "" && iss != a.issuer:
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "That answer is from the wrong server", message: fmt.Sprintf("The answer names issuer %q, but Pixel Reports sent you to %q, so it does not trust it (RFC 9207).", iss, a.issuer)})
	}
	if code := q.Get("error"); code != "" {
		return a.authorizeError(c, code, q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "That answer is not valid", message: "The answer carries neither a code nor an error."})
	}
	ctx := context.WithValue(c.UserContext(), oauth2.HTTPClient, a.client)
	tok, err := a.oauthConfig(meta, f.Scopes).Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return a.fail(c, fiber.StatusBadRequest, failure{
			heading: "Consentry did not give Pixel Reports a token", message: "The token endpoint refused to exchange the code.",
			code: re.ErrorCode, description: re.ErrorDescription,
			hint: "Codes work once and only for a minute; reloading this page sends a used code again.",
		})
	}
	if err != nil {
		return a.unreachable(c, err)
	}
	// The token is kept, sealed, so the visitor can go on calling the API.
	st, err := startSession(tok.AccessToken, tok.ExpiresIn, a.now())
	if err != nil {
		return err
	}
	sealed, err := a.sessions.seal(st)
	if err != nil {
		return err
	}
	c.Cookie(a.sessionCookie(sealed, time.Unix(st.Expires, 0)))
	calls, templates := a.apiResults(c.UserContext(), tok.AccessToken)
	templates.CSRF = st.CSRF
	return render(c, fiber.StatusOK, pages.DemoResult(pages.DemoResultProps{
		Layout:      layout.Page{Title: "Connected · " + appTitle},
		Fresh:       true,
		Token:       tokenView(tok, f.Scopes),
		IDToken:     idTokenView(tok, f.Nonce),
		APICalls:    calls,
		Templates:   templates,
		TryAgainURL: AppPath,
		AppsURL:     appsPath,
	}))
}

// authorizeError shows an error the authorization endpoint sent back.
// Declining is a normal outcome, not a failure.
func (a *SampleApp) authorizeError(c *fiber.Ctx, code, description string) error {
	if code == "access_denied" {
		return a.fail(c, fiber.StatusOK, failure{
			heading: "You cancelled", message: "You chose not to connect Pixel Reports. Nothing was shared and no token was issued.",
		})
	}
	return a.fail(c, fiber.StatusBadRequest, failure{
		heading: "Consentry did not allow the request", message: "The authorization endpoint sent back an error instead of a code.",
		code: code, description: description,
	})
}

// unreachable is a failure to talk to the issuer at all.
func (a *SampleApp) unreachable(c *fiber.Ctx, err error) error {
	a.log.Warn("demo sample app: issuer unreachable", "issuer", a.issuer, "error", err)
	return a.fail(c, fiber.StatusBadGateway, failure{
		heading: "Pixel Reports could not reach Consentry",
		message: fmt.Sprintf("It talks to %s over HTTP like any other app, and that did not work.", a.issuer),
		hint:    "Details: " + err.Error(),
	})
}

// failure is what the error page says.
type failure struct {
	heading, message, code, description, hint string
}

func (a *SampleApp) fail(c *fiber.Ctx, status int, f failure) error {
	return render(c, status, pages.DemoError(pages.DemoErrorProps{
		Layout:  layout.Page{Title: "Not connected · " + appTitle},
		Heading: f.heading, Message: f.message, Code: f.code, Description: f.description, Hint: f.hint,
		TryAgainURL: AppPath, AppsURL: appsPath,
	}))
}

// oauthConfig is the demo client as golang.org/x/oauth2 sees it.
func (a *SampleApp) oauthConfig(meta serverMetadata, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     ClientID,
		ClientSecret: a.secret,
		Endpoint: oauth2.Endpoint{
			AuthURL: meta.AuthorizationEndpoint, TokenURL: meta.TokenEndpoint, AuthStyle: oauth2.AuthStyleInHeader,
		},
		RedirectURL: RedirectURI(a.issuer),
		Scopes:      scopes,
	}
}

// flowCookie carries a sealed flow; an empty value with maxAge 0 deletes it.
func (a *SampleApp) flowCookie(value string, maxAge int) *fiber.Cookie {
	c := &fiber.Cookie{
		Name: flowCookieName, Value: value, Path: AppPath, MaxAge: maxAge,
		HTTPOnly: true, Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode,
	}
	if value == "" {
		c.Expires = time.Unix(0, 0)
	}
	return c
}

// render writes a templ component as the HTML response.
func render(c *fiber.Ctx, status int, page templ.Component) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if err := page.Render(c.UserContext(), c.Response().BodyWriter()); err != nil {
		c.Response().ResetBody()
		return fmt.Errorf("render demo page: %w", err)
	}
	return nil
}
