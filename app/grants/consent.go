// Package grants is the grant lifecycle: consent decisions (what a person
// allows an app), and later narrowing and revoking, each in one transaction
// with its audit event.
package grants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/models"
)

// Errors that end a consent decision without granting anything.
var (
	// ErrRequestGone means the consent request expired, was already
	// answered, belongs to someone else, or was not signed by this server.
	ErrRequestGone = errors.New("this authorization request has expired or was already answered")
	// ErrOutsideRequest means the submitted choices include a scope that was
	// not requested or a workspace the user does not belong to.
	ErrOutsideRequest = errors.New("the submitted choices are not part of this request")
)

// Service takes consent decisions.
type Service struct {
	store   *models.Store
	engine  *oauth.Engine
	catalog *models.Catalog
	signer  requestSigner
	now     func() time.Time
}

// New returns a Service. requestKey signs the requests consent forms carry
// (signed_request.go): at least MinRequestKeyLength bytes, and the same on
// every instance that serves one database.
func New(store *models.Store, engine *oauth.Engine, requestKey []byte, now func() time.Time) (*Service, error) {
	signer, err := newRequestSigner(requestKey)
	if err != nil {
		return nil, err
	}
	return &Service{store: store, engine: engine, catalog: engine.Catalog(), signer: signer, now: now}, nil
}

// Screen is everything the consent screen shows for one request.
type Screen struct {
	// SignedRequest is what the form posts back as "request".
	SignedRequest string
	Request       oauth.AuthorizeRequest
	// Reauthorization is true when the user already has a grant to this app.
	Reauthorization bool
	Scopes          []ScopeChoice
	// NeedsWorkspace is true when a requested scope acts in workspaces.
	NeedsWorkspace bool
	Workspaces     []WorkspaceChoice
	// ScopeError and WorkspaceError explain a refused submission.
	ScopeError     string
	WorkspaceError string
}

// ScopeChoice is one requested scope.
type ScopeChoice struct {
	models.Scope
	// Granted says the current grant already allows it.
	Granted bool
	Checked bool
}

// WorkspaceChoice is one of the user's workspaces.
type WorkspaceChoice struct {
	models.UserWorkspace
	Checked bool
	// Unusable are requested scopes the user's role there cannot exercise.
	Unusable []models.Scope
}

// Start is where a validated authorization request goes for a signed-in
// user: straight back to the client with a code when nothing new is asked,
// or to the consent screen.
type Start struct {
	RedirectURL string
	Screen      *Screen
}

// Begin decides what a signed-in user's authorization request needs.
func (s *Service) Begin(ctx context.Context, user models.User, authTime time.Time, req oauth.AuthorizeRequest) (Start, error) {
	grant, hasGrant, err := s.activeGrant(ctx, user, req.Client.ID)
	if err != nil {
		return Start{}, err
	}
	needsWorkspace := s.needsWorkspace(req.Scopes)
	nothingNew := hasGrant && subset(req.Scopes, strings.Fields(grant.Scopes)) &&
		(!needsWorkspace || len(grant.WorkspaceIDs) > 0)
	if nothingNew && !req.PromptConsent() {
		var workspaces []string
		if needsWorkspace {
			workspaces = grant.WorkspaceIDs
		}
		var redirect string
		err := s.store.InTx(ctx, func(tx *models.Store) error {
			var err error
			redirect, err = s.engine.IssueCode(ctx, tx, oauth.CodeGrant{
				Request: req, UserID: user.ID, GrantID: grant.ID, Scopes: req.Scopes,
				WorkspaceIDs: workspaces, AuthTime: authTime,
			})
			return err
		})
		return Start{RedirectURL: redirect}, err
	}
	if req.PromptNone() {
		return Start{}, &oauth.RedirectError{
			Err:         &oauth.Error{Code: oauth.ErrCodeConsentRequired, Description: "the user must approve this request"},
			RedirectURI: req.RedirectURI, State: req.State,
		}
	}
	now := s.now()
	signed, err := s.signer.sign(signedRequest{
		ID: uuid.Must(uuid.NewV7()).String(), UserID: user.ID, ClientID: req.Client.ID, RedirectURI: req.RedirectURI,
		Scopes: strings.Join(req.Scopes, " "), State: req.State, Nonce: req.Nonce,
		CodeChallenge: req.CodeChallenge, Prompt: req.Prompt, AuthTime: unixNanos(authTime),
		ExpiresAt: unixNanos(now.Add(oauth.ConsentTTL)),
	})
	if err != nil {
		return Start{}, err
	}
	screen, err := s.screen(ctx, user, grant, hasGrant, signed, req, nil)
	if err != nil {
		return Start{}, err
	}
	return Start{Screen: screen}, nil
}

