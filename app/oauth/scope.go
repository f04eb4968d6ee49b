package oauth

import (
	"slices"
	"strings"

	"github.com/consentry/consentry/models"
)

// scopeSet is a set of scope names kept in catalog order, so every response
// and stored value lists scopes the same stable way.
type scopeSet []string

// parseScopeParam splits a space-separated scope parameter (RFC 6749 §3.3),
// dropping repeats. Empty tokens (double spaces) are tolerated.
func parseScopeParam(s string) []string {
	var out []string
	for _, f := range strings.Split(s, " ") {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// canonicalScopes orders names as the catalog does; unknown names go last,
// sorted (they never reach storage, but errors stay deterministic).
func canonicalScopes(catalog *models.Catalog, names []string) scopeSet {
	var known, unknown []string
	for _, n := range catalog.Names() {
		if slices.Contains(names, n) {
			known = append(known, n)
		}
	}
	for _, n := range names {
		if _, ok := catalog.Lookup(n); !ok && !slices.Contains(unknown, n) {
			unknown = append(unknown, n)
		}
	}
	slices.Sort(unknown)
	return append(known, unknown...)
}

// String is the space-separated form, as stored and as sent in responses.
func (s scopeSet) String() string { return strings.Join(s, " ") }

// has reports whether name is in the set.
func (s scopeSet) has(name string) bool { return slices.Contains(s, name) }

// intersect keeps the scopes of s that are also in other, in s's order.
func (s scopeSet) intersect(other []string) scopeSet {
	out := scopeSet{}
	for _, n := range s {
		if slices.Contains(other, n) {
			out = append(out, n)
		}
	}
	return out
}

// subsetOf reports whether every scope of s is in other.
func (s scopeSet) subsetOf(other []string) bool {
	for _, n := range s {
		if !slices.Contains(other, n) {
			return false
		}
	}
	return true
}

// splitStored reads a stored space-separated scope string.
func splitStored(s string) scopeSet {
	if s == "" {
		return scopeSet{}
	}
	return strings.Split(s, " ")
}

// needsWorkspace reports whether any scope of s acts inside workspaces.
func needsWorkspace(catalog *models.Catalog, s []string) bool {
	for _, n := range s {
		if sc, ok := catalog.Lookup(n); ok && sc.Workspace {
			return true
		}
	}
	return false
}
