package main

import (
	"context"
	"strings"
	"testing"
)

func TestUserCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := tempDB(t)

	out := runJSON(t, "--db", db, "user", "create", "--email", "Ada@Example.com", "--password", "ada-password", "--name", "Ada Admin", "--platform-admin")
	id := mustString(t, out, "id")
	if len(out) != 1 {
		t.Errorf("result %v has keys besides id", out)
	}

	r := runCLI(t, "--db", db, "user", "create", "--email", "bob@example.com", "--password", "bob-password")
	if r.code != 0 {
		t.Fatalf("human user create: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "bob@example.com") || !strings.Contains(r.stdout, "Created user") {
		t.Errorf("human output %q does not say which user was created", r.stdout)
	}

	store := openStore(t, db)
	ada, err := store.UserByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatalf("created user not found: %v", err)
	}
	if ada.ID != id || ada.Name != "Ada Admin" || !ada.PlatformAdmin || !strings.HasPrefix(ada.PasswordHash, "$argon2id$") {
		t.Errorf("stored user = %+v, want id %q, name Ada Admin, platform admin, an argon2id hash", ada, id)
	}
	bob, err := store.UserByEmail(ctx, "bob@example.com")
	if err != nil {
		t.Fatalf("created user not found: %v", err)
	}
	if bob.Name != "bob" || bob.PlatformAdmin {
		t.Errorf("stored user = %+v, want name bob (from the email) and no platform admin", bob)
	}
}

var userCreateRefusals = []struct {
	name      string
	args      []string
	fragments []string
}{
	{"duplicate email, other case", []string{"--email", "TAKEN@example.com", "--password", "long-enough"}, []string{"already exists", "taken@example.com"}},
	{"missing email", []string{"--password", "long-enough"}, []string{`required flag "email" not set`}},
	{"missing password", []string{"--email", "x@example.com"}, []string{`required flag "password" not set`}},
	{"short password", []string{"--email", "x@example.com", "--password", "short"}, []string{"at least 8 characters"}},
	{"bad email", []string{"--email", "not-an-email", "--password", "long-enough"}, []string{"not a valid email"}},
	{"stray argument", []string{"--email", "x@example.com", "--password", "long-enough", "Extra"}, []string{`unexpected argument "Extra"`}},
}

func TestUserCreateRefusals(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	runJSON(t, "--db", db, "user", "create", "--email", "taken@example.com", "--password", "long-enough")
	for _, tc := range userCreateRefusals {
		t.Run(tc.name, func(t *testing.T) {
			wantFailure(t, runCLI(t, append([]string{"--db", db, "user", "create"}, tc.args...)...), tc.fragments...)
		})
	}
}
