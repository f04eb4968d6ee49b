package models_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/models"
)

// specCatalog is the default catalog of SPEC §2.
var specCatalog = []struct {
	name        string
	defaultOn   bool
	destructive bool
	workspace   bool
	minRole     models.Role
	description string
}{
	{"openid", true, false, false, "", "your unique account ID"},
	{"profile", true, false, false, "", "your name and avatar"},
	{"email", true, false, false, "", "your email address"},
	{"workspace:read", true, false, true, models.RoleViewer, "list and read the chosen workspaces"},
	{"workspace:templates:read", true, false, true, models.RoleViewer, "read templates in the chosen workspaces"},
	{"workspace:templates:write", false, true, true, models.RoleMember, "delete templates in the chosen workspaces"},
	{"render:generate", true, false, true, models.RoleMember, "generate images, PDFs and videos from templates"},
	{"mcp:access", true, false, false, "", "use the Model Context Protocol on your behalf"},
	{"offline_access", true, false, false, "", "keep access while you are away (a refresh token)"},
}

func TestDefaultCatalogMatchesTheSpec(t *testing.T) {
	c := models.DefaultCatalog()
	var wantNames []string
	for _, want := range specCatalog {
		wantNames = append(wantNames, want.name)
		got, ok := c.Lookup(want.name)
		if !ok {
			t.Errorf("scope %q missing", want.name)
			continue
		}
		if got.Name != want.name || got.DefaultOn() != want.defaultOn || got.Destructive != want.destructive ||
			got.Workspace != want.workspace || got.MinRole != want.minRole || got.Description != want.description {
			t.Errorf("scope %q = %+v, want default on %v, destructive %v, workspace %v, min_role %q, description %q",
				want.name, got, want.defaultOn, want.destructive, want.workspace, want.minRole, want.description)
		}
		if got.Destructive && !strings.Contains(strings.ToLower(got.Warning), "cannot be undone") {
			t.Errorf("scope %q warning = %q, want it to say deletions cannot be undone", want.name, got.Warning)
		}
	}
	if got := c.Names(); !slices.Equal(got, wantNames) {
		t.Errorf("Names() = %q, want %q", got, wantNames)
	}
}

func TestCatalogAllIsACopy(t *testing.T) {
	c := models.DefaultCatalog()
	all := c.All()
	if len(all) != len(specCatalog) {
		t.Fatalf("len(All()) = %d, want %d", len(all), len(specCatalog))
	}
	all[0].Name = "changed"
	if got := c.All()[0].Name; got != "openid" {
		t.Errorf("All()[0].Name after changing the returned slice = %q, want %q", got, "openid")
	}
}

func TestCatalogLookupUnknown(t *testing.T) {
	if s, ok := models.DefaultCatalog().Lookup("admin:everything"); ok {
		t.Errorf("Lookup(unknown) = %+v, true; want false", s)
	}
}

var unknownScopeTests = []struct {
	name string
	in   []string
	want []string
}{
	{"all known", []string{"openid", "workspace:read"}, nil},
	{"none", nil, nil},
	{"unknown kept in order", []string{"zzz", "openid", "aaa"}, []string{"zzz", "aaa"}},
	{"case matters", []string{"OpenID"}, []string{"OpenID"}},
	{"empty name is unknown", []string{""}, []string{""}},
}

