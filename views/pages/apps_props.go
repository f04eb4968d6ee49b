package pages

import (
	"time"

	"github.com/consentry/consentry/views/layout"
)

// AppsProps is /apps: the signed-in user's connected apps.
type AppsProps struct {
	Layout layout.Page
	Apps   []AppSummary
	// Workspaces are the user's own workspaces, shown below the apps.
	Workspaces []WorkspaceRow
	// Now is the reference for relative times ("3 days ago").
	Now time.Time
}

// WorkspaceRow is one workspace the user belongs to.
type WorkspaceRow struct {
	Name string
	Role string
	// AdminURL is set when the user may administer the workspace.
	AdminURL string
}

// AppSummary is one connected app as a card.
type AppSummary struct {
	ClientID string
	Name     string
	LogoURL  string
	// HomepageURL may be empty.
	HomepageURL string
	// Can lists the granted scopes in plain words, catalog order.
	Can []ScopeSummary
	// In lists the names of the granted workspaces.
	In        []string
	GrantedAt time.Time
	// LastUsedAt is zero when the app never used its access.
	LastUsedAt time.Time
	DetailURL  string
}

// ScopeSummary is a granted scope as the person reads it.
type ScopeSummary struct {
	Name        string
	Title       string
	Description string
	Destructive bool
	Warning     string
}

// AppDetailProps is /apps/{client_id}: one connected app, with a Remove
// button per workspace and the way to revoke it.
type AppDetailProps struct {
	Layout     layout.Page
	App        AppSummary
	Workspaces []GrantedWorkspace
	// RevokeURL is the confirmation page (GET) for revoking the app.
	RevokeURL string
	Now       time.Time
}

// GrantedWorkspace is one workspace of a grant, with its removal form
// (POST RemoveURL with _csrf).
type GrantedWorkspace struct {
	ID        string
	Name      string
	Role      string
	RemoveURL string
}

// RevokeConfirmProps is the confirmation step before revoking an app.
type RevokeConfirmProps struct {
	Layout layout.Page
	App    AppSummary
	// WillStop says, sentence by sentence, what stops working.
	WillStop []string
	// PostURL is where the confirming form posts (with _csrf).
	PostURL   string
	CancelURL string
}

// WorkspaceAdminProps is /admin/workspaces/{id} for its owners and admins:
// which apps reach the workspace and who let them in, and the workspace's
// API keys.
type WorkspaceAdminProps struct {
	Layout        layout.Page
	WorkspaceName string
	Apps          []WorkspaceApp
	Now           time.Time
	// AuditURL is the workspace's audit log; no link when empty.
	AuditURL string

	// Members are everyone in the workspace with their role, by name, so
	// an admin can see whose grants these are.
	Members []MemberRow

	// APIKeys are the workspace's keys, newest first, revoked ones included.
	APIKeys []APIKeyRow
	// CreateKeyURL is where the new-key form posts (name, with _csrf).
	CreateKeyURL string
	// NewKey is the key just created, shown this once at the top of the
	// page; nil on every other render.
	NewKey *NewAPIKey
	// KeyName and KeyNameError re-fill the new-key form after a refused
	// name; KeyNameError is shown beside the field.
	KeyName      string
	KeyNameError string
}

// APIKeyRow is one API key in the workspace's list. The key itself is never
// here: only its Hint (last characters).
type APIKeyRow struct {
	ID   string
	Name string
	Hint string
	// CreatedBy is the creator's name; empty reads "Command line".
	CreatedBy string
	CreatedAt time.Time
	// LastUsedAt is zero when the key was never used.
	LastUsedAt time.Time
	Revoked    bool
	RevokedAt  time.Time
	// RevokeURL revokes the key (POST with _csrf); used only while active.
	RevokeURL string
}

// NewAPIKey is a key just created, with the key in clear: the only time it
// is ever shown.
type NewAPIKey struct {
	Name string
	Key  string
}

// WorkspaceApp is an app that reaches the workspace through members' grants.
type WorkspaceApp struct {
	ClientID string
	Name     string
	LogoURL  string
	Grantors []Grantor
	// RemoveURL removes the app from the workspace (POST with _csrf).
	RemoveURL string
}

// Grantor is a member whose grant lets an app into the workspace.
type Grantor struct {
	Name       string
	Email      string
	Role       string
	Scopes     []ScopeSummary
	GrantedAt  time.Time
	LastUsedAt time.Time
}

// MemberRow is one member of the workspace.
type MemberRow struct {
	Name  string
	Email string
	// Role is the role as people read it ("Owner").
	Role string
}
