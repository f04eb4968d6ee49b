package web

import (
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/views/pages"
)

// adminClientsPath is the client registry; a client's page is below it.
const adminClientsPath = "/admin/clients"

func clientPath(id string) string { return adminClientsPath + "/" + url.PathEscape(id) }

// adminClients is GET /admin/clients: every registered client.
func (s *Server) adminClients(c *fiber.Ctx) error {
	list, err := s.svc.Store.Clients(c.UserContext())
	if err != nil {
		return err
	}
	props := pages.AdminClientsProps{Layout: page(c, "Clients"), NewURL: adminClientsPath + "/new", Now: time.Now()}
	for _, cl := range list {
		props.Clients = append(props.Clients, pages.AdminClientRow{
			ID: cl.ID, Name: cl.Name, LogoURL: cl.LogoURL, Public: cl.Public(),
			RedirectURIs: cl.RedirectURIs, Scopes: cl.AllowedScopes, ResourceServer: cl.ResourceServer,
			Disabled: cl.Disabled(), CreatedAt: cl.CreatedAt, URL: clientPath(cl.ID),
		})
	}
	return render(c, fiber.StatusOK, pages.AdminClients(props))
}

// adminClientNew is GET /admin/clients/new: the empty registration form,
// with the catalog's default-on scopes ticked.
func (s *Server) adminClientNew(c *fiber.Ctx) error {
	form := pages.ClientForm{}
	for _, sc := range s.svc.Catalog.All() {
		if sc.Default == "on" {
			form.Scopes = append(form.Scopes, sc.Name)
		}
	}
	return render(c, fiber.StatusOK, pages.AdminClientNew(s.clientFormProps(c, "Register a client", form)))
}

// adminClientCreate is POST /admin/clients. A refused registration comes
// back as the form with each problem beside its field (422) and nothing
// stored; a registered client's page is rendered, not redirected to, so
// its secret is shown in this one response and never sits in a cookie or a
// URL.
func (s *Server) adminClientCreate(c *fiber.Ctx) error {
	form := clientFormFrom(c)
	form.Public = c.FormValue("type") == "public"
	reg, err := s.svc.Clients.RegisterBy(c.UserContext(), clients.Registration{
		Name: form.Name, LogoURL: form.LogoURL, HomepageURL: form.HomepageURL, Public: form.Public,
		RedirectURIs: splitLines(form.RedirectURIs), Scopes: form.Scopes, ResourceServer: form.ResourceServer,
	}, s.actor(c))
	if errs, ok := fieldErrors(err); ok {
		props := s.clientFormProps(c, "Register a client", form)
		props.Errors = errs
		return render(c, fiber.StatusUnprocessableEntity, pages.AdminClientNew(props))
	}
	if err != nil {
		return err
	}
	props := s.clientPageProps(c, reg.Client)
	props.Credentials = &pages.ClientCredentials{Registered: true, ClientID: reg.Client.ID, Secret: reg.Secret}
	return render(c, fiber.StatusOK, pages.AdminClient(props))
}

// adminClient is GET /admin/clients/{client_id}.
func (s *Server) adminClient(c *fiber.Ctx) error {
	cl, err := s.clientInPath(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, pages.AdminClient(s.clientPageProps(c, cl)))
}

// adminClientUpdate is POST /admin/clients/{client_id}: save the edit form.
func (s *Server) adminClientUpdate(c *fiber.Ctx) error {
	cl, err := s.clientInPath(c)
	if err != nil {
		return err
	}
	form := clientFormFrom(c)
	edited, err := s.svc.Clients.Edit(c.UserContext(), cl.ID, clients.Changes{
		Name: form.Name, LogoURL: form.LogoURL, HomepageURL: form.HomepageURL,
		RedirectURIs: splitLines(form.RedirectURIs), Scopes: form.Scopes, ResourceServer: form.ResourceServer,
	}, s.actor(c))
	if errs, ok := fieldErrors(err); ok {
		props := s.clientPageProps(c, cl)
		form.Public = cl.Public()
		props.Form, props.Errors = form, errs
		return render(c, fiber.StatusUnprocessableEntity, pages.AdminClient(props))
	}
	if err != nil {
		return clientError(err)
	}
	msg := "Nothing changed."
	switch n := edited.Narrowing; {
	case n.GrantsNarrowed > 0:
		msg = "Saved. Existing grants and tokens lost the scopes you took away, at once."
	case len(edited.Diff) > 0:
		msg = "Saved."
	}
	sessionOf(c).setFlash("success", msg)
	return c.Redirect(clientPath(cl.ID), fiber.StatusSeeOther)
}

// adminClientRotate is POST /admin/clients/{client_id}/rotate-secret. The
// new secret is rendered in this response only.
func (s *Server) adminClientRotate(c *fiber.Ctx) error {
	cl, err := s.clientInPath(c)
	if err != nil {
		return err
	}
	plain, err := s.svc.Clients.RotateSecret(c.UserContext(), cl.ID, s.actor(c))
	if err != nil {
		return clientError(err)
	}
	props := s.clientPageProps(c, cl)
	props.Credentials = &pages.ClientCredentials{ClientID: cl.ID, Secret: plain}
	return render(c, fiber.StatusOK, pages.AdminClient(props))
}