func TestCatalogUnknown(t *testing.T) {
	c := models.DefaultCatalog()
	for _, tt := range unknownScopeTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Unknown(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Unknown(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// goodEntry is a valid plain scope for building catalogs in tests.
const goodEntry = `{"name": "openid", "title": "ID", "description": "your id", "default": "on"}`

// catalogOf wraps entries into a catalog file.
func catalogOf(entries ...string) string {
	return `{"scopes": [` + strings.Join(entries, ",") + `]}`
}

// badCatalogTests hold catalogs that must be refused; the error must contain
// every string of want, which names the bad entry and what is wrong with it.
var badCatalogTests = []struct {
	name string
	json string
	want []string
}{
	{
		name: "empty name",
		json: catalogOf(goodEntry, `{"name": "", "title": "T", "description": "D", "default": "on"}`),
		want: []string{"entry 2", `("")`, "name is empty"},
	},
	{
		name: "name with a space",
		json: catalogOf(`{"name": "read all", "title": "T", "description": "D", "default": "on"}`),
		want: []string{"entry 1", `"read all"`, "characters"},
	},
	{
		name: "name with a quote",
		json: catalogOf(`{"name": "a\"b", "title": "T", "description": "D", "default": "on"}`),
		want: []string{"entry 1", `a\"b`, "characters"},
	},
	{
		name: "name with a backslash",
		json: catalogOf(`{"name": "a\\b", "title": "T", "description": "D", "default": "on"}`),
		want: []string{"entry 1", `a\\b`, "characters"},
	},
	{
		name: "name with a non-ASCII letter",
		json: catalogOf(`{"name": "café", "title": "T", "description": "D", "default": "on"}`),
		want: []string{"entry 1", "caf", "characters"},
	},
	{
		name: "missing title",
		json: catalogOf(`{"name": "x", "description": "D", "default": "on"}`),
		want: []string{"entry 1", `"x"`, "title is empty"},
	},
	{
		name: "blank title",
		json: catalogOf(`{"name": "x", "title": "  ", "description": "D", "default": "on"}`),
		want: []string{"entry 1", `"x"`, "title is empty"},
	},
	{
		name: "missing description",
		json: catalogOf(`{"name": "x", "title": "T", "default": "on"}`),
		want: []string{"entry 1", `"x"`, "description is empty"},
	},
	{
		name: "missing default",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D"}`),
		want: []string{"entry 1", `"x"`, "default"},
	},
	{
		name: "default neither on nor off",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "yes"}`),
		want: []string{"entry 1", `"x"`, `default is "yes"`},
	},
	{
		name: "default in upper case",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "ON"}`),
		want: []string{"entry 1", `"x"`, `default is "ON"`},
	},
	{
		name: "destructive with default on",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "on", "destructive": true, "warning": "W"}`),
		want: []string{"entry 1", `"x"`, "destructive", `"off"`},
	},
	{
		name: "destructive without a warning",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "off", "destructive": true}`),
		want: []string{"entry 1", `"x"`, "needs a warning"},
	},
	{
		name: "destructive with a blank warning",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "off", "destructive": true, "warning": " "}`),
		want: []string{"entry 1", `"x"`, "needs a warning"},
	},
	{
		name: "warning on a scope that is not destructive",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "off", "warning": "W"}`),
		want: []string{"entry 1", `"x"`, "warning is only for destructive"},
	},
	{
		name: "workspace scope without min_role",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "on", "workspace": true}`),
		want: []string{"entry 1", `"x"`, `min_role is ""`},
	},
	{
		name: "workspace scope with an unknown min_role",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "on", "workspace": true, "min_role": "root"}`),
		want: []string{"entry 1", `"x"`, `min_role is "root"`},
	},
	{
		name: "workspace scope with min_role in upper case",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "on", "workspace": true, "min_role": "Member"}`),
		want: []string{"entry 1", `"x"`, `min_role is "Member"`},
	},
	{
		name: "min_role on a scope outside workspaces",
		json: catalogOf(`{"name": "x", "title": "T", "description": "D", "default": "on", "min_role": "member"}`),
		want: []string{"entry 1", `"x"`, "min_role is only for workspace scopes"},
	},
	{
		name: "duplicate name",
		json: catalogOf(goodEntry, `{"name": "email", "title": "T", "description": "D", "default": "on"}`, goodEntry),
		want: []string{"entry 3", `"openid"`, "duplicate"},
	},
	{
		name: "unknown field in an entry",
		json: catalogOf(goodEntry, `{"name": "x", "title": "T", "description": "D", "default": "on", "colour": "red"}`),
		want: []string{"entry 2", `"x"`, "colour"},
	},
	{
		name: "wrong type in an entry",
		json: catalogOf(goodEntry, `{"name": "x", "title": "T", "description": "D", "default": "on", "destructive": "yes"}`),
		want: []string{"entry 2", `"x"`, "destructive"},
	},
	{
		name: "unknown top-level field",
		json: `{"scopes": [` + goodEntry + `], "version": 2}`,
		want: []string{"version"},
	},
	{
		name: "empty list",
		json: `{"scopes": []}`,
		want: []string{"no scopes"},
	},
	{
		name: "no list",
		json: `{}`,
		want: []string{"no scopes"},
	},
	{
		name: "malformed JSON",
		json: `{"scopes": [` + goodEntry,
		want: []string{"unexpected EOF"},
	},
	{
		name: "not JSON",
		json: "scopes:\n  - name: openid\n",
		want: []string{"invalid character"},
	},
	{
		name: "trailing data after the catalog",
		json: catalogOf(goodEntry) + `{"scopes": []}`,
		want: []string{"after"},
	},
}

func TestParseCatalogRefusesBadEntries(t *testing.T) {
	for _, tt := range badCatalogTests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := models.ParseCatalog(strings.NewReader(tt.json), "scopes.json")
			if err == nil {
				t.Fatalf("ParseCatalog accepted %s: %v", tt.json, c.Names())
			}
			msg := err.Error()
			for _, want := range append([]string{"scopes.json"}, tt.want...) {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
		})
	}
}

func TestParseCatalogAcceptsAValidCatalog(t *testing.T) {
	in := catalogOf(
		goodEntry,
		`{"name": "docs:delete", "title": "Delete docs", "description": "delete docs", "default": "off",
		  "destructive": true, "warning": "Gone for good.", "workspace": true, "min_role": "admin"}`,
	)
	c, err := models.ParseCatalog(strings.NewReader(in), "custom.json")
	if err != nil {
		t.Fatalf("ParseCatalog: %v", err)
	}
	if got, want := c.Names(), []string{"openid", "docs:delete"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	s, ok := c.Lookup("docs:delete")
	if !ok || !s.Destructive || s.DefaultOn() || s.MinRole != models.RoleAdmin || s.Warning != "Gone for good." {
		t.Errorf("Lookup(docs:delete) = %+v, %v", s, ok)
	}
}

func TestLoadCatalog(t *testing.T) {
	t.Run("empty path gives the built-in catalog", func(t *testing.T) {
		c, err := models.LoadCatalog("")
		if err != nil {
			t.Fatalf("LoadCatalog(\"\"): %v", err)
		}
		if got, want := c.Names(), models.DefaultCatalog().Names(); !slices.Equal(got, want) {
			t.Errorf("Names() = %q, want %q", got, want)
		}
	})
	t.Run("missing file is an error naming it", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing.json")
		if _, err := models.LoadCatalog(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("LoadCatalog(missing) err = %v, want an error naming %s", err, path)
		}
	})
	t.Run("a file is read and validated", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "scopes.json")
		if err := os.WriteFile(path, []byte(catalogOf(goodEntry)), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := models.LoadCatalog(path)
		if err != nil {
			t.Fatalf("LoadCatalog: %v", err)
		}
		if got := c.Names(); !slices.Equal(got, []string{"openid"}) {
			t.Errorf("Names() = %q, want [openid]", got)
		}
	})
	t.Run("a bad file is an error naming it", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(path, []byte(`{"scopes": []}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := models.LoadCatalog(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("LoadCatalog(bad) err = %v, want an error naming %s", err, path)
		}
	})
}
