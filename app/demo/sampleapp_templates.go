package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/views/layout"
	"github.com/consentry/consentry/views/pages"
)

// The result page goes on from the two platform calls to the demo's
// templates API (SPEC §7): for each workspace the token reaches it lists the
// templates, each with a Delete button, so a newcomer sees scope and role
// enforcement end to end.

const (
	// resultPath re-runs the API calls with the kept token.
	resultPath = AppPath + "/result"
	// maxWorkspaces bounds the workspaces listed, and so the API calls one
	// view of the result page makes.
	maxWorkspaces = 10
	// Scopes and least role of the templates API, as the result page
	// describes them.
	scopeTemplatesRead  = "workspace:templates:read"
	scopeTemplatesWrite = "workspace:templates:write"
	roleTemplatesWrite  = "member"
)

// apiWorkspace is one workspace in GET /api/v1/workspaces's answer.
type apiWorkspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// apiTemplate is one template in GET …/templates's answer.
type apiTemplate struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// apiResults makes the result page's calls with an access token: the
// platform API, then each reachable workspace's templates.
func (a *SampleApp) apiResults(ctx context.Context, token string) ([]pages.DemoAPICall, pages.DemoTemplates) {
	calls := resultCalls()
	views := make([]pages.DemoAPICall, 0, len(calls))
	var workspaces apiResponse
	var workspacesErr error
	for _, spec := range calls {
		res, err := a.get(ctx, a.issuer+spec.path, token)
		if err != nil {
			a.log.Warn("demo sample app: api call failed", "path", spec.path, "error", err)
		}
		if spec.path == pathWorkspaces {
			workspaces, workspacesErr = res, err
		}
		views = append(views, apiCallView(spec, res, err))
	}
	return views, a.templatesSection(ctx, token, workspaces, workspacesErr)
}

// templatesSection lists the templates of each workspace in the answer to
// GET /api/v1/workspaces, or says why there is none to list.
func (a *SampleApp) templatesSection(ctx context.Context, token string, res apiResponse, callErr error) pages.DemoTemplates {
	t := pages.DemoTemplates{DeleteURL: deletePath}
	switch {
	case callErr != nil:
		t.Note = "Pixel Reports could not ask which workspaces the token reaches, so it has none to list."
		return t
	case refusal(res) == codeInsufficientScope:
		t.Note = "Pixel Reports learns which workspaces the token reaches from GET /api/v1/workspaces, which needs workspace:read. The token does not carry it, so there are none to list here."
		return t
	case refusal(res) == codeInvalidToken:
		t.Note = "Consentry no longer accepts the token, so there are no workspaces to list."
		return t
	case res.status != http.StatusOK:
		t.Note = "Consentry did not list the workspaces the token reaches (see GET /api/v1/workspaces above), so there are none to list here."
		return t
	}
	var body struct {
		Workspaces []apiWorkspace `json:"workspaces"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Note = "Pixel Reports could not read the list of workspaces Consentry sent."
		return t
	}
	ws := body.Workspaces
	switch {
	case len(ws) == 0:
		t.Note = "The token reaches no workspace: none was chosen on the consent screen, or access was taken away since."
	case len(ws) > maxWorkspaces:
		t.Note = fmt.Sprintf("The token reaches %d workspaces; Pixel Reports lists the first %d.", len(ws), maxWorkspaces)
		ws = ws[:maxWorkspaces]
	}
	for i, w := range ws {
		t.Workspaces = append(t.Workspaces, a.workspaceTemplates(ctx, token, i, w))
	}
	return t
}

// workspaceTemplates lists one workspace's templates.
func (a *SampleApp) workspaceTemplates(ctx context.Context, token string, i int, w apiWorkspace) pages.DemoWorkspace {
	spec := apiCallSpec{id: "demo-templates-" + strconv.Itoa(i), path: templatesPath(w.ID), scope: scopeTemplatesRead}
	res, err := a.get(ctx, a.issuer+spec.path, token)
	if err != nil {
		a.log.Warn("demo sample app: api call failed", "path", spec.path, "error", err)
	}
	v := pages.DemoWorkspace{ID: w.ID, Name: w.Name, Role: w.Role, Call: apiCallView(spec, res, err)}
	if v.Name == "" {
		v.Name = w.ID
	}
	if err != nil || res.status != http.StatusOK {
		return v
	}
	var body struct {
		Templates []apiTemplate `json:"templates"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		v.Call.Kind, v.Call.Note = "danger", "Pixel Reports could not read the templates Consentry sent."
		return v
	}
	for _, t := range body.Templates {
		v.Templates = append(v.Templates, pages.DemoTemplate{ID: t.ID, Name: t.Name, Kind: t.Kind})
	}
	return v
}

// result is GET /demo/result: the API calls again, with the token kept
// from connecting, so the effect of a delete (or a revocation) shows.
func (a *SampleApp) result(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	st, err := a.session(c)
	if err != nil {
		return a.noSession(c, err)
	}
	calls, templates := a.apiResults(c.UserContext(), st.AccessToken)
	templates.CSRF = st.CSRF
	return render(c, fiber.StatusOK, pages.DemoResult(pages.DemoResultProps{
		Layout: layout.Page{Title: "Connected · " + appTitle},
		Session: pages.DemoSession{
			AccessToken: maskSecret(st.AccessToken),
			ExpiresIn:   remainingText(time.Unix(st.Expires, 0).Sub(a.now())),
		},
		APICalls:    calls,
		Templates:   templates,
		TryAgainURL: AppPath,
		AppsURL:     appsPath,
	}))
}

// remainingText is how long a token has left, in words.
func remainingText(d time.Duration) string {
	switch {
	case d >= 2*time.Hour:
		return fmt.Sprintf("in %d hours", int(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("in %d minutes", int(d/time.Minute))
	case d >= time.Minute:
		return "in a minute"
	}
	return fmt.Sprintf("in %d seconds", max(int(d/time.Second), 0))
}
