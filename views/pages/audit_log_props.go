package pages

import (
	"time"

	"github.com/consentry/consentry/views/components"
	"github.com/consentry/consentry/views/layout"
)

// AuditLogProps is an audit log page: the platform's whole trail
// (/admin/audit) or one workspace's events (/admin/workspaces/{id}/audit).
type AuditLogProps struct {
	Layout layout.Page
	// AdminNav is the platform admin menu's current page
	// (components.AdminPageAudit); empty hides the menu (a workspace's log).
	AdminNav string
	// Eyebrow is the small label above the heading ("Platform admin").
	Eyebrow string
	// Heading is the h1: "Audit log" or "Audit log of Acme Marketing".
	Heading string
	// Lede says whose events these are.
	Lede string
	// BackURL and BackLabel lead to the page above; no link when empty.
	BackURL   string
	BackLabel string

	// FormURL is where the filter form goes (GET): the page itself, which
	// is also "Clear filters".
	FormURL string
	Filter  AuditFilterValues
	// Workspaces are the workspace filter's choices; nil hides that filter
	// (a workspace's own log).
	Workspaces []AuditOption
	Clients    []AuditOption
	Actions    []AuditOption
	// Errors are filter values that could not be used, each shown beside
	// its field (Target is the field id: audit-user, audit-from, audit-to)
	// and in a summary above the form.
	Errors []components.FieldError
	// CSVURL exports every event matching the applied filters.
	CSVURL string

	Rows []AuditRow
	// OlderURL is the next, older page ("Older →"), carrying the cursor and
	// the filters; empty on the last page.
	OlderURL string
	// NewestURL goes back to the first page; set on every later page.
	NewestURL string
	// Now is the reference for relative times.
	Now time.Time
}

// Filtered reports whether any filter is applied.
func (p AuditLogProps) Filtered() bool {
	return p.Filter != AuditFilterValues{}
}

// AuditFilterValues are the filter form's values as entered: ids for the
// selects, an email, and dates as YYYY-MM-DD.
type AuditFilterValues struct {
	Workspace string
	User      string
	Client    string
	Action    string
	From      string
	To        string
}

// AuditOption is one choice of a filter's select.
type AuditOption struct {
	Value string
	Label string
}

// AuditRow is one event in the log.
type AuditRow struct {
	ID         int64
	OccurredAt time.Time
	// ActorKind is "user", "app", "api_key", "cli" or "system"; users are
	// shown with their email under the name, the others with what they are.
	ActorKind  string
	ActorName  string
	ActorEmail string
	// Sentence is what happened in plain words.
	Sentence string
	// Action is the event's technical name (grant.created), shown small.
	Action string
	IP     string
	// Raw is the whole event as indented JSON, behind a disclosure.
	Raw string
}
