package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
)

// Errors callers can test for with errors.Is.
var (
	// ErrInvalidCredentials is the one answer for an unknown email and a
	// wrong password, so sign-in does not reveal which accounts exist.
	ErrInvalidCredentials = errors.New("wrong email or password")
	ErrEmailTaken         = errors.New("a user with this email already exists")
	ErrUnknownEmail       = errors.New("no user has the email")
	ErrUnknownWorkspace   = errors.New("no workspace has the id")
	ErrWorkspaceNameTaken = errors.New("the owner already has a workspace with this name")
	ErrNotMember          = errors.New("the user is not a member of the workspace")
	ErrLastOwner          = errors.New("the workspace would be left without an owner")
)

// ThrottledError says sign-in is refused for a while after too many failures.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many sign-in attempts; try again in %s", e.RetryAfter.Round(time.Second))
}

// Service manages users, sign-in, workspaces and memberships.
type Service struct {
	store     *models.Store
	passwords *Passwords
	throttle  *Throttle
	now       func() time.Time
}

// New returns a Service over store. It shares the throttle's clock.
func New(store *models.Store, passwords *Passwords, throttle *Throttle) *Service {
	return &Service{store: store, passwords: passwords, throttle: throttle, now: throttle.now}
}

// NewUser is what it takes to create a user.
type NewUser struct {
	Email         string
	Password      string
	Name          string
	AvatarURL     string
	PlatformAdmin bool
}

// CreateUser validates and stores a new user with a hashed password. Without
// a name, the part of the email before the @ is used.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (models.User, error) {
	email := models.NormalizeEmail(in.Email)
	if err := validateEmail(email); err != nil {
		return models.User{}, fmt.Errorf("create user: %w", err)
	}
	if err := ValidatePassword(in.Password); err != nil {
		return models.User{}, fmt.Errorf("create user %q: %w", email, err)
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = email[:strings.IndexByte(email, '@')]
	}
	hash, err := s.passwords.Hash(in.Password)
	if err != nil {
		return models.User{}, fmt.Errorf("create user %q: %w", email, err)
	}
	u := models.User{
		ID: uuid.NewString(), Email: email, Name: name, AvatarURL: strings.TrimSpace(in.AvatarURL),
		PasswordHash: hash, PlatformAdmin: in.PlatformAdmin,
	}
	if err := s.store.CreateUser(ctx, &u); err != nil {
		if errors.Is(err, models.ErrConflict) {
			return models.User{}, fmt.Errorf("create user %q: %w", email, ErrEmailTaken)
		}
		return models.User{}, err
	}
	return u, nil
}

func validateEmail(email string) error {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email, "@") {
		return fmt.Errorf("%q is not a valid email address", email)
	}
	return nil
}

// Authenticate checks an email and password from ip. It answers
// ErrInvalidCredentials for an unknown email and a wrong password alike (and
// spends the same time on both), and a *ThrottledError once the account or
// the address has failed too often.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (models.User, error) {
	email = models.NormalizeEmail(email)
	if wait, blocked := s.throttle.Blocked(email, ip); blocked {
		return models.User{}, &ThrottledError{RetryAfter: wait}
	}
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		s.passwords.CheckNothing(password)
		s.throttle.Failed(email, ip)
		return models.User{}, ErrInvalidCredentials
	}
	if err != nil {
		return models.User{}, fmt.Errorf("authenticate: %w", err)
	}
	ok, err := s.passwords.Check(password, u.PasswordHash)
	if err != nil {
		return models.User{}, fmt.Errorf("authenticate %q: %w", email, err)
	}
	if !ok {
		s.throttle.Failed(email, ip)
		return models.User{}, ErrInvalidCredentials
	}
	s.throttle.Succeeded(email)
	return u, nil
}

// CreateWorkspace creates a workspace owned by the user with ownerEmail.
func (s *Service) CreateWorkspace(ctx context.Context, name, ownerEmail string) (models.Workspace, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return models.Workspace{}, errors.New("create workspace: name is empty")
	}
	if len(name) > 200 {
		return models.Workspace{}, errors.New("create workspace: name is longer than 200 bytes")
	}
	owner, err := s.userByEmail(ctx, s.store, ownerEmail)
	if err != nil {
		return models.Workspace{}, fmt.Errorf("create workspace %q: %w", name, err)
	}
	w := models.Workspace{ID: uuid.NewString(), Name: name, CreatedByID: owner.ID}
	if err := s.store.CreateWorkspace(ctx, &w); err != nil {
		if errors.Is(err, models.ErrConflict) {
			return models.Workspace{}, fmt.Errorf("create workspace %q for %s: %w", name, owner.Email, ErrWorkspaceNameTaken)
		}
		return models.Workspace{}, err
	}
	return w, nil
}

