package grants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/grants"
)

// A page names the grant it shows. If that grant was revoked and the app
// approved again meanwhile, revoking "it" must not revoke the grant that
// replaced it, which the page never showed.
func TestRevokeGrantRevokesOnlyTheGrantNamed(t *testing.T) {
	ctx := context.Background()
	env := newAuthorizeBench(t, time.Now)
	clientID := env.query.Get("client_id")
	put := func() string {
		t.Helper()
		id, err := env.store.PutGrant(ctx, uuid.NewString(), env.user.ID, clientID, "openid", []string{env.ws}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	shown, err := env.store.GrantByID(ctx, put())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.grants.Revoke(ctx, env.user.ID, clientID, benchActor); err != nil {
		t.Fatal(err)
	}
	replacement := put()

	if _, err := env.grants.RevokeGrant(ctx, shown, benchActor); !errors.Is(err, grants.ErrNoGrant) {
		t.Fatalf("RevokeGrant(the revoked grant) = %v, want ErrNoGrant", err)
	}
	live, ok := grantOf(t, env)
	if !ok || live.ID != replacement {
		t.Fatalf("live grant after = %+v (live %v), want the replacement %s untouched", live, ok, replacement)
	}

	current, err := env.store.GrantByID(ctx, replacement)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.grants.RevokeGrant(ctx, current, benchActor); err != nil {
		t.Fatalf("RevokeGrant(the live grant) = %v", err)
	}
	if _, ok := grantOf(t, env); ok {
		t.Error("the live grant named is still live")
	}
}
