package clients_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/clients"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// errAny stands for "some error" in tables where no sentinel applies.
var errAny = errors.New("any error")

type env struct {
	reg   *clients.Registry
	store *models.Store
	clock *storetest.Clock
	path  string // the SQLite file
	ws    models.Workspace
}

func newEnv(t *testing.T) env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "consentry.db")
	store := storetest.OpenAt(t, path)
	clock := storetest.NewClock(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	owner := models.User{ID: uuid.NewString(), Email: "owner@example.com", Name: "Owner", PasswordHash: "h"}
	if err := store.CreateUser(ctx, &owner); err != nil {
		t.Fatal(err)
	}
	ws := models.Workspace{ID: uuid.NewString(), Name: "Acme", CreatedByID: owner.ID}
	if err := store.CreateWorkspace(ctx, &ws); err != nil {
		t.Fatal(err)
	}
	reg := clients.NewRegistry(store, models.DefaultCatalog(), rand.Reader, clock.Now)
	return env{reg: reg, store: store, clock: clock, path: path, ws: ws}
}

// valid is a registration that passes; tests change one thing at a time.
func valid(id string) clients.Registration {
	return clients.Registration{
		ID: id, Name: "Good App", RedirectURIs: []string{"https://app.example.com/callback"},
		Scopes: []string{"openid", "workspace:read"},
	}
}

var refusedRegistrationTests = []struct {
	name    string
	change  func(r *clients.Registration)
	wantErr error
	wantIn  string // a part of the message that says what is wrong
}{
	{"empty name", func(r *clients.Registration) { r.Name = "" }, errAny, "name"},
	{"blank name", func(r *clients.Registration) { r.Name = "  \t" }, errAny, "name"},
	{"no redirect URIs", func(r *clients.Registration) { r.RedirectURIs = nil }, errAny, "redirect URI"},
	{"blank redirect URI", func(r *clients.Registration) { r.RedirectURIs = []string{""} }, errAny, "redirect URI"},
	{"http redirect URI on a public host", func(r *clients.Registration) { r.RedirectURIs = []string{"http://app.example.com/cb"} }, errAny, "http://app.example.com/cb"},
	{"redirect URI with a fragment", func(r *clients.Registration) { r.RedirectURIs = []string{"https://app.example.com/cb#top"} }, errAny, "fragment"},
	{"redirect URI with a wildcard host", func(r *clients.Registration) { r.RedirectURIs = []string{"https://*.example.com/cb"} }, errAny, "wildcard"},
	{"redirect URI with a wildcard path", func(r *clients.Registration) { r.RedirectURIs = []string{"https://app.example.com/*"} }, errAny, "wildcard"},
	{"relative redirect URI", func(r *clients.Registration) { r.RedirectURIs = []string{"/callback"} }, errAny, "absolute"},
	{"custom scheme redirect URI", func(r *clients.Registration) { r.RedirectURIs = []string{"javascript:alert(1)"} }, errAny, "redirect URI"},
	{
		"one bad redirect URI among good ones",
		func(r *clients.Registration) {
			r.RedirectURIs = []string{"https://app.example.com/cb", "http://evil.example.com/cb"}
		},
		errAny, "evil.example.com",
	},
	{"no scopes", func(r *clients.Registration) { r.Scopes = nil }, errAny, "scope"},
	{"only blank scopes", func(r *clients.Registration) { r.Scopes = []string{"", "  "} }, errAny, "scope"},
	{"unknown scope", func(r *clients.Registration) { r.Scopes = []string{"openid", "admin:everything"} }, errAny, "admin:everything"},
	{"scopes in one string", func(r *clients.Registration) { r.Scopes = []string{"openid profile"} }, errAny, "openid profile"},
	{"logo URL with a script scheme", func(r *clients.Registration) { r.LogoURL = "javascript:alert(1)" }, errAny, "logo URL"},
	{"logo URL without a scheme", func(r *clients.Registration) { r.LogoURL = "//cdn.example.com/logo.png" }, errAny, "logo URL"},
	{"logo URL with a data scheme", func(r *clients.Registration) { r.LogoURL = "data:image/png;base64,AAAA" }, errAny, "logo URL"},
	{"homepage URL without a host", func(r *clients.Registration) { r.HomepageURL = "https://" }, errAny, "homepage URL"},
	{"relative homepage URL", func(r *clients.Registration) { r.HomepageURL = "app.example.com" }, errAny, "homepage URL"},
	{"client id with a space", func(r *clients.Registration) { r.ID = "my app" }, errAny, "client id"},
	{"client id with a slash", func(r *clients.Registration) { r.ID = "my/app" }, errAny, "client id"},
	{"client id with a non-ASCII letter", func(r *clients.Registration) { r.ID = "café" }, errAny, "client id"},
	{"client id over 64 characters", func(r *clients.Registration) { r.ID = strings.Repeat("a", 65) }, errAny, "client id"},
	{"unknown owning workspace", func(r *clients.Registration) { r.WorkspaceID = "no-such-workspace" }, clients.ErrUnknownWorkspace, "workspace"},
}

