package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var shownKey = regexp.MustCompile(`osk_[A-Za-z0-9_-]{43}`)

// TestAPIKeysThroughTheAdminPage: an owner creates a key (shown once), the
// key works in its workspace, and revoking it on the page stops it at once.
func TestAPIKeysThroughTheAdminPage(t *testing.T) {
	w := newCascadeWorld(t)
	admin := "/admin/workspaces/" + w.marketing
	token := field(t, csrfInput, w.alice.get(admin).body)

	created := w.alice.post(admin+"/api-keys", url.Values{"_csrf": {token}, "name": {"CI deploys"}})
	if created.status != http.StatusOK {
		t.Fatalf("create key: %d\n%s", created.status, created.body)
	}
	key := shownKey.FindString(created.body)
	if key == "" {
		t.Fatal("the new key is not shown after creating it")
	}
	if again := w.alice.get(admin); strings.Contains(again.body, key) {
		t.Error("the key is shown again on a later visit")
	}
	if r := call(t, "GET", w.live.base+"/api/v1/workspaces/"+w.marketing, "Bearer "+key); r.status != 200 {
		t.Fatalf("the new key: %d %s", r.status, r.message)
	}

	page := w.alice.get(admin)
	revoke := regexp.MustCompile(`action="(/admin/workspaces/[^"]+/api-keys/[^"]+/revoke)"`).FindStringSubmatch(page.body)
	if revoke == nil {
		t.Fatal("no revoke form for the active key")
	}
	if res := w.alice.post(revoke[1], url.Values{"_csrf": {field(t, csrfInput, page.body)}}); res.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.status)
	}
	if r := call(t, "GET", w.live.base+"/api/v1/workspaces/"+w.marketing, "Bearer "+key); r.status != 401 {
		t.Errorf("the revoked key: %d, want 401 at once", r.status)
	}
}

func TestAPIKeyRefusals(t *testing.T) {
	w := newCascadeWorld(t)
	admin := "/admin/workspaces/" + w.marketing
	aliceToken := field(t, csrfInput, w.alice.get(admin).body)
	bobToken := field(t, csrfInput, w.bob.get("/apps").body)
	tests := []struct {
		name   string
		do     func() httpPage
		status int
	}{
		{"no CSRF token", func() httpPage { return w.alice.post(admin+"/api-keys", url.Values{"name": {"x"}}) }, http.StatusForbidden},
		{"empty name", func() httpPage {
			return w.alice.post(admin+"/api-keys", url.Values{"_csrf": {aliceToken}, "name": {"  "}})
		}, http.StatusUnprocessableEntity},
		{"a viewer", func() httpPage {
			return w.bob.post(admin+"/api-keys", url.Values{"_csrf": {bobToken}, "name": {"x"}})
		}, http.StatusForbidden},
		{"an outsider", func() httpPage {
			return w.bob.post("/admin/workspaces/"+w.design+"/api-keys", url.Values{"_csrf": {bobToken}, "name": {"x"}})
		}, http.StatusNotFound},
		{"revoking an unknown key", func() httpPage {
			return w.alice.post(admin+"/api-keys/no-such-key/revoke", url.Values{"_csrf": {aliceToken}})
		}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.do()
			if res.status != tt.status {
				t.Fatalf("status %d, want %d", res.status, tt.status)
			}
			if shownKey.MatchString(res.body) {
				t.Error("a refused request showed a key")
			}
		})
	}
	if keys, err := w.live.server.svc.APIKeys.List(t.Context(), w.marketing); err != nil || len(keys) != 0 {
		t.Errorf("keys after the refusals: %v, %v; want none", keys, err)
	}
}
