package grants

import (
	"slices"

	"github.com/google/uuid"
)

func newGrantID() string { return uuid.NewString() }

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// minus returns the elements of a not in b, never nil (it is JSON).
func minus(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// union returns a's elements then b's new ones.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func isEmptyDiff(diff map[string]any) bool {
	for _, v := range diff {
		if l, ok := v.([]string); ok && len(l) > 0 {
			return false
		}
	}
	return true
}
