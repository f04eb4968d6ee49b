package web

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/consentry/consentry/app/audit"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/views/components"
	"github.com/consentry/consentry/views/pages"
)

// auditView is one of the two audit logs: the platform's whole trail, or
// one workspace's events (scope is then that workspace's id).
type auditView struct {
	scope string
	// path is the page's path; the export is path + ".csv".
	path string
	// name is the workspace's name, for the workspace's log.
	name string
}

func (s *Server) platformAuditView() auditView {
	return auditView{path: "/admin/audit"}
}

// workspaceAuditView checks that the signed-in user administers the
// workspace in the path (404 for outsiders, 403 below admin) and returns
// its log.
func (s *Server) workspaceAuditView(c *fiber.Ctx) (auditView, error) {
	w, err := s.workspaceForAdmin(c)
	if err != nil {
		return auditView{}, err
	}
	return auditView{scope: w.ID, path: "/admin/workspaces/" + url.PathEscape(w.ID) + "/audit", name: w.Name}, nil
}

// platformAuditPage is /admin/audit.
func (s *Server) platformAuditPage(c *fiber.Ctx) error {
	return s.auditPage(c, s.platformAuditView())
}

// platformAuditCSV is /admin/audit.csv.
func (s *Server) platformAuditCSV(c *fiber.Ctx) error {
	return s.auditCSV(c, s.platformAuditView())
}

// workspaceAuditPage is /admin/workspaces/{workspace_id}/audit.
func (s *Server) workspaceAuditPage(c *fiber.Ctx) error {
	v, err := s.workspaceAuditView(c)
	if err != nil {
		return err
	}
	return s.auditPage(c, v)
}

// workspaceAuditCSV is /admin/workspaces/{workspace_id}/audit.csv.
func (s *Server) workspaceAuditCSV(c *fiber.Ctx) error {
	v, err := s.workspaceAuditView(c)
	if err != nil {
		return err
	}
	return s.auditCSV(c, v)
}

func (s *Server) auditLog() *audit.Log {
	return audit.NewLog(s.svc.Store, s.svc.Catalog)
}

// auditPage renders one page of a log. Filters that cannot be read are
// shown beside their fields (422) rather than silently dropped, which
// would show more than was asked for.
func (s *Server) auditPage(c *fiber.Ctx, v auditView) error {
	ctx := c.UserContext()
	q, err := s.parseAuditQuery(c, v)
	if err != nil {
		return err
	}
	props, err := s.auditProps(c, v, q)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if len(q.errs) > 0 {
		status = fiber.StatusUnprocessableEntity
	} else if !q.noMatch {
		page, err := s.auditLog().Page(ctx, v.scope, q.filter)
		if err != nil {
			return err
		}
		for _, e := range page.Entries {
			props.Rows = append(props.Rows, pages.AuditRow{
				ID: e.Event.ID, OccurredAt: e.Event.OccurredAt, ActorKind: e.Actor.Kind, ActorName: e.Actor.Name,
				ActorEmail: e.Actor.Email, Sentence: e.Sentence, Action: e.Event.Action, IP: e.Event.IP, Raw: e.Raw,
			})
		}
		if page.Next > 0 {
			props.OlderURL = v.path + "?" + q.query(page.Next)
		}
	}
	if q.filter.Before > 0 {
		props.NewestURL = v.path + queryPart(q.query(0))
	}
	return render(c, status, pages.AuditLog(props))
}

// auditProps is everything of the page but its rows and pager.
func (s *Server) auditProps(c *fiber.Ctx, v auditView, q auditQuery) (pages.AuditLogProps, error) {
	ctx := c.UserContext()
	p := pages.AuditLogProps{
		Eyebrow: "Platform admin", Heading: "Audit log",
		Lede:    "Everything that changed who can reach what: consents, revocations, apps, keys and members, newest first.",
		FormURL: v.path, Filter: q.values, Errors: q.errs, CSVURL: v.path + ".csv" + queryPart(q.query(0)),
		Now: time.Now(), AdminNav: components.AdminPageAudit,
	}
	title := "Audit log"
	if v.scope != "" {
		title = "Audit log of " + v.name
		p.Eyebrow, p.Heading, p.AdminNav = "Workspace admin", title, ""
		p.Lede = "Every change that touched " + v.name + ": which apps members let in, what changed and who removed them, newest first."
		p.BackURL, p.BackLabel = strings.TrimSuffix(v.path, "/audit"), "Apps in "+v.name
	}
	p.Layout = page(c, title)
	clients, err := s.svc.Store.AuditClientChoices(ctx, v.scope)
	if err != nil {
		return pages.AuditLogProps{}, err
	}
	p.Clients = make([]pages.AuditOption, len(clients))
	for i, cl := range clients {
		p.Clients[i] = pages.AuditOption{Value: cl.ID, Label: cl.Name}
	}
	p.Clients = withCurrent(p.Clients, q.values.Client)
	for _, a := range audit.Actions(v.scope != "") {
		p.Actions = append(p.Actions, pages.AuditOption{Value: a.Name, Label: a.Label})
	}
	p.Actions = withCurrent(p.Actions, q.values.Action)
	if v.scope == "" {
		ws, err := s.svc.Store.AuditWorkspaceChoices(ctx)
		if err != nil {
			return pages.AuditLogProps{}, err
		}
		p.Workspaces = make([]pages.AuditOption, len(ws))
		for i, w := range ws {
			p.Workspaces[i] = pages.AuditOption{Value: w.ID, Label: w.Name}
		}
		p.Workspaces = withCurrent(p.Workspaces, q.values.Workspace)
	}
	return p, nil
}

