package demo

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/views/layout"
	"github.com/consentry/consentry/views/pages"
)

// deletePath takes the Delete forms of the result page.
const deletePath = AppPath + "/templates/delete"

// Limits on what the Delete form may carry.
const (
	maxIDLen    = 64
	maxLabelLen = 200
)

// deleteTarget is what the Delete form names. The ids are what is deleted;
// the names and role are the result page's own words, carried along only
// to explain the outcome, and never sent to Consentry.
type deleteTarget struct {
	workspaceID, templateID string
	workspace, template     string
	role                    string
}

// deleteTemplate is POST /demo/templates/delete: DELETE on the templates
// API with the kept token, then a page that shows and explains the answer.
func (a *SampleApp) deleteTemplate(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	st, err := a.session(c)
	if err != nil {
		return a.noSession(c, err)
	}
	if err := st.checkCSRF(c.FormValue(csrfField)); err != nil {
		return a.fail(c, fiber.StatusForbidden, failure{
			heading: "That form is not from Pixel Reports",
			message: "It did not carry the secret value Pixel Reports puts in its own pages, so another site may have tried to make you delete something (CSRF). Nothing was deleted.",
			hint:    "To delete a template, press Delete on Pixel Reports’ results page.",
		})
	}
	t := deleteTarget{
		workspaceID: c.FormValue("workspace"), templateID: c.FormValue("template"),
		workspace: label(c.FormValue("workspace_name"), "the workspace"),
		template:  label(c.FormValue("template_name"), "the template"),
		role:      label(c.FormValue("role"), ""),
	}
	if !validID(t.workspaceID) || !validID(t.templateID) {
		return a.fail(c, fiber.StatusBadRequest, failure{heading: "That form is broken", message: "It does not name a workspace and a template Pixel Reports can ask about. Nothing was deleted."})
	}
	spec := apiCallSpec{
		id: "demo-call-delete", method: http.MethodDelete, path: templatePath(t.workspaceID, t.templateID),
		scope: scopeTemplatesWrite, minRole: roleTemplatesWrite,
	}
	res, err := a.send(c.UserContext(), http.MethodDelete, a.issuer+spec.path, st.AccessToken)
	status := fiber.StatusOK
	if err != nil {
		a.log.Warn("demo sample app: api call failed", "path", spec.path, "error", err)
		status = fiber.StatusBadGateway
	}
	out := deleteOutcome(t, res, err)
	call := apiCallView(spec, res, err)
	// The outcome's explanation says it better, and for this request.
	call.Note = ""
	return render(c, status, pages.DemoDelete(pages.DemoDeleteProps{
		Layout:  layout.Page{Title: out.heading + " · " + appTitle},
		Heading: out.heading, Kind: out.kind, Explanation: out.explanation,
		Call:    call,
		BackURL: resultPath, TryAgainURL: AppPath, AppsURL: appsPath,
	}))
}

// outcome is what the page makes of Consentry's answer to a DELETE.
type outcome struct {
	heading, kind, explanation string
}

// deleteOutcome explains an answer to DELETE …/templates/{tid}. Refusals
// the demo exists to show are outcomes ("warning"), not failures.
func deleteOutcome(t deleteTarget, res apiResponse, callErr error) outcome {
	if callErr != nil {
		return outcome{"Pixel Reports could not reach Consentry", "danger",
			"The delete got no answer, so Pixel Reports cannot tell whether it happened. Go back to the results to see."}
	}
	if res.status >= 200 && res.status < 300 {
		return outcome{"Deleted", "success", fmt.Sprintf(
			"Consentry deleted “%s” from %s. The token carries %s and your role there is %s or above, so both checks passed; the workspace’s audit log records the deletion as Pixel Reports’.",
			t.template, t.workspace, scopeTemplatesWrite, roleTemplatesWrite)}
	}
	switch refusal(res) {
	case codeInsufficientScope:
		return outcome{"Not deleted: the token lacks the scope", "warning", fmt.Sprintf(
			"Expected: Pixel Reports did not ask for %s (“Delete templates” on its start page), or you unticked it on the consent screen, so its token cannot delete anything. Consentry refuses whatever goes beyond the scopes you granted. Connect again with “Delete templates” ticked to try it.",
			scopeTemplatesWrite)}
	case codeInsufficientRole:
		who := "your role there is lower"
		if t.role != "" {
			who = "you are " + withArticle(t.role) + " there"
		}
		return outcome{"Not deleted: your role is too low", "warning", fmt.Sprintf(
			"Expected: the token carries %s, but a scope never goes beyond your role in the workspace. Deleting templates in %s needs %s or above, and %s. Sign in as the workspace’s owner to delete.",
			scopeTemplatesWrite, t.workspace, roleTemplatesWrite, who)}
	case codeWorkspaceNotGranted:
		return outcome{"Not deleted: no access to this workspace", "warning", fmt.Sprintf(
			"Pixel Reports can no longer act in %s: access to it was taken away since, in Connected apps or by a workspace admin.", t.workspace)}
	case codeInvalidToken:
		return outcome{"Not deleted: the token is no longer valid", "warning",
			"Expected once the token is revoked (disconnecting Pixel Reports in Connected apps does it) or has expired: Consentry refuses it from that moment. Connect again for a new token."}
	}
	if res.status == http.StatusNotFound {
		return outcome{"Not deleted: no such template", "warning", fmt.Sprintf(
			"“%s” is not in %s any more: it was deleted already (reloading this page sends the form again), or never was there.", t.template, t.workspace)}
	}
	return outcome{"Consentry refused the delete", "danger", fmt.Sprintf(
		"Consentry answered %d %s; the response below says why.", res.status, http.StatusText(res.status))}
}

// validID accepts the ids the API uses (UUIDs) and anything like them:
// letters, digits, '-' and '_', within maxIDLen.
func validID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			return false
		}
	}
	return true
}

// label is a display name from the form, trimmed and cut to maxLabelLen
// characters, or fallback when empty or not text.
func label(s, fallback string) string {
	s = strings.TrimSpace(s)
	if s == "" || !utf8.ValidString(s) {
		return fallback
	}
	if utf8.RuneCountInString(s) > maxLabelLen {
		s = string([]rune(s)[:maxLabelLen]) + "…"
	}
	return s
}

// withArticle is "a viewer", "an admin".
func withArticle(role string) string {
	if strings.ContainsRune("aeiou", rune(strings.ToLower(role)[0])) {
		return "an " + role
	}
	return "a " + role
}