func TestRegisterRefuses(t *testing.T) {
	for _, tt := range refusedRegistrationTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t)
			reg := valid("refused-app")
			tt.change(&reg)

			got, err := e.reg.Register(ctx, reg)
			switch {
			case err == nil:
				t.Fatalf("Register succeeded with client %q, want an error", got.Client.ID)
			case tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("Register err = %v, want %v", err, tt.wantErr)
			case !strings.Contains(err.Error(), tt.wantIn):
				t.Errorf("Register err = %q, want it to mention %q", err, tt.wantIn)
			}
			if got.Secret != "" || got.Client.ID != "" {
				t.Errorf("Register returned %+v with an error", got)
			}
			if _, err := e.store.ClientByID(ctx, reg.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("refused client was stored: ClientByID(%q) err = %v", reg.ID, err)
			}
		})
	}
}

func TestRegisterRefusesWhenRandomnessFails(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	errNoEntropy := errors.New("no entropy")
	reg := clients.NewRegistry(e.store, models.DefaultCatalog(), iotest.ErrReader(errNoEntropy), e.clock.Now)
	if _, err := reg.Register(ctx, valid("no-entropy")); !errors.Is(err, errNoEntropy) {
		t.Fatalf("Register err = %v, want %v", err, errNoEntropy)
	}
	if _, err := e.store.ClientByID(ctx, "no-entropy"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("client stored without a secret: ClientByID err = %v", err)
	}
}

func TestRegisterConfidentialClient(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	random := bytes.Repeat([]byte{0xA5}, 32)
	reg := clients.NewRegistry(e.store, models.DefaultCatalog(), bytes.NewReader(random), e.clock.Now)

	in := valid("secret-holder")
	in.Name = "Secret Holder"
	got, err := reg.Register(ctx, in)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	wantSecret := secret.PrefixClientSecret + base64.RawURLEncoding.EncodeToString(random)
	if got.Secret != wantSecret {
		t.Errorf("secret = %q, want %q (prefix and the injected randomness)", got.Secret, wantSecret)
	}
	if !strings.HasPrefix(got.Secret, "oss_") {
		t.Errorf("secret %q lacks the oss_ prefix", got.Secret)
	}
	if got.Client.Type != models.ClientConfidential || got.Client.Public() {
		t.Errorf("type = %q, want confidential", got.Client.Type)
	}

	stored, err := e.store.ClientByID(ctx, "secret-holder")
	if err != nil {
		t.Fatalf("ClientByID: %v", err)
	}
	if !bytes.Equal(stored.SecretHash, secret.Hash(got.Secret)) {
		t.Errorf("stored hash = %x, want secret.Hash(secret) = %x", stored.SecretHash, secret.Hash(got.Secret))
	}
	if !secret.Matches(stored.SecretHash, got.Secret) {
		t.Error("secret.Matches(stored hash, secret) = false")
	}
	if secret.Matches(stored.SecretHash, got.Secret+"x") {
		t.Error("secret.Matches accepts another secret")
	}

	// The clear secret must appear nowhere on disk, while the name and the
	// hash do (which shows the search can find what is there).
	var disk []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(e.path + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		disk = append(disk, b...)
	}
	if !bytes.Contains(disk, []byte("Secret Holder")) || !bytes.Contains(disk, stored.SecretHash) {
		t.Fatal("the database files hold neither the client name nor its hash: the search below proves nothing")
	}
	randomPart := strings.TrimPrefix(got.Secret, secret.PrefixClientSecret)
	if bytes.Contains(disk, []byte(randomPart)) {
		t.Error("the clear client secret is stored in the database")
	}
}

func TestRegisterPublicClient(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	in := valid("native-app")
	in.Public = true
	in.RedirectURIs = []string{"http://127.0.0.1/callback", "http://[::1]:8080/cb"}
	got, err := e.reg.Register(ctx, in)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if got.Secret != "" {
		t.Errorf("public client got secret %q, want none", got.Secret)
	}
	stored, err := e.store.ClientByID(ctx, "native-app")
	if err != nil {
		t.Fatal(err)
	}
	if stored.SecretHash != nil {
		t.Errorf("public client secret hash = %x, want nil", stored.SecretHash)
	}
	if stored.Type != models.ClientPublic || !stored.Public() {
		t.Errorf("type = %q, want public", stored.Type)
	}
}