// AddMember puts the user with email into a workspace with a role, or changes
// the role of an existing member. The last owner cannot be demoted.
func (s *Service) AddMember(ctx context.Context, workspaceID, email string, role models.Role) error {
	if !role.Valid() {
		return fmt.Errorf("add member: unknown role %q (want owner, admin, member or viewer)", role)
	}
	return s.store.InTx(ctx, func(tx *models.Store) error {
		w, u, err := s.workspaceAndUser(ctx, tx, workspaceID, email)
		if err != nil {
			return fmt.Errorf("add member: %w", err)
		}
		if role != models.RoleOwner {
			if err := s.keepAnOwner(ctx, tx, w, u); err != nil {
				return fmt.Errorf("make %s %s of %q: %w", u.Email, role, w.Name, err)
			}
		}
		return tx.PutMembership(ctx, w.ID, u.ID, role)
	})
}

// RemoveMember takes the user with email out of a workspace. The last owner
// cannot leave. The workspace leaves every grant of theirs at once, and
// tokens left without a workspace are revoked, in the same transaction as
// the audit event (SPEC §6).
func (s *Service) RemoveMember(ctx context.Context, workspaceID, email string, actor models.Actor) error {
	return s.store.InTx(ctx, func(tx *models.Store) error {
		w, u, err := s.workspaceAndUser(ctx, tx, workspaceID, email)
		if err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		m, err := tx.MembershipOf(ctx, w.ID, u.ID)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("remove %s from %q: %w", u.Email, w.Name, ErrNotMember)
		}
		if err != nil {
			return err
		}
		if err := s.keepAnOwner(ctx, tx, w, u); err != nil {
			return fmt.Errorf("remove %s from %q: %w", u.Email, w.Name, err)
		}
		if err := tx.DeleteMembership(ctx, w.ID, u.ID); err != nil {
			return err
		}
		now := s.now()
		removal, err := tx.RemoveGrantWorkspace(ctx, models.GrantFilter{UserID: u.ID}, w.ID, now)
		if err != nil {
			return err
		}
		return tx.RecordChange(ctx, actor, models.AuditRecord{
			Action: "membership.removed", SubjectUserID: u.ID, WorkspaceIDs: []string{w.ID},
			Details: map[string]any{"role": string(m.Role), "grants_narrowed": removal.Grants},
		}, removal.TokensRevoked, now)
	})
}

// keepAnOwner refuses a change that would take the workspace's only owner
// away from the owner role.
func (s *Service) keepAnOwner(ctx context.Context, tx *models.Store, w models.Workspace, u models.User) error {
	m, err := tx.MembershipOf(ctx, w.ID, u.ID)
	if errors.Is(err, models.ErrNotFound) || (err == nil && m.Role != models.RoleOwner) {
		return nil
	}
	if err != nil {
		return err
	}
	owners, err := tx.CountOwners(ctx, w.ID)
	if err != nil {
		return err
	}
	if owners <= 1 {
		return ErrLastOwner
	}
	return nil
}

func (s *Service) workspaceAndUser(ctx context.Context, tx *models.Store, workspaceID, email string) (models.Workspace, models.User, error) {
	w, err := tx.WorkspaceByID(ctx, workspaceID)
	if errors.Is(err, models.ErrNotFound) {
		return models.Workspace{}, models.User{}, fmt.Errorf("%w %q", ErrUnknownWorkspace, workspaceID)
	}
	if err != nil {
		return models.Workspace{}, models.User{}, err
	}
	u, err := s.userByEmail(ctx, tx, email)
	if err != nil {
		return models.Workspace{}, models.User{}, err
	}
	return w, u, nil
}

func (s *Service) userByEmail(ctx context.Context, store *models.Store, email string) (models.User, error) {
	u, err := store.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return models.User{}, fmt.Errorf("%w %q", ErrUnknownEmail, models.NormalizeEmail(email))
	}
	return u, err
}