// screen builds the consent screen of req, signed as signed, for a user
// whose current grant to the client is grant (when hasGrant); submitted,
// when not nil, replaces the defaults with what the user had ticked.
func (s *Service) screen(ctx context.Context, user models.User, grant models.ActiveGrant, hasGrant bool, signed string, req oauth.AuthorizeRequest, submitted *Decision) (*Screen, error) {
	granted := strings.Fields(grant.Scopes)
	sc := &Screen{SignedRequest: signed, Request: req, Reauthorization: hasGrant, NeedsWorkspace: s.needsWorkspace(req.Scopes)}
	for _, name := range req.Scopes {
		scope, _ := s.catalog.Lookup(name)
		c := ScopeChoice{Scope: scope, Granted: slices.Contains(granted, name)}
		switch {
		case submitted != nil:
			c.Checked = slices.Contains(submitted.Scopes, name)
		case c.Granted:
			c.Checked = true
		default:
			c.Checked = scope.DefaultOn()
		}
		sc.Scopes = append(sc.Scopes, c)
	}
	if !sc.NeedsWorkspace {
		return sc, nil
	}
	memberships, err := s.store.WorkspacesOf(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range memberships {
		w := WorkspaceChoice{UserWorkspace: m}
		switch {
		case submitted != nil:
			w.Checked = slices.Contains(submitted.WorkspaceIDs, m.ID)
		case hasGrant:
			w.Checked = slices.Contains(grant.WorkspaceIDs, m.ID)
		default:
			// One workspace is the obvious choice; several need a decision.
			w.Checked = len(memberships) == 1
		}
		for _, name := range req.Scopes {
			if scope, _ := s.catalog.Lookup(name); scope.Workspace && !m.Role.AtLeast(scope.MinRole) {
				w.Unusable = append(w.Unusable, scope)
			}
		}
		sc.Workspaces = append(sc.Workspaces, w)
	}
	return sc, nil
}

// Decision is what the person chose on the consent screen.
type Decision struct {
	Approve      bool
	Scopes       []string
	WorkspaceIDs []string
}

// ChoiceError asks the person to fix their choices; Screen shows the form
// again with what they ticked and the errors.
type ChoiceError struct {
	Screen *Screen
}

func (e *ChoiceError) Error() string {
	return fmt.Sprintf("consent choices need fixing: %s %s", e.Screen.ScopeError, e.Screen.WorkspaceError)
}

// Decide carries out the person's decision on the request signed as signed
// (the consent form's "request") and returns the redirect back to the
// client: access_denied, or a code. Approval sets the grant (SPEC §6): its
// workspaces to exactly those picked, its scopes to the approved requested
// scopes plus earlier ones this request did not ask about; the code carries
// the approved scopes and picked workspaces. Either answer is recorded with
// what it does, so a request is answered once.
func (s *Service) Decide(ctx context.Context, user models.User, signed string, d Decision, actor models.Actor) (string, error) {
	p, err := s.signer.open(signed)
	if err != nil || p.UserID != user.ID || !s.now().Before(p.expiresAt()) {
		return "", ErrRequestGone
	}
	req, err := s.requestOf(ctx, p)
	if err != nil {
		return "", err
	}
	if !d.Approve {
		if err := s.store.InTx(ctx, func(tx *models.Store) error {
			return recordAnswer(ctx, tx, p)
		}); err != nil {
			return "", err
		}
		return s.engine.DenyRedirect(req), nil
	}
	approved, workspaces, err := s.checkChoices(ctx, user, req, d)
	if err != nil {
		return "", err
	}
	if len(approved) == 0 || (s.needsWorkspace(approved) && len(workspaces) == 0) {
		grant, hasGrant, err := s.activeGrant(ctx, user, req.Client.ID)
		if err != nil {
			return "", err
		}
		screen, err := s.screen(ctx, user, grant, hasGrant, signed, req, &d)
		if err != nil {
			return "", err
		}
		if len(approved) == 0 {
			screen.ScopeError = "Choose at least one permission, or select Cancel."
		} else {
			screen.WorkspaceError = "Choose at least one workspace."
		}
		return "", &ChoiceError{Screen: screen}
	}
	var redirect string
	err = s.store.InTx(ctx, func(tx *models.Store) error {
		if err := recordAnswer(ctx, tx, p); err != nil {
			return err
		}
		grantID, err := s.putGrant(ctx, tx, user, req, approved, workspaces, actor)
		if err != nil {
			return err
		}
		var tokenWorkspaces []string
		if s.needsWorkspace(approved) {
			tokenWorkspaces = workspaces
		}
		redirect, err = s.engine.IssueCode(ctx, tx, oauth.CodeGrant{
			Request: req, UserID: user.ID, GrantID: grantID, Scopes: approved,
			WorkspaceIDs: tokenWorkspaces, AuthTime: fromUnixNanos(p.AuthTime),
		})
		return err
	})
	return redirect, err
}

// checkChoices refuses anything outside the request or the user's
// memberships, and returns the approved scopes (catalog order) and the
// picked workspaces (membership order).
func (s *Service) checkChoices(ctx context.Context, user models.User, req oauth.AuthorizeRequest, d Decision) ([]string, []string, error) {
	for _, name := range d.Scopes {
		if !slices.Contains(req.Scopes, name) {
			return nil, nil, fmt.Errorf("%w: scope %q was not requested", ErrOutsideRequest, name)
		}
	}
	var approved []string
	for _, name := range req.Scopes {
		if slices.Contains(d.Scopes, name) {
			approved = append(approved, name)
		}
	}
	if !s.needsWorkspace(req.Scopes) {
		if len(d.WorkspaceIDs) > 0 {
			return nil, nil, fmt.Errorf("%w: this request does not ask for workspaces", ErrOutsideRequest)
		}
		return approved, nil, nil
	}
	memberships, err := s.store.WorkspacesOf(ctx, user.ID)
	if err != nil {
		return nil, nil, err
	}
	var picked []string
	for _, id := range d.WorkspaceIDs {
		if !slices.ContainsFunc(memberships, func(m models.UserWorkspace) bool { return m.ID == id }) {
			return nil, nil, fmt.Errorf("%w: workspace %q is not one of the user's", ErrOutsideRequest, id)
		}
	}
	for _, m := range memberships {
		if slices.Contains(d.WorkspaceIDs, m.ID) {
			picked = append(picked, m.ID)
		}
	}
	return approved, picked, nil
}

// putGrant writes the grant the decision leaves and its audit event.
func (s *Service) putGrant(ctx context.Context, tx *models.Store, user models.User, req oauth.AuthorizeRequest, approved, picked []string, actor models.Actor) (string, error) {
	before, err := tx.ActiveGrantOf(ctx, user.ID, req.Client.ID)
	existed := err == nil
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return "", err
	}
	oldScopes := strings.Fields(before.Scopes)
	scopes := slices.Clone(approved)
	for _, name := range oldScopes {
		if !slices.Contains(req.Scopes, name) {
			scopes = append(scopes, name)
		}
	}
	scopes = s.inCatalogOrder(scopes)
	workspaces := picked
	if !s.needsWorkspace(req.Scopes) {
		workspaces = before.WorkspaceIDs
	}
	now := s.now()
	// The ceiling rule: live tokens lose what the grant loses, for good.
	// Workspaces leave first, while the grant still lists them.
	var revoked int64
	removedScopes, removedWorkspaces := minus(oldScopes, scopes), minus(before.WorkspaceIDs, workspaces)
	for _, w := range removedWorkspaces {
		r, err := tx.RemoveGrantWorkspace(ctx, models.GrantFilter{GrantID: before.ID}, w, now)
		if err != nil {
			return "", err
		}
		revoked += r.TokensRevoked
	}
	grantID, err := tx.PutGrant(ctx, newGrantID(), user.ID, req.Client.ID, strings.Join(scopes, " "), workspaces, now)
	if err != nil {
		return "", err
	}
	rec := models.AuditRecord{SubjectUserID: user.ID, ClientID: req.Client.ID, WorkspaceIDs: union(before.WorkspaceIDs, workspaces)}
	if !existed {
		rec.Action = "grant.created"
		rec.Details = map[string]any{"scopes": scopes, "workspace_ids": nonNil(workspaces)}
	} else {
		diff := map[string]any{
			"scopes_added": minus(scopes, oldScopes), "scopes_removed": removedScopes,
			"workspaces_added": minus(workspaces, before.WorkspaceIDs), "workspaces_removed": removedWorkspaces,
		}
		if isEmptyDiff(diff) {
			return grantID, nil
		}
		n, err := tx.NarrowGrantScopes(ctx, grantID, removedScopes, now)
		if err != nil {
			return "", err
		}
		revoked += n
		rec.Action, rec.Details = "grant.updated", diff
	}
	return grantID, tx.RecordChange(ctx, actor, rec, revoked, now)
}

