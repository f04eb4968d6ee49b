// Package demo creates the demo data of `consentry demo`: a few people, their
// workspaces and a sample third-party app, idempotently, so that restarting
// the demo on the same database changes nothing.
package demo

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/google/uuid"
	"slices"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// The demo client: a confidential app served by Consentry itself under /demo.
const (
	// ClientID is the demo client's client_id.
	ClientID = "demo-app"
	// ClientName is the name the consent screen shows for the demo client.
	ClientName = "Pixel Reports (demo)"
	// AppPath is where the sample app is mounted, relative to the issuer.
	AppPath = "/demo"
	// CallbackPath is the demo client's redirect URI, relative to the issuer.
	CallbackPath = AppPath + "/callback"
)

// secretLabel is the HMAC message the demo client secret is derived from.
const secretLabel = "consentry demo client secret"

// ClientSecret derives the demo client's secret from the session key, so a
// restart yields the same secret, nothing is stored in clear, and the sample
// app running in the same process can compute it.
func ClientSecret(sessionKey []byte) string {
	mac := hmac.New(sha256.New, sessionKey)
	mac.Write([]byte(secretLabel))
	return secret.PrefixClientSecret + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// RedirectURI is the demo client's redirect URI under issuer.
func RedirectURI(issuer string) string { return issuer + CallbackPath }

// Services are what seeding works through.
type Services struct {
	Store    *models.Store
	Accounts *accounts.Service
	Clients  *clients.Registry
	Catalog  *models.Catalog
}

// Account is a demo person and how to sign in as them.
type Account struct {
	ID            string
	Email         string
	Password      string
	Name          string
	PlatformAdmin bool
	// Roles lists the account's demo workspaces, in seeding order.
	Roles []WorkspaceRole
}

// WorkspaceRole is an account's role in one demo workspace.
type WorkspaceRole struct {
	Workspace string
	Role      models.Role
}

// Workspace is a demo workspace.
type Workspace struct {
	ID    string
	Name  string
	Owner string // the owner's email
}

// Summary is what Seed made or found, for printing the sign-in details.
type Summary struct {
	Accounts    []Account
	Workspaces  []Workspace
	ClientID    string
	RedirectURI string
	// Warnings are problems with existing demo data that seeding cannot fix,
	// such as a demo client whose stored secret no longer matches the key.
	Warnings []string
}

type personSpec struct {
	email, password, name string
	platformAdmin         bool
}

type workspaceSpec struct {
	name, owner string
	// members are the members other than the owner.
	members []memberSpec
}

type memberSpec struct {
	email string
	role  models.Role
}

// demoPeople are the demo accounts of SPEC §10. Carol exists only because
// "Acme Design" needs an owner.
func demoPeople() []personSpec {
	return []personSpec{
		{email: "alice@example.com", password: "alice-password", name: "Alice Example"},
		{email: "bob@example.com", password: "bob-password", name: "Bob Builder"},
		{email: "admin@example.com", password: "admin-password", name: "Ada Admin", platformAdmin: true},
		{email: "carol@example.com", password: "carol-password", name: "Carol Designer"},
	}
}

// demoWorkspaces are the demo workspaces of SPEC §10; owners and members
// are emails from demoPeople.
func demoWorkspaces() []workspaceSpec {
	return []workspaceSpec{
		{name: "Acme Marketing", owner: "alice@example.com", members: []memberSpec{{"bob@example.com", models.RoleViewer}}},
		{name: "Acme Design", owner: "carol@example.com", members: []memberSpec{{"alice@example.com", models.RoleMember}}},
		{name: "Bob's Studio", owner: "bob@example.com"},
	}
}

// Seed creates whatever demo data is missing and leaves the rest alone:
// existing users keep their passwords, existing members keep their roles.
// The demo client's redirect URI follows issuer, which must have no trailing
// slash.
func Seed(ctx context.Context, svc Services, issuer string, sessionKey []byte) (Summary, error) {
	sum := Summary{ClientID: ClientID, RedirectURI: RedirectURI(issuer)}
	people := demoPeople()
	index := make(map[string]int, len(people))
	for _, p := range people {
		u, err := ensureUser(ctx, svc, p)
		if err != nil {
			return Summary{}, fmt.Errorf("seed demo data: %w", err)
		}
		index[p.email] = len(sum.Accounts)
		sum.Accounts = append(sum.Accounts, Account{
			ID: u.ID, Email: p.email, Password: p.password, Name: u.Name, PlatformAdmin: u.PlatformAdmin,
		})
	}
	for _, ws := range demoWorkspaces() {
		owner := sum.Accounts[index[ws.owner]]
		w, err := ensureWorkspace(ctx, svc, ws, owner.ID)
		if err != nil {
			return Summary{}, fmt.Errorf("seed demo data: %w", err)
		}
		sum.Workspaces = append(sum.Workspaces, Workspace{ID: w.ID, Name: w.Name, Owner: ws.owner})
		sum.Accounts[index[ws.owner]].Roles = append(sum.Accounts[index[ws.owner]].Roles, WorkspaceRole{w.Name, models.RoleOwner})
		for _, m := range ws.members {
			role, err := ensureMember(ctx, svc, w, m, sum.Accounts[index[m.email]].ID)
			if err != nil {
				return Summary{}, fmt.Errorf("seed demo data: %w", err)
			}
			a := &sum.Accounts[index[m.email]]
			a.Roles = append(a.Roles, WorkspaceRole{w.Name, role})
		}
	}
	warnings, err := ensureClient(ctx, svc, issuer, sessionKey)
	if err != nil {
		return Summary{}, fmt.Errorf("seed demo data: %w", err)
	}
	if err := SeedTemplates(ctx, svc.Store); err != nil {
		return Summary{}, fmt.Errorf("seed demo data: %w", err)
	}
	sum.Warnings = warnings
	return sum, nil
}

// sampleTemplates are what every demo workspace starts with.
var sampleTemplates = []struct{ name, kind string }{
	{"Quarterly report cover", "pdf"},
	{"Product launch banner", "image"},
	{"Social media teaser", "video"},
}

// SeedTemplates gives every workspace that has no templates the sample ones
// (the demo's templates API), including workspaces created since the last
// start. Workspaces that have templates, or had them deleted down to some,
// are left alone.
func SeedTemplates(ctx context.Context, store *models.Store) error {
	ids, err := store.WorkspacesWithoutTemplates(ctx)
	if err != nil {
		return err
	}
	var ts []models.Template
	for _, id := range ids {
		for _, t := range sampleTemplates {
			ts = append(ts, models.Template{ID: uuid.NewString(), WorkspaceID: id, Name: t.name, Kind: t.kind})
		}
	}
	return store.CreateTemplates(ctx, ts)
}

func ensureUser(ctx context.Context, svc Services, p personSpec) (models.User, error) {
	u, err := svc.Store.UserByEmail(ctx, p.email)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return models.User{}, err
	}
	return svc.Accounts.CreateUser(ctx, accounts.NewUser{
		Email: p.email, Password: p.password, Name: p.name, PlatformAdmin: p.platformAdmin,
	})
}

