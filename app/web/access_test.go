package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestGrantPagesAreTheOwnersOnly: another user gets 404 for someone's
// connected app — on the page and on every change — and nothing changes.
func TestGrantPagesAreTheOwnersOnly(t *testing.T) {
	w := newCascadeWorld(t)
	pixel := "/apps/" + url.PathEscape(w.pixel.id)
	// Bob has his own Pixel grant; the paths name alice's workspaces.
	token := field(t, csrfInput, w.bob.get("/apps").body)
	tests := []struct {
		name string
		do   func() httpPage
	}{
		{"remove a workspace bob's grant does not hold", func() httpPage {
			return w.bob.post(pixel+"/workspaces/"+w.design+"/remove", url.Values{"_csrf": {token}})
		}},
		{"view an app bob never connected", func() httpPage { return w.bob.get("/apps/" + url.PathEscape(w.other.id)) }},
		{"revoke an app bob never connected", func() httpPage {
			return w.bob.post("/apps/"+url.PathEscape(w.other.id)+"/revoke", url.Values{"_csrf": {token}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res := tt.do(); res.status != http.StatusNotFound {
				t.Fatalf("status %d, want 404", res.status)
			}
		})
	}
	if got := w.reach(t, w.other, w.aliceOther); len(got) != 1 {
		t.Errorf("alice's other app reaches %v after bob's attempts, want it untouched", got)
	}
	if got := w.reach(t, w.pixel, w.alicePixel); len(got) != 2 {
		t.Errorf("alice's Pixel token reaches %v after bob's attempts, want both workspaces", got)
	}
	// Without the CSRF token even the owner changes nothing.
	if res := w.alice.post(pixel+"/revoke", url.Values{}); res.status != http.StatusForbidden {
		t.Errorf("revoke without _csrf: %d, want 403", res.status)
	}
	if got := w.reach(t, w.pixel, w.alicePixel); len(got) != 2 {
		t.Errorf("a refused revoke changed alice's token: %v", got)
	}
}

func TestWorkspaceAdminAccess(t *testing.T) {
	w := newCascadeWorld(t)
	marketing, design := "/admin/workspaces/"+w.marketing, "/admin/workspaces/"+w.design
	remove := "/apps/" + url.PathEscape(w.pixel.id) + "/remove"

	if res := w.alice.get(marketing); res.status != http.StatusOK || !strings.Contains(res.body, "Pixel Reports") || !strings.Contains(res.body, "bob@example.com") {
		t.Errorf("owner: status %d, want the page listing Pixel Reports and who granted it", res.status)
	}
	// Bob is a viewer in Marketing and not a member of Design.
	if res := w.bob.get(marketing); res.status != http.StatusForbidden {
		t.Errorf("viewer: status %d, want 403", res.status)
	}
	if res := w.bob.get(design); res.status != http.StatusNotFound {
		t.Errorf("outsider: status %d, want 404", res.status)
	}
	token := field(t, csrfInput, w.bob.get("/apps").body)
	if res := w.bob.post(marketing+remove, url.Values{"_csrf": {token}}); res.status != http.StatusForbidden {
		t.Errorf("viewer removing an app: status %d, want 403", res.status)
	}
	if res := w.live.person(t).get(marketing); res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/login") {
		t.Errorf("signed out: %d %q, want the sign-in page", res.status, res.location)
	}
	if got := w.reach(t, w.pixel, w.bobPixel); len(got) != 1 {
		t.Errorf("a refused removal changed bob's token: %v", got)
	}
	if _, err := w.live.store.VerifyAudit(context.Background()); err != nil {
		t.Error(err)
	}
}
