package models_test

import (
	"testing"

	"github.com/consentry/consentry/models"
)

var parseRoleTests = []struct {
	in      string
	want    models.Role
	wantErr bool
}{
	{"owner", models.RoleOwner, false},
	{"admin", models.RoleAdmin, false},
	{"member", models.RoleMember, false},
	{"viewer", models.RoleViewer, false},
	{"Owner", models.RoleOwner, false},
	{"ADMIN", models.RoleAdmin, false},
	{"  Member ", models.RoleMember, false},
	{"", "", true},
	{"root", "", true},
	{"owners", "", true},
	{"view er", "", true},
}

func TestParseRole(t *testing.T) {
	for _, tt := range parseRoleTests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := models.ParseRole(tt.in)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("ParseRole(%q) err = %v, want error: %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseRole(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// roleStrength ranks the four roles; anything else is absent.
var roleStrength = map[models.Role]int{
	models.RoleViewer: 1, models.RoleMember: 2, models.RoleAdmin: 3, models.RoleOwner: 4,
}

// rolesUnderTest includes roles that are not roles: they must never satisfy
// nor be satisfied.
var rolesUnderTest = []models.Role{
	models.RoleOwner, models.RoleAdmin, models.RoleMember, models.RoleViewer,
	"", "root", "Owner",
}

func TestRoleAtLeast(t *testing.T) {
	for _, r := range rolesUnderTest {
		for _, min := range rolesUnderTest {
			rs, rok := roleStrength[r]
			ms, mok := roleStrength[min]
			want := rok && mok && rs >= ms
			if got := r.AtLeast(min); got != want {
				t.Errorf("Role(%q).AtLeast(%q) = %v, want %v", r, min, got, want)
			}
		}
	}
}

// atLeastSpotChecks pins the order in plain words, so a mistake in the table
// above cannot hide one in AtLeast.
var atLeastSpotChecks = []struct {
	r, min models.Role
	want   bool
}{
	{models.RoleOwner, models.RoleViewer, true},
	{models.RoleAdmin, models.RoleOwner, false},
	{models.RoleMember, models.RoleMember, true},
	{models.RoleViewer, models.RoleMember, false},
	{models.RoleMember, models.RoleAdmin, false},
	{"root", models.RoleViewer, false},
	{models.RoleOwner, "root", false},
}

func TestRoleAtLeastSpotChecks(t *testing.T) {
	for _, tt := range atLeastSpotChecks {
		if got := tt.r.AtLeast(tt.min); got != tt.want {
			t.Errorf("Role(%q).AtLeast(%q) = %v, want %v", tt.r, tt.min, got, tt.want)
		}
	}
}

var roleMethodTests = []struct {
	r             models.Role
	valid         bool
	canAdminister bool
	label         string
}{
	{models.RoleOwner, true, true, "Owner"},
	{models.RoleAdmin, true, true, "Admin"},
	{models.RoleMember, true, false, "Member"},
	{models.RoleViewer, true, false, "Viewer"},
	{"root", false, false, "root"},
	{"", false, false, ""},
}

func TestRoleValidCanAdministerLabel(t *testing.T) {
	for _, tt := range roleMethodTests {
		t.Run(string(tt.r), func(t *testing.T) {
			if got := tt.r.Valid(); got != tt.valid {
				t.Errorf("Valid() = %v, want %v", got, tt.valid)
			}
			if got := tt.r.CanAdminister(); got != tt.canAdminister {
				t.Errorf("CanAdminister() = %v, want %v", got, tt.canAdminister)
			}
			if got := tt.r.Label(); got != tt.label {
				t.Errorf("Label() = %q, want %q", got, tt.label)
			}
		})
	}
}
