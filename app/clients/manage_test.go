package clients_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// events is every audit event, oldest first.
func events(t *testing.T, s *models.Store) []models.AuditEvent {
	t.Helper()
	var out []models.AuditEvent
	if err := s.EachAuditEvent(context.Background(), time.Time{}, func(ev models.AuditEvent) error {
		out = append(out, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestValidationErrorNamesEachField(t *testing.T) {
	e := newEnv(t)
	_, err := e.reg.Register(context.Background(), clients.Registration{
		ID: "bad id", Name: " ", LogoURL: "ftp://x", HomepageURL: "nope",
		RedirectURIs: []string{"http://evil.example/cb", "https://ok.example/cb#f"}, Scopes: []string{"files:nuke"},
		Public: true, Secret: "oss_x",
	})
	var verr *clients.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	var fields []string
	for _, p := range verr.Problems {
		fields = append(fields, p.Field)
	}
	want := []string{clients.FieldID, clients.FieldName, clients.FieldLogoURL, clients.FieldHomepageURL,
		clients.FieldRedirectURIs, clients.FieldRedirectURIs, clients.FieldScopes, clients.FieldSecret}
	if !slices.Equal(fields, want) {
		t.Errorf("fields = %v, want %v (every problem, in form order)", fields, want)
	}
	if got := verr.For(clients.FieldRedirectURIs); len(got) != 2 || !strings.Contains(got[0], "http is only allowed") || !strings.Contains(got[1], "fragment") {
		t.Errorf("redirect URI problems = %q", got)
	}
	if !strings.Contains(err.Error(), "unknown scopes: files:nuke") || !strings.Contains(err.Error(), "name is empty") {
		t.Errorf("error text = %q, want every message", err)
	}
	if strings.Contains(err.Error(), "oss_x") {
		t.Error("the error shows the chosen secret")
	}
}

func TestRegisterByIsAudited(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	actor := models.Actor{Type: models.ActorUser, ID: "admin-1", IP: "192.0.2.1"}
	reg := valid("audited")
	reg.WorkspaceID = e.ws.ID
	got, err := e.reg.RegisterBy(ctx, reg, actor)
	if err != nil {
		t.Fatal(err)
	}
	evs := events(t, e.store)
	if len(evs) != 1 || evs[0].Action != "client.created" || evs[0].ClientID != "audited" || evs[0].ActorID != "admin-1" || evs[0].WorkspaceIDs != e.ws.ID {
		t.Fatalf("audit = %+v, want one client.created by the admin in the owning workspace", evs)
	}
	if strings.Contains(evs[0].Details, got.Secret) || !strings.Contains(evs[0].Details, `"allowed_scopes":["openid","workspace:read"]`) {
		t.Errorf("details = %s, want the registration without the secret", evs[0].Details)
	}
	// Register (the command line's, the seed's) stays unaudited, and a
	// refused RegisterBy records nothing.
	if _, err := e.reg.Register(ctx, valid("quiet")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.RegisterBy(ctx, valid("audited"), actor); !errors.Is(err, clients.ErrClientIDTaken) {
		t.Fatalf("duplicate RegisterBy = %v", err)
	}
	bad := valid("bad")
	bad.Scopes = nil
	if _, err := e.reg.RegisterBy(ctx, bad, actor); err == nil {
		t.Fatal("RegisterBy accepted a client without scopes")
	}
	if n := len(events(t, e.store)); n != 1 {
		t.Errorf("%d audit events, want only the first registration's", n)
	}
}

func TestEdit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.reg.Register(ctx, valid("app")); err != nil {
		t.Fatal(err)
	}
	owner, err := e.store.UserByEmail(ctx, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	grantID, err := e.store.PutGrant(ctx, uuid.NewString(), owner.ID, "app", "openid workspace:read", []string{e.ws.ID}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	ch := clients.Changes{
		Name: "  Better App ", RedirectURIs: []string{"https://app.example.com/callback", "https://app.example.com/cb2"},
		Scopes: []string{"openid", "profile"}, ResourceServer: true,
	}
	got, err := e.reg.Edit(ctx, "app", ch, testActor)
	if err != nil {
		t.Fatal(err)
	}
	if got.Client.Name != "Better App" || !got.Client.ResourceServer || got.Narrowing.GrantsNarrowed != 1 {
		t.Errorf("edited = %+v", got)
	}
	stored, _ := e.store.ClientByID(ctx, "app")
	if stored.Name != "Better App" || !slices.Equal(stored.AllowedScopes, []string{"openid", "profile"}) || len(stored.SecretHash) == 0 {
		t.Errorf("stored = %+v", stored)
	}
	if g, _ := e.store.GrantByID(ctx, grantID); g.Scopes != "openid" {
		t.Errorf("the grant kept %q, want the removed scope gone", g.Scopes)
	}
	evs := events(t, e.store)
	if len(evs) != 1 || evs[0].Action != "client.updated" {
		t.Fatalf("audit = %v", evs)
	}
	var details struct {
		Changes map[string]struct {
			From any `json:"from"`
			To   any `json:"to"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(evs[0].Details), &details); err != nil {
		t.Fatal(err)
	}
	var changed []string
	for k := range details.Changes {
		changed = append(changed, k)
	}
	slices.Sort(changed)
	if want := "allowed_scopes name redirect_uris resource_server"; strings.Join(changed, " ") != want {
		t.Errorf("diff fields = %v, want %s", changed, want)
	}
	if details.Changes["name"].From != "Good App" || details.Changes["name"].To != "Better App" {
		t.Errorf("name diff = %+v", details.Changes["name"])
	}

	// No change: nothing written, nothing audited.
	if got, err := e.reg.Edit(ctx, "app", ch, testActor); err != nil || len(got.Diff) != 0 {
		t.Errorf("repeat edit = %+v, %v; want an empty diff", got, err)
	}
	// A bad edit names its fields and changes nothing.
	_, err = e.reg.Edit(ctx, "app", clients.Changes{Name: "", RedirectURIs: []string{"https://*.x.example/cb"}, Scopes: []string{"openid"}}, testActor)
	var verr *clients.ValidationError
	if !errors.As(err, &verr) || len(verr.For(clients.FieldName)) != 1 || len(verr.For(clients.FieldRedirectURIs)) != 1 {
		t.Errorf("bad edit err = %v", err)
	}
	if _, err := e.reg.Edit(ctx, "nope", ch, testActor); !errors.Is(err, clients.ErrUnknownClient) {
		t.Errorf("edit of an unknown client = %v", err)
	}
	if n := len(events(t, e.store)); n != 1 {
		t.Errorf("%d audit events, want only the first edit's", n)
	}
}

func TestRotateSecret(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	first, err := e.reg.Register(ctx, valid("app"))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := e.reg.RotateSecret(ctx, "app", testActor)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.store.ClientByID(ctx, "app")
	if !strings.HasPrefix(fresh, secret.PrefixClientSecret) || fresh == first.Secret ||
		!secret.Matches(stored.SecretHash, fresh) || secret.Matches(stored.SecretHash, first.Secret) {
		t.Error("after rotation the new secret does not match, or the old one still does")
	}
	evs := events(t, e.store)
	if len(evs) != 1 || evs[0].Action != "client.secret_rotated" || strings.Contains(evs[0].Details, fresh) {
		t.Errorf("audit = %+v", evs)
	}
	pub := valid("native")
	pub.Public = true
	if _, err := e.reg.Register(ctx, pub); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.RotateSecret(ctx, "native", testActor); !errors.Is(err, clients.ErrPublicClient) {
		t.Errorf("rotating a public client = %v, want ErrPublicClient", err)
	}
	if _, err := e.reg.RotateSecret(ctx, "nope", testActor); !errors.Is(err, clients.ErrUnknownClient) {
		t.Errorf("rotating an unknown client = %v, want ErrUnknownClient", err)
	}
	if n := len(events(t, e.store)); n != 1 {
		t.Errorf("refused rotations wrote %d events", n-1)
	}
}

func TestEnable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.reg.Register(ctx, valid("app")); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.Enable(ctx, "app", testActor); err != nil {
		t.Fatal(err)
	}
	if n := len(events(t, e.store)); n != 0 {
		t.Errorf("enabling an enabled client wrote %d events", n)
	}
	if err := e.reg.Disable(ctx, "app", testActor); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.Enable(ctx, "app", testActor); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.store.ClientByID(ctx, "app"); c.Disabled() {
		t.Error("still disabled")
	}
	var actions []string
	for _, ev := range events(t, e.store) {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, " "); got != "client.disabled client.enabled" {
		t.Errorf("audit = %s", got)
	}
	if err := e.reg.Enable(ctx, "nope", testActor); !errors.Is(err, clients.ErrUnknownClient) {
		t.Errorf("enabling an unknown client = %v", err)
	}
}