// withCurrent adds the applied value to a select's options when it is not
// one of them (a deleted app, an action from a link), so the form shows the
// filter that is in force instead of "Any".
func withCurrent(options []pages.AuditOption, current string) []pages.AuditOption {
	if current == "" || slices.ContainsFunc(options, func(o pages.AuditOption) bool { return o.Value == current }) {
		return options
	}
	return append(options, pages.AuditOption{Value: current, Label: current})
}

// auditCSV streams a log's events matching the filters as CSV. The body
// is written while the rows are read, through fasthttp's stream writer
// (chunked): nothing is buffered but a few kilobytes, however many events
// match. A failure half-way can no longer change the status, so it ends
// the download early and is logged.
func (s *Server) auditCSV(c *fiber.Ctx, v auditView) error {
	q, err := s.parseAuditQuery(c, v)
	if err != nil {
		return err
	}
	if len(q.errs) > 0 {
		return fiber.NewError(fiber.StatusBadRequest, q.errs[0].Message)
	}
	name := "consentry-audit"
	if v.scope != "" {
		name += "-" + v.scope
	}
	name += "-" + time.Now().UTC().Format("20060102-150405") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	log, filter, scope, noMatch := s.auditLog(), q.filter, v.scope, q.noMatch
	conn, requestID := c.Context().Conn(), requestIDOf(c)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		// This runs on its own goroutine, while and after the handler
		// returns: nothing of c may be touched here.
		out := &deadlineWriter{w: w, conn: conn}
		var err error
		if noMatch {
			// Still a valid export: the header row, and no events.
			err = audit.WriteCSVHeader(out)
		} else {
			err = log.ExportCSV(context.Background(), out, scope, filter)
		}
		if err != nil {
			s.log.Warn("audit export ended early", "request_id", requestID, "error", err)
		}
	})
	return nil
}

// exportWriteWindow is how long each part of an export may take to reach
// the client. The server's write timeout is one deadline for a whole
// response, far too short for a large export; deadlineWriter moves it on
// as the rows go out, so only a stalled client is cut off.
const exportWriteWindow = 30 * time.Second

// deadlineWriter writes an export, flushing it to the client about every
// 64 KiB and moving the connection's write deadline on each time.
type deadlineWriter struct {
	w       *bufio.Writer
	conn    net.Conn
	pending int
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	n, err := d.w.Write(b)
	if err != nil {
		return n, err
	}
	if d.pending += n; d.pending >= 64<<10 {
		d.pending = 0
		if d.conn != nil {
			_ = d.conn.SetWriteDeadline(time.Now().Add(exportWriteWindow))
		}
		err = d.w.Flush()
	}
	return n, err
}

// auditQuery is a log's filters as entered (values) and as the store takes
// them (filter).
type auditQuery struct {
	values pages.AuditFilterValues
	filter models.AuditFilter
	errs   []components.FieldError
	// noMatch is set when a filter names something that does not exist (an
	// email no one has): no event can match.
	noMatch bool
}

// query is the filters (and a cursor, when before > 0) as a query string.
func (q auditQuery) query(before int64) string {
	v := url.Values{}
	for _, f := range []struct{ key, value string }{
		{"workspace", q.values.Workspace}, {"user", q.values.User}, {"client", q.values.Client},
		{"action", q.values.Action}, {"from", q.values.From}, {"to", q.values.To},
	} {
		if f.value != "" {
			v.Set(f.key, f.value)
		}
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	return v.Encode()
}

// queryPart is "?"+query, or nothing for an empty query.
func queryPart(query string) string {
	if query == "" {
		return ""
	}
	return "?" + query
}

// dateLayout is how the date inputs send dates.
const dateLayout = "2006-01-02"

// parseAuditQuery reads a log's filters from the query string. Dates are
// whole UTC days, "to" included. The workspace filter exists only in the
// platform's log; a workspace's log is confined to its workspace by the
// audit.Log whatever is asked.
func (s *Server) parseAuditQuery(c *fiber.Ctx, v auditView) (auditQuery, error) {
	get := func(key string, max int) string {
		val := strings.TrimSpace(c.Query(key))
		if len(val) > max {
			val = val[:max]
		}
		return val
	}
	q := auditQuery{values: pages.AuditFilterValues{
		User: get("user", 320), Client: get("client", 64), Action: get("action", 64),
		From: get("from", 10), To: get("to", 10),
	}}
	if v.scope == "" {
		q.values.Workspace = get("workspace", 36)
		q.filter.WorkspaceID = q.values.Workspace
	}
	q.filter.ClientID, q.filter.Action = q.values.Client, q.values.Action
	if before, err := strconv.ParseInt(c.Query("before"), 10, 64); err == nil && before > 0 {
		q.filter.Before = before
	}
	if q.values.User != "" {
		u, err := s.svc.Store.UserByEmail(c.UserContext(), q.values.User)
		switch {
		case err == nil:
			q.filter.UserID = u.ID
		case errors.Is(err, models.ErrNotFound):
			q.noMatch = true
		default:
			return auditQuery{}, err
		}
	}
	if q.values.From != "" {
		from, err := time.Parse(dateLayout, q.values.From)
		if err != nil {
			q.errs = append(q.errs, components.FieldError{Target: "audit-from", Message: "Enter the start date as a date, like 2026-05-09."})
		}
		q.filter.From = from
	}
	if q.values.To != "" {
		to, err := time.Parse(dateLayout, q.values.To)
		switch {
		case err != nil:
			q.errs = append(q.errs, components.FieldError{Target: "audit-to", Message: "Enter the end date as a date, like 2026-05-09."})
		case !q.filter.From.IsZero() && to.Before(q.filter.From):
			q.errs = append(q.errs, components.FieldError{Target: "audit-to", Message: "The end date is before the start date."})
		default:
			q.filter.To = to.AddDate(0, 0, 1)
		}
	}
	return q, nil
}
