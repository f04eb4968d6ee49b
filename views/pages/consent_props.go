package pages

import "github.com/consentry/consentry/views/layout"

// ConsentProps is the consent screen (SPEC §5): who asks, for what, in which
// workspaces. The form posts to /oauth/consent with _csrf, request, the
// checked scope and workspace values, and decision=approve|deny.
type ConsentProps struct {
	Layout layout.Page
	// Request is the authorization request the form answers, signed by the
	// server (hidden field "request"); nothing else about the request comes
	// from the form.
	Request string
	App     ConsentApp
	// SwitchAccountReturnTo is where "Not you?" comes back to after signing
	// out and in again (a local path: the authorization request).
	SwitchAccountReturnTo string
	// Reauthorization is true when the user already granted this app
	// something; then GrantedScopes lists what was already allowed and
	// NewScopes what is new. Otherwise every scope is in NewScopes.
	Reauthorization bool
	NewScopes       []ScopeRow
	GrantedScopes   []ScopeRow
	// ShowWorkspaces is true when a requested scope acts inside workspaces.
	ShowWorkspaces bool
	Workspaces     []WorkspaceChoice
	// NoWorkspaces is true when the picker is needed but the user belongs
	// to no workspace at all.
	NoWorkspaces bool
	// WorkspaceError is the inline error next to the picker (for example
	// "Choose at least one workspace"); ScopeError the one next to the
	// permissions. Either also appears in the summary at the top.
	WorkspaceError string
	ScopeError     string
}

// ConsentApp is the app asking for access.
type ConsentApp struct {
	Name         string
	LogoURL      string
	HomepageURL  string
	HomepageHost string
	// RedirectHost is where the browser will be sent back to.
	RedirectHost string
}

// ScopeRow is one permission the app asks for.
type ScopeRow struct {
	Name        string
	Title       string
	Description string
	Checked     bool
	Destructive bool
	Warning     string
}

// WorkspaceChoice is one of the user's workspaces in the picker.
type WorkspaceChoice struct {
	ID      string
	Name    string
	Role    string
	Checked bool
	// Notes say which requested permissions the user's role there cannot
	// exercise, e.g. "As a viewer you can't delete templates here."
	Notes []string
}
