package bench

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

func TestFormField(t *testing.T) {
	page := []byte(`<form><input type="hidden" name="_csrf" value="a+b/c&amp;d"/>` +
		`<input type="hidden" name="request" value="req-1"/></form>`)
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{
		{"_csrf", "a+b/c&d", true},
		{"request", "req-1", true},
		{"missing", "", false},
	} {
		if got, ok := formField(page, tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("formField(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBasicAuthEncodesBothParts(t *testing.T) {
	got := basicAuth("app:1", "s e/cret")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(got, "Basic "))
	if err != nil || string(raw) != "app%3A1:s+e%2Fcret" {
		t.Errorf("basicAuth = %q (%q), want the form-encoded id and secret", got, raw)
	}
}

func TestSelect(t *testing.T) {
	all, err := Select(nil)
	if err != nil || len(all) != len(Workloads())-2 || all[Audit] || all[Growth] {
		t.Errorf("Select(nil) = %v, %v; want every workload but audit and growth", all, err)
	}
	some, err := Select(strings.Split("flow, resource,", ","))
	if err != nil || len(some) != 2 || !some[Flow] || !some[Resource] {
		t.Errorf("Select(flow, resource) = %v, %v", some, err)
	}
	if _, err := Select([]string{"flows"}); err == nil || !strings.Contains(err.Error(), `unknown workload "flows"`) {
		t.Errorf("Select(flows) = %v, want unknown workload", err)
	}
}

func TestCascadeReach(t *testing.T) {
	onlyFirst, withFirst := 0, 0
	for i := range 15_000 {
		r := cascadeReach(i)
		if len(r) < 1 || len(r) > 3 {
			t.Fatalf("token %d reaches %d workspaces", i, len(r))
		}
		if slices.Contains(r, 0) {
			withFirst++
			if len(r) == 1 {
				onlyFirst++
			}
		}
	}
	// 1 in 150 reach workspace 0 alone; 1 in 25 reach it at all.
	if onlyFirst != 100 || withFirst != 600 {
		t.Errorf("of 15,000 tokens %d reach only workspace 0 and %d reach it; want 100 and 600", onlyFirst, withFirst)
	}
}

func TestSpread(t *testing.T) {
	items := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	if got := spread(items, 5); !slices.Equal(got, []int{0, 2, 4, 6, 8}) {
		t.Errorf("spread(10 items, 5) = %v", got)
	}
	if got := spread(items[:3], 5); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("spread(3 items, 5) = %v", got)
	}
}