// adminClientDisable is POST /admin/clients/{client_id}/disable: the client
// and every token it holds stop working (Registry.Disable's cascade).
func (s *Server) adminClientDisable(c *fiber.Ctx) error {
	cl, err := s.clientInPath(c)
	if err != nil {
		return err
	}
	if err := s.svc.Clients.Disable(c.UserContext(), cl.ID, s.actor(c)); err != nil {
		return clientError(err)
	}
	sessionOf(c).setFlash("success", cl.Name+" is disabled: its tokens were revoked and nobody can authorize it.")
	return c.Redirect(clientPath(cl.ID), fiber.StatusSeeOther)
}

// adminClientEnable is POST /admin/clients/{client_id}/enable.
func (s *Server) adminClientEnable(c *fiber.Ctx) error {
	cl, err := s.clientInPath(c)
	if err != nil {
		return err
	}
	if err := s.svc.Clients.Enable(c.UserContext(), cl.ID, s.actor(c)); err != nil {
		return clientError(err)
	}
	sessionOf(c).setFlash("success", cl.Name+" is enabled: people can authorize it again.")
	return c.Redirect(clientPath(cl.ID), fiber.StatusSeeOther)
}

// clientInPath loads the client named in the path.
func (s *Server) clientInPath(c *fiber.Ctx) (models.Client, error) {
	cl, err := s.svc.Store.ClientByID(c.UserContext(), c.Params("client_id"))
	if errors.Is(err, models.ErrNotFound) {
		return models.Client{}, fiber.NewError(fiber.StatusNotFound, "There is no client with this id.")
	}
	return cl, err
}

// clientError maps the registry's refusals onto responses.
func clientError(err error) error {
	switch {
	case errors.Is(err, clients.ErrUnknownClient):
		return fiber.NewError(fiber.StatusNotFound, "There is no client with this id.")
	case errors.Is(err, clients.ErrPublicClient):
		return fiber.NewError(fiber.StatusConflict, "A public client has no secret to rotate.")
	}
	return err
}

// clientFormProps is the registration form around form.
func (s *Server) clientFormProps(c *fiber.Ctx, title string, form pages.ClientForm) pages.ClientFormProps {
	props := pages.ClientFormProps{Layout: page(c, title), Action: adminClientsPath, Form: form, Now: time.Now()}
	for _, sc := range s.svc.Catalog.All() {
		props.Scopes = append(props.Scopes, pages.ScopeChoice{Name: sc.Name, Title: sc.Title, Description: sc.Description, Destructive: sc.Destructive})
	}
	return props
}

// clientPageProps is a client's page, its form filled from the client.
func (s *Server) clientPageProps(c *fiber.Ctx, cl models.Client) pages.ClientFormProps {
	props := s.clientFormProps(c, cl.Name+" · Clients", pages.ClientForm{
		Name: cl.Name, LogoURL: cl.LogoURL, HomepageURL: cl.HomepageURL, Public: cl.Public(),
		RedirectURIs: strings.Join(cl.RedirectURIs, "\n"), Scopes: cl.AllowedScopes, ResourceServer: cl.ResourceServer,
	})
	base := clientPath(cl.ID)
	props.Action = base
	props.Client = &pages.ClientStatus{
		ID: cl.ID, Name: cl.Name, LogoURL: cl.LogoURL, Public: cl.Public(), Disabled: cl.Disabled(),
		CreatedAt: cl.CreatedAt, DisableURL: base + "/disable", EnableURL: base + "/enable", ListURL: adminClientsPath,
	}
	if cl.DisabledAt != nil {
		props.Client.DisabledAt = *cl.DisabledAt
	}
	if !cl.Public() {
		props.Client.RotateURL = base + "/rotate-secret"
	}
	return props
}

// clientFormFrom reads the fields registration and editing share.
func clientFormFrom(c *fiber.Ctx) pages.ClientForm {
	form := pages.ClientForm{
		Name: c.FormValue("name"), LogoURL: c.FormValue("logo_url"), HomepageURL: c.FormValue("homepage_url"),
		RedirectURIs: c.FormValue("redirect_uris"), ResourceServer: c.FormValue("resource_server") == "on",
	}
	for _, v := range c.Request().PostArgs().PeekMulti("scope") {
		form.Scopes = append(form.Scopes, string(v))
	}
	return form
}

// splitLines is the textarea's non-blank lines.
func splitLines(s string) []string {
	var out []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// fieldErrors turns the registry's validation error into the form's
// messages, each starting with a capital, as sentences on a page do.
func fieldErrors(err error) ([]pages.ClientFieldError, bool) {
	var verr *clients.ValidationError
	if !errors.As(err, &verr) {
		return nil, false
	}
	out := make([]pages.ClientFieldError, len(verr.Problems))
	for i, p := range verr.Problems {
		out[i] = pages.ClientFieldError{Field: p.Field, Message: sentence(p.Message)}
	}
	return out, true
}

// sentence capitalises the first letter of a message.
func sentence(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
