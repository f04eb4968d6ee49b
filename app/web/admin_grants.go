package web

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/views/pages"
)

const adminGrantsPath = "/admin/grants"

// adminGrants is GET /admin/grants: every live grant, newest first,
// filtered by the search form and paged by a cursor in the "Older" link.
func (s *Server) adminGrants(c *fiber.Ctx) error {
	q := pages.GrantQuery{
		UserEmail: strings.TrimSpace(c.Query("user")),
		Client:    strings.TrimSpace(c.Query("client")),
		Workspace: strings.TrimSpace(c.Query("workspace")),
	}
	after, err := parseGrantCursor(c.Query("after"))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "This page link is damaged. Start again from the newest grants.")
	}
	grants, next, err := s.svc.Store.SearchGrants(c.UserContext(), models.GrantSearch{
		UserEmail: q.UserEmail, Client: q.Client, Workspace: q.Workspace, After: after,
	})
	if err != nil {
		return err
	}
	props := pages.AdminGrantsProps{Layout: page(c, "Grants"), Query: q, ReturnTo: c.OriginalURL(), Now: time.Now()}
	for _, g := range grants {
		row := pages.AdminGrantRow{
			ID: g.GrantID, UserName: g.UserName, UserEmail: g.UserEmail, ClientName: g.ClientName, ClientID: g.ClientID,
			Scopes: s.scopeSummaries(g.Scopes), GrantedAt: g.CreatedAt,
			RevokeURL: adminGrantsPath + "/" + url.PathEscape(g.GrantID) + "/revoke",
		}
		if g.LastUsedAt != nil {
			row.LastUsedAt = *g.LastUsedAt
		}
		for _, w := range g.Workspaces {
			row.Workspaces = append(row.Workspaces, w.Name)
		}
		props.Grants = append(props.Grants, row)
	}
	if !next.IsZero() {
		props.OlderURL = grantsURL(q, formatGrantCursor(next))
	}
	if !after.IsZero() {
		props.NewestURL = grantsURL(q, "")
	}
	return render(c, fiber.StatusOK, pages.AdminGrants(props))
}

// adminRevokeGrant is POST /admin/grants/{grant_id}/revoke: a platform
// admin revokes anyone's grant. It goes through the same service as a
// person revoking their own, so tokens and audit follow alike; the audit
// event's actor is the admin.
func (s *Server) adminRevokeGrant(c *fiber.Ctx) error {
	ctx := c.UserContext()
	g, err := s.svc.Store.GrantByID(ctx, c.Params("grant_id"))
	if errors.Is(err, models.ErrNotFound) || (err == nil && g.RevokedAt != nil) {
		return fiber.NewError(fiber.StatusNotFound, "There is no such live grant; it may have been revoked already.")
	}
	if err != nil {
		return err
	}
	revoked, err := s.svc.Grants.RevokeGrant(ctx, g, s.actor(c))
	if err != nil {
		return grantError(err)
	}
	name, who := g.ClientID, g.UserID
	if cl, err := s.svc.Store.ClientByID(ctx, g.ClientID); err == nil {
		name = cl.Name
	}
	if u, err := s.svc.Store.UserByID(ctx, g.UserID); err == nil {
		who = u.Email
	}
	sessionOf(c).setFlash("success", fmt.Sprintf("%s can no longer use %s’s account; %s revoked.", name, who, tokenCount(revoked)))
	return c.Redirect(grantsReturnTo(c.FormValue("return_to")), fiber.StatusSeeOther)
}

// tokenCount is "1 token was" or "3 tokens were".
func tokenCount(n int64) string {
	if n == 1 {
		return "1 token was"
	}
	return fmt.Sprintf("%d tokens were", n)
}

// grantsReturnTo keeps the admin on the grants list (with their search)
// after a revoke; anything else goes to the list's first page.
func grantsReturnTo(raw string) string {
	if to := safeReturnTo(raw); to == adminGrantsPath || strings.HasPrefix(to, adminGrantsPath+"?") {
		return to
	}
	return adminGrantsPath
}

// grantsURL is the list with a search and a cursor.
func grantsURL(q pages.GrantQuery, after string) string {
	v := url.Values{}
	for key, val := range map[string]string{"user": q.UserEmail, "client": q.Client, "workspace": q.Workspace, "after": after} {
		if val != "" {
			v.Set(key, val)
		}
	}
	if len(v) == 0 {
		return adminGrantsPath
	}
	return adminGrantsPath + "?" + v.Encode()
}

// formatGrantCursor writes a cursor as "<RFC 3339 time>_<grant id>". The
// time keeps its offset and every digit, so the next page starts exactly
// after the last row shown.
func formatGrantCursor(c models.GrantCursor) string {
	return c.CreatedAt.Format(time.RFC3339Nano) + "_" + c.ID
}

// parseGrantCursor reads formatGrantCursor's output; empty is the start.
func parseGrantCursor(raw string) (models.GrantCursor, error) {
	if raw == "" {
		return models.GrantCursor{}, nil
	}
	ts, id, ok := strings.Cut(raw, "_")
	if !ok || id == "" {
		return models.GrantCursor{}, errors.New("grant cursor: want time_id")
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return models.GrantCursor{}, fmt.Errorf("grant cursor: %w", err)
	}
	return models.GrantCursor{CreatedAt: at, ID: id}, nil
}
