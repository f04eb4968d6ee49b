package pages

import (
	"time"

	"github.com/consentry/consentry/views/components"
	"github.com/consentry/consentry/views/layout"
)

// AdminOverviewProps is /admin: the platform's totals, grant activity over
// the last 30 days, and whether the audit chain is intact.
type AdminOverviewProps struct {
	Layout layout.Page
	Counts []AdminCount
	Chart  components.BarChart
	Chain  AuditChainStatus
	Now    time.Time
}

// AdminCount is one total on the overview; Href, when set, leads to the
// list behind it.
type AdminCount struct {
	Label string
	Value int64
	Href  string
}

// AuditChainStatus is the result of verifying the audit chain.
type AuditChainStatus struct {
	// Intact is true when every link checked out; Events is how many.
	Intact bool
	Events int64
	// BrokenAt and Reason name the first bad link when not intact.
	BrokenAt int64
	Reason   string
	// Error is set when the check itself could not run.
	Error string
	// CheckedAt is when the result's check started; zero before the first
	// check has finished.
	CheckedAt time.Time
	// Checking is true while a check runs in the background: the first one
	// (no result yet) or a newer one than the result shown.
	Checking bool
}

// AdminClientsProps is /admin/clients: every registered client.
type AdminClientsProps struct {
	Layout  layout.Page
	Clients []AdminClientRow
	// NewURL is the registration form.
	NewURL string
	Now    time.Time
}

// AdminClientRow is one client in the registry's list.
type AdminClientRow struct {
	ID             string
	Name           string
	LogoURL        string
	Public         bool
	RedirectURIs   []string
	Scopes         []string
	ResourceServer bool
	Disabled       bool
	CreatedAt      time.Time
	// URL is the client's own page (details, edit, secret, disable).
	URL string
}

// ClientFormProps is the registration form (/admin/clients/new) and a
// client's own page (/admin/clients/{id}), which holds the same form for
// editing plus the secret and disable/enable actions.
type ClientFormProps struct {
	Layout layout.Page
	// Action is where the form posts (with _csrf).
	Action string
	Form   ClientForm
	// Scopes are the catalog's scopes, offered as checkboxes.
	Scopes []ScopeChoice
	// Errors are the refused fields' problems, in form order; each field
	// shows its own beside it and the summary at the top links to them.
	Errors []ClientFieldError
	// Client is the registered client; nil on the registration form.
	Client *ClientStatus
	// Credentials are shown once, right after registering or rotating.
	Credentials *ClientCredentials
	Now         time.Time
}

// ClientForm is what the form holds: the stored client, or what was typed.
type ClientForm struct {
	Name        string
	LogoURL     string
	HomepageURL string
	Public      bool
	// RedirectURIs is one URI per line, as in the textarea.
	RedirectURIs   string
	Scopes         []string
	ResourceServer bool
}

// ScopeChoice is a catalog scope as a checkbox.
type ScopeChoice struct {
	Name        string
	Title       string
	Description string
	Destructive bool
}

// ClientFieldError is one problem with one form field. Field is the
// field's name in the form (name, logo_url, homepage_url, redirect_uris,
// scopes); the message is in plain words.
type ClientFieldError struct {
	Field   string
	Message string
}

// ClientStatus is a registered client's identity, state and actions.
type ClientStatus struct {
	ID        string
	Name      string
	LogoURL   string
	Public    bool
	Disabled  bool
	CreatedAt time.Time
	// DisabledAt is zero while enabled.
	DisabledAt time.Time
	// RotateURL, DisableURL and EnableURL take POSTs with _csrf; RotateURL
	// is empty for a public client.
	RotateURL  string
	DisableURL string
	EnableURL  string
	// ListURL is the registry.
	ListURL string
}

// ClientCredentials are a client's id and, for a confidential client, its
// secret in clear: shown in this one response only.
type ClientCredentials struct {
	// Registered is true right after registering, false after rotating.
	Registered bool
	ClientID   string
	Secret     string
}

// AdminGrantsProps is /admin/grants: every live grant, searchable.
type AdminGrantsProps struct {
	Layout layout.Page
	Query  GrantQuery
	Grants []AdminGrantRow
	// OlderURL is the next (older) page; empty on the last one.
	OlderURL string
	// NewestURL leads back to the first page; empty on it.
	NewestURL string
	// ReturnTo is this page's own URL, carried by the revoke forms.
	ReturnTo string
	Now      time.Time
}

// GrantQuery is the search form's fields.
type GrantQuery struct {
	UserEmail string
	Client    string
	Workspace string
}

// Active reports whether any search field is filled in.
func (q GrantQuery) Active() bool {
	return q.UserEmail != "" || q.Client != "" || q.Workspace != ""
}

// AdminGrantRow is one live grant.
type AdminGrantRow struct {
	ID         string
	UserName   string
	UserEmail  string
	ClientName string
	ClientID   string
	Scopes     []ScopeSummary
	Workspaces []string
	GrantedAt  time.Time
	// LastUsedAt is zero when the grant was never used.
	LastUsedAt time.Time
	// RevokeURL revokes the grant (POST with _csrf and return_to).
	RevokeURL string
}