func TestRegisterStoresWhatWasAsked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	in := clients.Registration{
		ID:             "  full-app.v2_x  ",
		Name:           "  Full App ",
		LogoURL:        "https://app.example.com/logo.png",
		HomepageURL:    "http://app.example.com/",
		RedirectURIs:   []string{"https://app.example.com/cb", "https://app.example.com/cb ", "https://app.example.com/cb2"},
		Scopes:         []string{"openid", "workspace:read", "openid", " ", "offline_access"},
		ResourceServer: true,
		WorkspaceID:    e.ws.ID,
	}
	got, err := e.reg.Register(ctx, in)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	stored, err := e.store.ClientByID(ctx, "full-app.v2_x")
	if err != nil {
		t.Fatalf("ClientByID(trimmed id): %v", err)
	}
	if got.Client.ID != stored.ID {
		t.Errorf("returned id %q, stored %q", got.Client.ID, stored.ID)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"name", stored.Name, "Full App"},
		{"logo URL", stored.LogoURL, in.LogoURL},
		{"homepage URL", stored.HomepageURL, in.HomepageURL},
		{"resource server", stored.ResourceServer, true},
		{"disabled", stored.Disabled(), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if want := []string{"https://app.example.com/cb", "https://app.example.com/cb2"}; !slices.Equal(stored.RedirectURIs, want) {
		t.Errorf("redirect URIs = %q, want %q (deduplicated, in order)", stored.RedirectURIs, want)
	}
	if want := []string{"openid", "workspace:read", "offline_access"}; !slices.Equal(stored.AllowedScopes, want) {
		t.Errorf("scopes = %q, want %q (deduplicated, in order)", stored.AllowedScopes, want)
	}
	if stored.WorkspaceID == nil || *stored.WorkspaceID != e.ws.ID {
		t.Errorf("workspace = %v, want %q", stored.WorkspaceID, e.ws.ID)
	}
}

func TestRegisterWithoutIDMakesOne(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	seen := map[string]bool{}
	for range 2 {
		got, err := e.reg.Register(ctx, valid(""))
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		if _, err := uuid.Parse(got.Client.ID); err != nil {
			t.Errorf("generated id %q is not a UUID", got.Client.ID)
		}
		if seen[got.Client.ID] {
			t.Errorf("id %q generated twice", got.Client.ID)
		}
		seen[got.Client.ID] = true
		if _, err := e.store.ClientByID(ctx, got.Client.ID); err != nil {
			t.Errorf("ClientByID(%q): %v", got.Client.ID, err)
		}
	}
}

func TestRegisterDuplicateIDIsTaken(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	first, err := e.reg.Register(ctx, valid("my-app"))
	if err != nil {
		t.Fatal(err)
	}
	second := valid("my-app")
	second.Name = "Impostor"
	second.RedirectURIs = []string{"https://evil.example.com/cb"}
	got, err := e.reg.Register(ctx, second)
	if !errors.Is(err, clients.ErrClientIDTaken) {
		t.Fatalf("second Register err = %v, want ErrClientIDTaken", err)
	}
	if got.Secret != "" {
		t.Error("a refused registration returned a secret")
	}
	stored, err := e.store.ClientByID(ctx, "my-app")
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "Good App" || !slices.Equal(stored.RedirectURIs, valid("").RedirectURIs) {
		t.Errorf("first client changed to %+v", stored)
	}
	if !secret.Matches(stored.SecretHash, first.Secret) {
		t.Error("the first client's secret no longer matches")
	}
}

func TestDisable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	for _, id := range []string{"app", "bystander"} {
		if _, err := e.reg.Register(ctx, valid(id)); err != nil {
			t.Fatal(err)
		}
	}
	first := e.clock.Now()
	if err := e.reg.Disable(ctx, "app", testActor); err != nil {
		t.Fatalf("Disable: %v", err)
	}
	e.clock.Advance(time.Hour)
	if err := e.reg.Disable(ctx, "app", testActor); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
	stored, err := e.store.ClientByID(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	if stored.DisabledAt == nil || !stored.DisabledAt.Equal(first) {
		t.Errorf("DisabledAt = %v, want the first time %v", stored.DisabledAt, first)
	}
	bystander, err := e.store.ClientByID(ctx, "bystander")
	if err != nil {
		t.Fatal(err)
	}
	if bystander.Disabled() {
		t.Error("disabling one client disabled another")
	}

	err = e.reg.Disable(ctx, "no-such-client", testActor)
	if !errors.Is(err, clients.ErrUnknownClient) {
		t.Fatalf("Disable(unknown) err = %v, want ErrUnknownClient", err)
	}
	if !strings.Contains(err.Error(), "no-such-client") {
		t.Errorf("Disable(unknown) err = %q, want it to name the id", err)
	}
}

var testActor = models.Actor{Type: models.ActorCLI, ID: "test"}
