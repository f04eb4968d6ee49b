package models

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

//go:embed scopes.json
var defaultCatalogJSON []byte

// Scope is one entry of the scope catalog: what an app may ask for and what
// the person approving it reads.
type Scope struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Default is "on" (pre-checked) or "off" (the user must opt in).
	Default     string `json:"default"`
	Destructive bool   `json:"destructive"`
	// Warning is the text shown beside a destructive scope.
	Warning   string `json:"warning"`
	Workspace bool   `json:"workspace"`
	// MinRole is the least role that can exercise a workspace scope.
	MinRole Role `json:"min_role"`
}

// DefaultOn reports whether the consent screen pre-checks the scope.
func (s Scope) DefaultOn() bool { return s.Default == "on" }

// Catalog is the validated, ordered set of scopes the server knows.
type Catalog struct {
	scopes []Scope
	index  map[string]int
}

// DefaultCatalog is the built-in catalog. It is validated by the tests, so it
// cannot fail at run time.
func DefaultCatalog() *Catalog {
	c, err := ParseCatalog(bytes.NewReader(defaultCatalogJSON), "built-in catalog")
	if err != nil {
		panic(err)
	}
	return c
}

// LoadCatalog reads a catalog file, or returns the built-in catalog when path
// is empty.
func LoadCatalog(path string) (*Catalog, error) {
	if path == "" {
		return DefaultCatalog(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scope catalog: %w", err)
	}
	defer f.Close()
	return ParseCatalog(f, path)
}

// ParseCatalog reads and validates a JSON catalog. source names it in errors,
// which also name the offending entry.
func ParseCatalog(r io.Reader, source string) (*Catalog, error) {
	// Entries are decoded one by one so that an unknown field or a wrong type
	// is reported against the entry that holds it.
	var file struct {
		Scopes []json.RawMessage `json:"scopes"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("scope catalog %s: %w", source, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("scope catalog %s: unexpected data after the catalog object", source)
	}
	if len(file.Scopes) == 0 {
		return nil, fmt.Errorf("scope catalog %s: no scopes", source)
	}
	c := &Catalog{index: make(map[string]int, len(file.Scopes))}
	for i, raw := range file.Scopes {
		s, err := decodeScope(raw)
		if err == nil {
			err = validateScope(s)
		}
		if err != nil {
			return nil, fmt.Errorf("scope catalog %s: entry %d (%q): %w", source, i+1, s.Name, err)
		}
		if _, dup := c.index[s.Name]; dup {
			return nil, fmt.Errorf("scope catalog %s: entry %d (%q): duplicate name", source, i+1, s.Name)
		}
		c.index[s.Name] = len(c.scopes)
		c.scopes = append(c.scopes, s)
	}
	return c, nil
}

// decodeScope reads one catalog entry strictly. On failure it still returns
// the entry's name when it can be read, for the error message.
func decodeScope(raw json.RawMessage) (Scope, error) {
	var s Scope
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var named struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(raw, &named)
		return Scope{Name: named.Name}, err
	}
	return s, nil
}

func validateScope(s Scope) error {
	switch {
	case s.Name == "":
		return errors.New("name is empty")
	case !validScopeToken(s.Name):
		return errors.New("name has characters a scope cannot contain (RFC 6749 §3.3)")
	case strings.TrimSpace(s.Title) == "":
		return errors.New("title is empty")
	case strings.TrimSpace(s.Description) == "":
		return errors.New("description is empty")
	case s.Default != "on" && s.Default != "off":
		return fmt.Errorf("default is %q, want \"on\" or \"off\"", s.Default)
	case s.Destructive && s.Default != "off":
		return errors.New("a destructive scope must be default \"off\"")
	case s.Destructive && strings.TrimSpace(s.Warning) == "":
		return errors.New("a destructive scope needs a warning")
	case !s.Destructive && s.Warning != "":
		return errors.New("warning is only for destructive scopes")
	case s.Workspace && !s.MinRole.Valid():
		return fmt.Errorf("min_role is %q, want owner, admin, member or viewer", s.MinRole)
	case !s.Workspace && s.MinRole != "":
		return errors.New("min_role is only for workspace scopes")
	}
	return nil
}

// validScopeToken checks the scope-token grammar of RFC 6749 §3.3:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func validScopeToken(name string) bool {
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\' {
			return false
		}
	}
	return name != ""
}

// Lookup finds a scope by name.
func (c *Catalog) Lookup(name string) (Scope, bool) {
	i, ok := c.index[name]
	if !ok {
		return Scope{}, false
	}
	return c.scopes[i], true
}

// All returns every scope in catalog order.
func (c *Catalog) All() []Scope {
	return append([]Scope(nil), c.scopes...)
}

// Names returns every scope name in catalog order.
func (c *Catalog) Names() []string {
	names := make([]string, len(c.scopes))
	for i, s := range c.scopes {
		names[i] = s.Name
	}
	return names
}

// Unknown returns the names in names that the catalog does not hold.
func (c *Catalog) Unknown(names []string) []string {
	var unknown []string
	for _, n := range names {
		if _, ok := c.index[n]; !ok {
			unknown = append(unknown, n)
		}
	}
	return unknown
}
