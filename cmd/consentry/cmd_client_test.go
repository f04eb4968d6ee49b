package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

func TestClientCreateConfidential(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newWorkspaceFixture(t)

	out := runJSON(t, "--db", f.db, "client", "create", "--name", "Pixel Reports",
		"--redirect-uri", "https://pixel.example/callback?a=1,2", "--redirect-uri", "http://127.0.0.1:9000/cb",
		"--scopes", "openid profile  workspace:read", "--resource-server",
		"--logo-url", "https://pixel.example/logo.png", "--homepage-url", "https://pixel.example",
		"--workspace", f.workspaceID)
	id, plain := mustString(t, out, "client_id"), mustString(t, out, "client_secret")
	if !strings.HasPrefix(plain, secret.PrefixClientSecret) {
		t.Errorf("client_secret %q lacks the %q prefix", plain, secret.PrefixClientSecret)
	}

	c, err := openStore(t, f.db).ClientByID(ctx, id)
	if err != nil {
		t.Fatalf("created client not found: %v", err)
	}
	if !secret.Matches(c.SecretHash, plain) {
		t.Error("printed client_secret does not match the stored hash")
	}
	if got, want := c.RedirectURIs, []string{"https://pixel.example/callback?a=1,2", "http://127.0.0.1:9000/cb"}; !slices.Equal(got, want) {
		t.Errorf("redirect URIs = %q, want %q (a comma must not split a URI)", got, want)
	}
	if got, want := c.AllowedScopes, []string{"openid", "profile", "workspace:read"}; !slices.Equal(got, want) {
		t.Errorf("allowed scopes = %q, want %q", got, want)
	}
	if c.Name != "Pixel Reports" || c.Type != models.ClientConfidential || !c.ResourceServer ||
		c.LogoURL != "https://pixel.example/logo.png" || c.HomepageURL != "https://pixel.example" ||
		c.WorkspaceID == nil || *c.WorkspaceID != f.workspaceID || c.Disabled() {
		t.Errorf("stored client = %+v, want every flag honoured", c)
	}
}

func TestClientCreatePublicHasNoSecret(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	r := runCLI(t, "--db", db, "--json", "client", "create", "--name", "CLI tool", "--public",
		"--redirect-uri", "http://127.0.0.1/callback", "--scopes", "openid offline_access")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if _, ok := out["client_secret"]; ok {
		t.Errorf("result %s has a client_secret key; a public client has none", r.stdout)
	}
	var id string
	if err := json.Unmarshal(out["client_id"], &id); err != nil || id == "" {
		t.Fatalf("result %s has no client_id", r.stdout)
	}
	c, err := openStore(t, db).ClientByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Type != models.ClientPublic || len(c.SecretHash) != 0 {
		t.Errorf("stored client = %+v, want public without a secret hash", c)
	}
}

func TestClientCreateHumanOutputShowsSecretOnce(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "--db", tempDB(t), "client", "create", "--name", "Pixel", "--redirect-uri", "https://pixel.example/cb", "--scopes", "openid")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"client_id:", "client_secret:  oss_", "shown only once"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output %q does not contain %q", r.stdout, want)
		}
	}
}

var clientCreateRefusals = []struct {
	name      string
	args      []string
	fragments []string
}{
	{"http redirect URI on a non-loopback host", []string{"--name", "X", "--redirect-uri", "http://pixel.example/cb", "--scopes", "openid"}, []string{"http is only allowed for loopback"}},
	{"redirect URI with a fragment", []string{"--name", "X", "--redirect-uri", "https://pixel.example/cb#frag", "--scopes", "openid"}, []string{"fragment"}},
	{"relative redirect URI", []string{"--name", "X", "--redirect-uri", "/cb", "--scopes", "openid"}, []string{"absolute"}},
	{"unknown scope", []string{"--name", "X", "--redirect-uri", "https://pixel.example/cb", "--scopes", "openid files:nuke"}, []string{"unknown scopes: files:nuke"}},
	{"empty scopes", []string{"--name", "X", "--redirect-uri", "https://pixel.example/cb", "--scopes", " "}, []string{"at least one scope"}},
	{"bad logo URL", []string{"--name", "X", "--redirect-uri", "https://pixel.example/cb", "--scopes", "openid", "--logo-url", "javascript:alert(1)"}, []string{"logo URL"}},
	{"unknown owning workspace", []string{"--name", "X", "--redirect-uri", "https://pixel.example/cb", "--scopes", "openid", "--workspace", "no-such-id"}, []string{"owning workspace", "no-such-id"}},
	{"missing name", []string{"--redirect-uri", "https://pixel.example/cb", "--scopes", "openid"}, []string{"client create:", `required flag "name" not set`}},
	{"missing redirect URI", []string{"--name", "X", "--scopes", "openid"}, []string{`required flag "redirect-uri" not set`}},
	{"missing scopes", []string{"--name", "X", "--redirect-uri", "https://pixel.example/cb"}, []string{`required flag "scopes" not set`}},
}

func TestClientCreateRefusals(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	for _, tc := range clientCreateRefusals {
		t.Run(tc.name, func(t *testing.T) {
			wantFailure(t, runCLI(t, append([]string{"--db", db, "client", "create"}, tc.args...)...), tc.fragments...)
		})
	}
}

func TestClientDisable(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	id := mustString(t, runJSON(t, "--db", db, "client", "create", "--name", "X", "--redirect-uri", "https://x.example/cb", "--scopes", "openid"), "client_id")

	out := runJSON(t, "--db", db, "client", "disable", id)
	if want := (map[string]any{"client_id": id, "disabled": true}); !sameJSON(out, want) {
		t.Errorf("disable result = %v, want %v", out, want)
	}
	c, err := openStore(t, db).ClientByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Disabled() {
		t.Error("client is not disabled in the store")
	}

	// Disabling again is not an error and says so in words.
	r := runCLI(t, "--db", db, "client", "disable", id)
	if r.code != 0 || !strings.Contains(r.stdout, "Disabled client "+id) {
		t.Errorf("second disable: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestClientDisableRefusals(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	wantFailure(t, runCLI(t, "--db", db, "client", "disable", "no-such-client"), `no client has the id "no-such-client"`)
	wantFailure(t, runCLI(t, "--db", db, "client", "disable"), "missing client ID")
	wantFailure(t, runCLI(t, "--db", db, "client", "disable", "a", "b"), `unexpected argument "b"`)
}
