package web

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/grants"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/views/pages"
)

// authorize is GET /oauth/authorize: validate, make sure someone is signed
// in, then either send a code straight back (nothing new asked) or show the
// consent screen.
func (s *Server) authorize(c *fiber.Ctx) error {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return s.authorizeErrorPage(c, &oauth.Error{Code: oauth.ErrCodeInvalidRequest, Description: "the query string is not valid"})
	}
	req, err := s.svc.OAuth.ValidateAuthorize(c.UserContext(), q)
	if err != nil {
		return s.authorizeFailure(c, err)
	}
	user := currentUser(c)
	if user == nil {
		if req.PromptNone() {
			return c.Redirect(s.svc.OAuth.ErrorRedirect(&oauth.RedirectError{
				Err:         &oauth.Error{Code: oauth.ErrCodeLoginRequired, Description: "the user is not signed in"},
				RedirectURI: req.RedirectURI, State: req.State,
			}), fiber.StatusFound)
		}
		return c.Redirect("/login?return_to="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
	}
	start, err := s.svc.Grants.Begin(c.UserContext(), *user, sessionOf(c).authTime(), req)
	if err != nil {
		return s.authorizeFailure(c, err)
	}
	if start.RedirectURL != "" {
		return c.Redirect(start.RedirectURL, fiber.StatusFound)
	}
	return s.renderConsent(c, fiber.StatusOK, start.Screen)
}

// authorizeFailure routes an authorization error: back to the client when
// its redirect URI is trusted, an error page when it is not.
func (s *Server) authorizeFailure(c *fiber.Ctx, err error) error {
	var re *oauth.RedirectError
	if errors.As(err, &re) {
		return c.Redirect(s.svc.OAuth.ErrorRedirect(re), fiber.StatusFound)
	}
	var oe *oauth.Error
	if errors.As(err, &oe) {
		return s.authorizeErrorPage(c, oe)
	}
	return err
}

// authorizeErrorPage explains a request that cannot be sent back to the app
// (unknown client, unregistered redirect URI…). It is never a redirect.
func (s *Server) authorizeErrorPage(c *fiber.Ctx, oe *oauth.Error) error {
	return render(c, fiber.StatusBadRequest, pages.Error(pages.ErrorProps{
		Layout:    page(c, "Cannot continue"),
		Status:    fiber.StatusBadRequest,
		Heading:   "This sign-in link is not valid",
		Message:   "The app that sent you here made a request Consentry cannot accept, so you were not sent back to it. Details for the app's developer: " + oe.Error(),
		RequestID: requestIDOf(c),
	}))
}

// consent is POST /oauth/consent: the person's decision.
func (s *Server) consent(c *fiber.Ctx) error {
	args := c.Request().PostArgs()
	d := grants.Decision{Scopes: peekAll(args.PeekMulti("scope")), WorkspaceIDs: peekAll(args.PeekMulti("workspace"))}
	switch c.FormValue("decision") {
	case "approve":
		d.Approve = true
	case "deny":
	default:
		return fiber.NewError(fiber.StatusBadRequest, "Choose Allow or Cancel.")
	}
	user := currentUser(c)
	redirect, err := s.svc.Grants.Decide(c.UserContext(), *user, c.FormValue("request"), d, s.actor(c))
	var choice *grants.ChoiceError
	switch {
	case errors.As(err, &choice):
		return s.renderConsent(c, fiber.StatusUnprocessableEntity, choice.Screen)
	case errors.Is(err, grants.ErrRequestGone):
		return fiber.NewError(fiber.StatusBadRequest, "This request has expired or was already answered. Go back to the app and start again.")
	case errors.Is(err, grants.ErrOutsideRequest):
		return fiber.NewError(fiber.StatusBadRequest, "The form asked for something this request did not include, so nothing was granted. Go back to the app and start again.")
	case err != nil:
		return err
	}
	return c.Redirect(redirect, fiber.StatusSeeOther)
}

func peekAll(values [][]byte) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		out = append(out, string(v))
	}
	return out
}

// actor is who is acting in this request, for the audit trail.
func (s *Server) actor(c *fiber.Ctx) models.Actor {
	a := models.Actor{Type: models.ActorUser, IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent)}
	if u := currentUser(c); u != nil {
		a.ID = u.ID
	}
	return a
}

func (s *Server) renderConsent(c *fiber.Ctx, status int, sc *grants.Screen) error {
	client := sc.Request.Client
	props := pages.ConsentProps{
		Layout:                page(c, "Allow "+client.Name+"?"),
		Request:               sc.SignedRequest,
		App:                   pages.ConsentApp{Name: client.Name, LogoURL: client.LogoURL, HomepageURL: client.HomepageURL, HomepageHost: hostOf(client.HomepageURL), RedirectHost: hostOf(sc.Request.RedirectURI)},
		SwitchAccountReturnTo: "/oauth/authorize?" + string(c.Request().URI().QueryString()),
		Reauthorization:       sc.Reauthorization,
		ShowWorkspaces:        sc.NeedsWorkspace,
		NoWorkspaces:          sc.NeedsWorkspace && len(sc.Workspaces) == 0,
		ScopeError:            sc.ScopeError,
		WorkspaceError:        sc.WorkspaceError,
	}
	if c.Method() == fiber.MethodPost {
		// A re-rendered form has no authorization query string of its own.
		props.SwitchAccountReturnTo = "/apps"
	}
	for _, ch := range sc.Scopes {
		row := pages.ScopeRow{Name: ch.Name, Title: ch.Title, Description: ch.Description, Checked: ch.Checked, Destructive: ch.Destructive, Warning: ch.Warning}
		if sc.Reauthorization && ch.Granted {
			props.GrantedScopes = append(props.GrantedScopes, row)
		} else {
			props.NewScopes = append(props.NewScopes, row)
		}
	}
	for _, w := range sc.Workspaces {
		choice := pages.WorkspaceChoice{ID: w.ID, Name: w.Name, Role: w.Role.Label(), Checked: w.Checked}
		for _, sc := range w.Unusable {
			choice.Notes = append(choice.Notes, fmt.Sprintf("As %s %s you can't %s here.", article(string(w.Role)), w.Role, strings.TrimSuffix(sc.Description, ".")))
		}
		props.Workspaces = append(props.Workspaces, choice)
	}
	return render(c, status, pages.Consent(props))
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
