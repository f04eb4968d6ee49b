package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"golang.org/x/oauth2"

	"github.com/consentry/consentry/models"
)

// cascadeWorld is the cast of every SPEC §6 cascade test: alice's grant to
// Pixel (the subject), and two grants that must not move — bob's to the same
// app, and alice's to another app.
type cascadeWorld struct {
	live                 *liveServer
	pixel, other         *oauthApp
	alice, bob           *person
	marketing, design    string
	alicePixel           *oauth2.Token
	bobPixel, aliceOther *oauth2.Token
}

var cascadeScopes = []string{"openid", "workspace:read", "offline_access"}

func newCascadeWorld(t *testing.T) *cascadeWorld {
	t.Helper()
	return newCascadeWorldOn(t, startLive(t))
}

// newCascadeWorldOn builds the cast on a live server already started.
func newCascadeWorldOn(t *testing.T, live *liveServer) *cascadeWorld {
	t.Helper()
	w := &cascadeWorld{live: live, pixel: live.registerApp(t, "Pixel Reports"), other: live.registerApp(t, "Other App")}
	w.marketing = live.workspaceID(t, "alice@example.com", "Acme Marketing")
	w.design = live.workspaceID(t, "alice@example.com", "Acme Design")
	w.alice, w.bob = live.person(t), live.person(t)
	w.alice.signIn("alice@example.com", "alice-password")
	w.bob.signIn("bob@example.com", "bob-password")
	w.alicePixel = approveFlow(t, w.alice, w.pixel, cascadeScopes, []string{w.marketing, w.design})
	w.bobPixel = approveFlow(t, w.bob, w.pixel, cascadeScopes, []string{w.marketing})
	w.aliceOther = approveFlow(t, w.alice, w.other, cascadeScopes, []string{w.marketing})
	return w
}