func ensureWorkspace(ctx context.Context, svc Services, ws workspaceSpec, ownerID string) (models.Workspace, error) {
	w, err := svc.Store.WorkspaceByCreatorAndName(ctx, ownerID, ws.name)
	if err == nil {
		return w, nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return models.Workspace{}, err
	}
	return svc.Accounts.CreateWorkspace(ctx, ws.name, ws.owner)
}

// ensureMember adds a missing member and returns the role the member has, which
// for an existing member may have been changed since the first seeding.
func ensureMember(ctx context.Context, svc Services, w models.Workspace, m memberSpec, userID string) (models.Role, error) {
	existing, err := svc.Store.MembershipOf(ctx, w.ID, userID)
	if err == nil {
		return existing.Role, nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return "", err
	}
	if err := svc.Accounts.AddMember(ctx, w.ID, m.email, m.role); err != nil {
		return "", err
	}
	return m.role, nil
}

// ensureClient registers the demo client, or points an existing one at the
// current issuer. A stored secret that no longer matches the session key, or a
// disabled client, cannot be repaired here and is reported as a warning.
func ensureClient(ctx context.Context, svc Services, issuer string, sessionKey []byte) ([]string, error) {
	plain := ClientSecret(sessionKey)
	redirect := RedirectURI(issuer)
	c, err := svc.Store.ClientByID(ctx, ClientID)
	if errors.Is(err, models.ErrNotFound) {
		_, err := svc.Clients.Register(ctx, clients.Registration{
			ID: ClientID, Name: ClientName, HomepageURL: issuer + AppPath,
			RedirectURIs: []string{redirect}, Scopes: svc.Catalog.Names(), Secret: plain,
		})
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if !slices.Equal(c.RedirectURIs, []string{redirect}) {
		if err := oauth.ValidateRedirectURI(redirect); err != nil {
			return nil, fmt.Errorf("demo client: %w", err)
		}
		if err := svc.Store.SetClientRedirectURIs(ctx, ClientID, []string{redirect}); err != nil {
			return nil, err
		}
	}
	var warnings []string
	if !secret.Matches(c.SecretHash, plain) {
		warnings = append(warnings, fmt.Sprintf("the stored secret of client %q was made with another session key; the sample app cannot sign in (use the first session key or a new database)", ClientID))
	}
	if c.Disabled() {
		warnings = append(warnings, fmt.Sprintf("client %q is disabled; the sample app cannot sign in", ClientID))
	}
	return warnings, nil
}
