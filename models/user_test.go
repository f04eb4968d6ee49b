package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

var normalizeEmailTests = []struct {
	in, want string
}{
	{"alice@example.com", "alice@example.com"},
	{"Alice@Example.COM", "alice@example.com"},
	{"  bob@example.com\t", "bob@example.com"},
	{"", ""},
}

func TestNormalizeEmail(t *testing.T) {
	for _, tt := range normalizeEmailTests {
		if got := models.NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCreateUserFoldsEmailCase(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := models.User{ID: uuid.NewString(), Email: "  Alice@Example.COM ", Name: "Alice", PasswordHash: "h", PlatformAdmin: true}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if got, want := u.Email, "alice@example.com"; got != want {
		t.Errorf("email on the created user = %q, want %q", got, want)
	}
	stored, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	if got, want := stored.Email, "alice@example.com"; got != want {
		t.Errorf("stored email = %q, want %q", got, want)
	}
	if !stored.PlatformAdmin {
		t.Error("stored PlatformAdmin = false, want true")
	}
}

func TestCreateUserDuplicateEmailInAnyCaseConflicts(t *testing.T) {
	for _, email := range []string{"carol@example.com", "CAROL@example.com", " Carol@Example.Com "} {
		t.Run(email, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t)
			newUser(t, s, "carol@example.com")
			dup := models.User{ID: uuid.NewString(), Email: email, Name: "Other", PasswordHash: "h"}
			if err := s.CreateUser(ctx, &dup); !errors.Is(err, models.ErrConflict) {
				t.Fatalf("CreateUser(%q) err = %v, want ErrConflict", email, err)
			}
			if _, err := s.UserByID(ctx, dup.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("duplicate was stored: UserByID err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestCreateUserDuplicateIDConflicts(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "first@example.com")
	dup := models.User{ID: u.ID, Email: "second@example.com", Name: "S", PasswordHash: "h"}
	if err := s.CreateUser(ctx, &dup); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("CreateUser with a used id: err = %v, want ErrConflict", err)
	}
}

var userByEmailTests = []struct {
	name    string
	lookup  string
	wantErr error
}{
	{"exact", "dave@example.com", nil},
	{"upper case", "DAVE@EXAMPLE.COM", nil},
	{"mixed case with spaces", "  Dave@Example.com ", nil},
	{"unknown", "eve@example.com", models.ErrNotFound},
	{"empty", "", models.ErrNotFound},
}

func TestUserByEmail(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	dave := newUser(t, s, "dave@example.com")
	newUser(t, s, "someone.else@example.com")
	for _, tt := range userByEmailTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.UserByEmail(ctx, tt.lookup)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("UserByEmail(%q) err = %v, want %v", tt.lookup, err, tt.wantErr)
			}
			if tt.wantErr == nil && got.ID != dave.ID {
				t.Errorf("UserByEmail(%q) = user %q, want %q", tt.lookup, got.ID, dave.ID)
			}
			if tt.wantErr != nil && got.ID != "" {
				t.Errorf("UserByEmail(%q) returned user %q with an error", tt.lookup, got.ID)
			}
		})
	}
}

func TestUserByIDUnknownIsNotFound(t *testing.T) {
	s := storetest.Open(t)
	if _, err := s.UserByID(context.Background(), "nobody"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("UserByID(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestSetPassword(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "pw@example.com")
	other := newUser(t, s, "other@example.com")
	if err := s.SetPassword(ctx, u.ID, "new-hash"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	got, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PasswordHash != "new-hash" {
		t.Errorf("password hash = %q, want %q", got.PasswordHash, "new-hash")
	}
	untouched, err := s.UserByID(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if untouched.PasswordHash != other.PasswordHash {
		t.Errorf("another user's hash changed to %q", untouched.PasswordHash)
	}
	if err := s.SetPassword(ctx, "nobody", "x"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("SetPassword(unknown) err = %v, want ErrNotFound", err)
	}
}