// reach is what a token can do right now, asked two ways: introspection and
// the platform API. Both must agree.
func (w *cascadeWorld) reach(t *testing.T, app *oauthApp, tok *oauth2.Token) []string {
	t.Helper()
	in := introspect(t, w.live, app, tok.AccessToken)
	res, err := http.DefaultClient.Do(bearerRequest(t, w.live.base+"/api/v1/workspaces", tok.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if in["active"] != true {
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("introspection says inactive but the API answered %d", res.StatusCode)
		}
		return nil
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("introspection says active but the API answered %d", res.StatusCode)
	}
	var ids []string
	for _, id := range in["workspace_ids"].([]any) {
		ids = append(ids, id.(string))
	}
	slices.Sort(ids)
	return ids
}

func (w *cascadeWorld) auditActions(t *testing.T) []string {
	t.Helper()
	var actions []string
	err := w.live.store.EachAuditEvent(context.Background(), zeroTime, func(ev models.AuditEvent) error {
		actions = append(actions, ev.Action)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.live.store.VerifyAudit(context.Background()); err != nil {
		t.Errorf("audit chain: %v", err)
	}
	return actions
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestCascades(t *testing.T) {
	tests := []struct {
		name string
		// event triggers the cascade the way a person (or the CLI) would.
		event func(t *testing.T, w *cascadeWorld)
		// alicePixel is what alice's Pixel token reaches afterwards (nil:
		// revoked).
		alicePixel  func(w *cascadeWorld) []string
		bobPixel    func(w *cascadeWorld) []string
		wantActions []string
	}{
		{
			name: "re-authorization with fewer workspaces",
			event: func(t *testing.T, w *cascadeWorld) {
				form := w.alice.authorize(newFlow().authURL(w.pixel, cascadeScopes...) + "&prompt=consent")
				if res := w.alice.decide(form, "approve", cascadeScopes, []string{w.design}); res.status != http.StatusSeeOther {
					t.Fatalf("re-consent: %d", res.status)
				}
			},
			alicePixel:  func(w *cascadeWorld) []string { return []string{w.design} },
			bobPixel:    func(w *cascadeWorld) []string { return []string{w.marketing} },
			wantActions: []string{"grant.updated"},
		},
		{
			name: "user removes a workspace on the connected-apps page",
			event: func(t *testing.T, w *cascadeWorld) {
				token := field(t, csrfInput, w.alice.get("/apps/"+url.PathEscape(w.pixel.id)).body)
				res := w.alice.post("/apps/"+url.PathEscape(w.pixel.id)+"/workspaces/"+w.marketing+"/remove", url.Values{"_csrf": {token}})
				if res.status != http.StatusSeeOther {
					t.Fatalf("remove workspace: %d %s", res.status, res.body)
				}
			},
			alicePixel:  func(w *cascadeWorld) []string { return []string{w.design} },
			bobPixel:    func(w *cascadeWorld) []string { return []string{w.marketing} },
			wantActions: []string{"grant.workspace_removed"},
		},
		{
			name: "user removes the last workspace: the token is revoked outright",
			event: func(t *testing.T, w *cascadeWorld) {
				for _, ws := range []string{w.marketing, w.design} {
					token := field(t, csrfInput, w.alice.get("/apps/"+url.PathEscape(w.pixel.id)).body)
					w.alice.post("/apps/"+url.PathEscape(w.pixel.id)+"/workspaces/"+ws+"/remove", url.Values{"_csrf": {token}})
				}
			},
			alicePixel:  func(*cascadeWorld) []string { return nil },
			bobPixel:    func(w *cascadeWorld) []string { return []string{w.marketing} },
			wantActions: []string{"grant.workspace_removed", "grant.workspace_removed", "tokens.revoked"},
		},
		{
			name: "user revokes the app",
			event: func(t *testing.T, w *cascadeWorld) {
				token := field(t, csrfInput, w.alice.get("/apps/"+url.PathEscape(w.pixel.id)+"/revoke").body)
				res := w.alice.post("/apps/"+url.PathEscape(w.pixel.id)+"/revoke", url.Values{"_csrf": {token}})
				if res.status != http.StatusSeeOther || res.location != "/apps" {
					t.Fatalf("revoke: %d %q", res.status, res.location)
				}
			},
			alicePixel:  func(*cascadeWorld) []string { return nil },
			bobPixel:    func(w *cascadeWorld) []string { return []string{w.marketing} },
			wantActions: []string{"grant.revoked", "tokens.revoked"},
		},
		{
			name: "workspace admin removes the app from the workspace",
			event: func(t *testing.T, w *cascadeWorld) {
				token := field(t, csrfInput, w.alice.get("/admin/workspaces/"+w.marketing).body)
				res := w.alice.post("/admin/workspaces/"+w.marketing+"/apps/"+url.PathEscape(w.pixel.id)+"/remove", url.Values{"_csrf": {token}})
				if res.status != http.StatusSeeOther {
					t.Fatalf("admin remove: %d %s", res.status, res.body)
				}
			},
			alicePixel: func(w *cascadeWorld) []string { return []string{w.design} },
			// Bob's only workspace was Marketing: his Pixel token goes.
			bobPixel:    func(*cascadeWorld) []string { return nil },
			wantActions: []string{"grant.workspace_removed", "tokens.revoked"},
		},
		{
			name: "a member is removed from the workspace",
			event: func(t *testing.T, w *cascadeWorld) {
				err := w.live.users.RemoveMember(context.Background(), w.marketing, "bob@example.com", models.Actor{Type: models.ActorCLI, ID: "test"})
				if err != nil {
					t.Fatal(err)
				}
			},
			alicePixel:  func(w *cascadeWorld) []string { return sorted(w.marketing, w.design) },
			bobPixel:    func(*cascadeWorld) []string { return nil },
			wantActions: []string{"membership.removed", "tokens.revoked"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newCascadeWorld(t)
			// Warm every cache first: the very next request after the event
			// must see it even though the answer was in memory.
			w.reach(t, w.pixel, w.alicePixel)
			w.reach(t, w.pixel, w.bobPixel)
			w.reach(t, w.other, w.aliceOther)
			before := len(w.auditActions(t))
			tt.event(t, w)

			if got, want := w.reach(t, w.pixel, w.alicePixel), tt.alicePixel(w); !slices.Equal(got, want) {
				t.Errorf("alice's Pixel token reaches %v, want %v", got, want)
			}
			if got, want := w.reach(t, w.pixel, w.bobPixel), tt.bobPixel(w); !slices.Equal(got, want) {
				t.Errorf("bob's Pixel token reaches %v, want %v", got, want)
			}
			if got := w.reach(t, w.other, w.aliceOther); !slices.Equal(got, []string{w.marketing}) {
				t.Errorf("alice's token for another app reaches %v, want it untouched", got)
			}
			if got := w.auditActions(t)[before:]; !slices.Equal(got, tt.wantActions) {
				t.Errorf("audit events written = %v, want %v", got, tt.wantActions)
			}
		})
	}
}

func TestCascadeClientDisabled(t *testing.T) {
	w := newCascadeWorld(t)
	w.reach(t, w.pixel, w.alicePixel)
	if err := w.live.registry().Disable(context.Background(), w.pixel.id, models.Actor{Type: models.ActorCLI, ID: "test"}); err != nil {
		t.Fatal(err)
	}
	if got := w.reach(t, w.pixel, w.alicePixel); got != nil {
		t.Errorf("a disabled client's token still reaches %v", got)
	}
	if got := w.reach(t, w.other, w.aliceOther); !slices.Equal(got, []string{w.marketing}) {
		t.Errorf("another client's token reaches %v, want it untouched", got)
	}
	// The token endpoint refuses the client; authorize shows an error page.
	if _, err := w.pixel.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: w.alicePixel.RefreshToken}).Token(); err == nil {
		t.Error("a disabled client could still refresh")
	} else if re, ok := err.(*oauth2.RetrieveError); !ok || re.ErrorCode != "invalid_client" {
		t.Errorf("refresh by a disabled client: %v, want invalid_client", err)
	}
	if res := w.alice.get(newFlow().authURL(w.pixel, "openid")); res.status != http.StatusBadRequest || res.location != "" {
		t.Errorf("authorize for a disabled client: %d %q, want a 400 page", res.status, res.location)
	}
	if got := w.auditActions(t); !slices.Contains(got, "client.disabled") || got[len(got)-1] != "tokens.revoked" {
		t.Errorf("audit = %v, want client.disabled then tokens.revoked", got)
	}
}

func TestCascadeRefreshReuse(t *testing.T) {
	w := newCascadeWorld(t)
	src := func(refresh string) (*oauth2.Token, error) {
		return w.pixel.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refresh}).Token()
	}
	rotated, err := src(w.alicePixel.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src(w.alicePixel.RefreshToken); err == nil {
		t.Fatal("a rotated refresh token was accepted again")
	}
	for _, tok := range []*oauth2.Token{w.alicePixel, rotated} {
		if got := w.reach(t, w.pixel, tok); got != nil {
			t.Errorf("after reuse a token of the family still reaches %v", got)
		}
	}
	if _, err := src(rotated.RefreshToken); err == nil {
		t.Error("the newest refresh token of a reused family still works")
	}
	if got := w.reach(t, w.pixel, w.bobPixel); !slices.Equal(got, []string{w.marketing}) {
		t.Errorf("bob's token reaches %v, want it untouched", got)
	}
	if got := w.auditActions(t); !slices.Contains(got, "refresh.reuse_detected") {
		t.Errorf("audit = %v, want refresh.reuse_detected", got)
	}
}

// TestRemovedAccessDoesNotComeBack: a token that lost a workspace or scope
// keeps it lost, even when the grant later gets it back through a new
// consent — only new tokens carry the new grant.
func TestRemovedAccessDoesNotComeBack(t *testing.T) {
	w := newCascadeWorld(t)
	token := field(t, csrfInput, w.alice.get("/apps/"+url.PathEscape(w.pixel.id)).body)
	w.alice.post("/apps/"+url.PathEscape(w.pixel.id)+"/workspaces/"+w.marketing+"/remove", url.Values{"_csrf": {token}})
	form := w.alice.authorize(newFlow().authURL(w.pixel, "openid", "workspace:read") + "&prompt=consent")
	w.alice.decide(form, "approve", []string{"workspace:read"}, []string{w.marketing, w.design})

	if got := w.reach(t, w.pixel, w.alicePixel); !slices.Equal(got, []string{w.design}) {
		t.Errorf("old token reaches %v after the workspace was granted again, want only %s", got, w.design)
	}
	if got := introspect(t, w.live, w.pixel, w.alicePixel.AccessToken)["scope"]; got != "workspace:read offline_access" {
		t.Errorf("old token scope = %v after openid was dropped and the grant changed, want it to stay without openid", got)
	}
}