// activeGrant is the user's live grant to the client, if there is one.
func (s *Service) activeGrant(ctx context.Context, user models.User, clientID string) (models.ActiveGrant, bool, error) {
	grant, err := s.store.ActiveGrantOf(ctx, user.ID, clientID)
	if errors.Is(err, models.ErrNotFound) {
		return models.ActiveGrant{}, false, nil
	}
	return grant, err == nil, err
}

// recordAnswer records, in the decision's transaction, that p is answered;
// answered before, it is ErrRequestGone and the transaction rolls back.
func recordAnswer(ctx context.Context, tx *models.Store, p signedRequest) error {
	err := tx.RecordConsentAnswer(ctx, p.ID, p.expiresAt())
	if errors.Is(err, models.ErrConflict) {
		return ErrRequestGone
	}
	return err
}

// requestOf rebuilds the validated request p carries. The client is read
// again: one disabled since then cannot get a code.
func (s *Service) requestOf(ctx context.Context, p signedRequest) (oauth.AuthorizeRequest, error) {
	client, err := s.store.ClientByID(ctx, p.ClientID)
	if err != nil {
		return oauth.AuthorizeRequest{}, err
	}
	// So is what it may ask: a redirect URI or scope taken away from it
	// since the screen was shown gets no code.
	req := oauth.AuthorizeRequest{
		Client: client, RedirectURI: p.RedirectURI, Scopes: strings.Fields(p.Scopes), State: p.State,
		Nonce: p.Nonce, CodeChallenge: p.CodeChallenge, Prompt: p.Prompt,
	}
	if client.Disabled() || !oauth.StillAllowed(req) {
		return oauth.AuthorizeRequest{}, ErrRequestGone
	}
	return req, nil
}

func (s *Service) needsWorkspace(scopes []string) bool {
	for _, n := range scopes {
		if sc, ok := s.catalog.Lookup(n); ok && sc.Workspace {
			return true
		}
	}
	return false
}

func (s *Service) inCatalogOrder(names []string) []string {
	var out []string
	for _, n := range s.catalog.Names() {
		if slices.Contains(names, n) {
			out = append(out, n)
		}
	}
	return out
}
