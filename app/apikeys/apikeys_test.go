package apikeys_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/uuid"
	_ "github.com/mattn/go-sqlite3"

	"github.com/consentry/consentry/app/apikeys"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

type env struct {
	keys  *apikeys.Service
	store *models.Store
	clock *storetest.Clock
	path  string // the SQLite file
	owner models.User
	ws    models.Workspace
	other models.Workspace
}

var admin = models.Actor{Type: models.ActorUser, ID: "admin-user", IP: "203.0.113.7", UserAgent: "test"}

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
	other := models.Workspace{ID: uuid.NewString(), Name: "Other", CreatedByID: owner.ID}
	for _, w := range []*models.Workspace{&ws, &other} {
		if err := store.CreateWorkspace(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	return env{keys: apikeys.New(store, rand.Reader, clock.Now), store: store, clock: clock, path: path, owner: owner, ws: ws, other: other}
}

// create makes a key in e.ws created by the owner, or fails the test.
func (e env) create(t *testing.T, name string) (models.APIKey, string) {
	t.Helper()
	k, plain, err := e.keys.Create(context.Background(), admin, e.ws.ID, name, e.owner.ID)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	return k, plain
}

// auditActions is every audit event's action, in order.
func auditActions(t *testing.T, s *models.Store) []models.AuditEvent {
	t.Helper()
	var out []models.AuditEvent
	err := s.EachAuditEvent(context.Background(), time.Time{}, func(ev models.AuditEvent) error {
		out = append(out, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreateThenAuthenticate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k, plain := e.create(t, "  CI deploys  ")

	if !strings.HasPrefix(plain, secret.PrefixAPIKey) || len(plain) != len(secret.PrefixAPIKey)+43 {
		t.Errorf("key %q: want osk_ and 256 bits in base64url", plain)
	}
	if k.Name != "CI deploys" || k.WorkspaceID != e.ws.ID || k.Revoked() || k.LastUsedAt != nil {
		t.Errorf("created key = %+v, want a trimmed name, the workspace, active and unused", k)
	}
	if got, want := k.Hint, plain[len(plain)-4:]; got != want {
		t.Errorf("hint = %q, want the key's last 4 characters %q", got, want)
	}
	if k.CreatedByID == nil || *k.CreatedByID != e.owner.ID {
		t.Errorf("created by %v, want %q", k.CreatedByID, e.owner.ID)
	}
	if !bytes.Equal(k.Hash, secret.Hash(plain)) {
		t.Error("the stored hash is not SHA-256 of the key")
	}

	got, err := e.keys.Authenticate(ctx, plain)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if got.ID != k.ID || got.WorkspaceID != e.ws.ID {
		t.Errorf("Authenticate = %+v, want key %q of workspace %q", got, k.ID, e.ws.ID)
	}
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("LastUsedAt = %v, want now", got.LastUsedAt)
	}
}

var invalidKeys = []struct{ name, key string }{
	{"empty", ""},
	{"no prefix", "not-a-key"},
	{"another kind of secret", secret.PrefixAccessToken + strings.Repeat("A", 43)},
	{"prefix only", secret.PrefixAPIKey},
	{"unknown key", secret.PrefixAPIKey + strings.Repeat("A", 43)},
	{"huge", secret.PrefixAPIKey + strings.Repeat("A", 10_000)},
}

func TestAuthenticateRefusesInvalidKeys(t *testing.T) {
	e := newEnv(t)
	_, plain := e.create(t, "real")
	cases := append(invalidKeys,
		struct{ name, key string }{"real key with a character dropped", plain[:len(plain)-1]},
		struct{ name, key string }{"real key with its prefix in upper case", "OSK_" + plain[4:]},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.keys.Authenticate(context.Background(), tc.key); !errors.Is(err, apikeys.ErrInvalidKey) {
				t.Errorf("Authenticate(%.20q…) err = %v, want ErrInvalidKey", tc.key, err)
			}
		})
	}
}

func TestAuthenticateDatabaseFailureIsNotInvalidKey(t *testing.T) {
	e := newEnv(t)
	_, plain := e.create(t, "real")
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := e.keys.Authenticate(context.Background(), plain)
	if err == nil || errors.Is(err, apikeys.ErrInvalidKey) {
		t.Errorf("Authenticate on a closed database: err = %v, want a database error, not ErrInvalidKey", err)
	}
}

func TestRevokedKeyStopsAtOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k, plain := e.create(t, "CI")
	if _, err := e.keys.Authenticate(ctx, plain); err != nil {
		t.Fatalf("Authenticate before revoking: %v", err)
	}
	before := e.store.TokenEpoch()
	if err := e.keys.Revoke(ctx, admin, e.ws.ID, k.ID); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if after := e.store.TokenEpoch(); after <= before {
		t.Errorf("token epoch %d → %d: a revoke must invalidate cached credentials", before, after)
	}
	if _, err := e.keys.Authenticate(ctx, plain); !errors.Is(err, apikeys.ErrInvalidKey) {
		t.Errorf("Authenticate after revoking: err = %v, want ErrInvalidKey", err)
	}
	stored, err := e.store.APIKeyByID(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.RevokedAt == nil || !stored.RevokedAt.Equal(e.clock.Now()) {
		t.Errorf("revoked at %v, want now", stored.RevokedAt)
	}
	if err := e.keys.Revoke(ctx, admin, e.ws.ID, k.ID); !errors.Is(err, apikeys.ErrUnknownKey) {
		t.Errorf("second Revoke: err = %v, want ErrUnknownKey", err)
	}
	if err := e.keys.RevokeByID(ctx, admin, k.ID); !errors.Is(err, apikeys.ErrUnknownKey) || !strings.Contains(err.Error(), "already revoked") {
		t.Errorf("RevokeByID of a revoked key: err = %v, want ErrUnknownKey saying it is already revoked", err)
	}
}

func TestRevokeThroughAnotherWorkspaceChangesNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k, plain := e.create(t, "CI")
	events := len(auditActions(t, e.store))

	if err := e.keys.Revoke(ctx, admin, e.other.ID, k.ID); !errors.Is(err, apikeys.ErrUnknownKey) {
		t.Fatalf("Revoke through another workspace: err = %v, want ErrUnknownKey", err)
	}
	if _, err := e.keys.Authenticate(ctx, plain); err != nil {
		t.Errorf("the key stopped working: %v", err)
	}
	stored, err := e.store.APIKeyByID(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Revoked() {
		t.Error("the key is marked revoked")
	}
	if got := len(auditActions(t, e.store)); got != events {
		t.Errorf("audit events %d → %d, want no event for a refused revoke", events, got)
	}
}

func TestRevokeUnknownKey(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if err := e.keys.Revoke(ctx, admin, e.ws.ID, "no-such-key"); !errors.Is(err, apikeys.ErrUnknownKey) {
		t.Errorf("Revoke: err = %v, want ErrUnknownKey", err)
	}
	if err := e.keys.RevokeByID(ctx, admin, "no-such-key"); !errors.Is(err, apikeys.ErrUnknownKey) {
		t.Errorf("RevokeByID: err = %v, want ErrUnknownKey", err)
	}
}

func TestRevokeByIDFindsTheWorkspace(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k, plain := e.create(t, "CI")
	cli := models.Actor{Type: models.ActorCLI, ID: "ops"}
	if err := e.keys.RevokeByID(ctx, cli, k.ID); err != nil {
		t.Fatalf("RevokeByID: %v", err)
	}
	if _, err := e.keys.Authenticate(ctx, plain); !errors.Is(err, apikeys.ErrInvalidKey) {
		t.Errorf("Authenticate after RevokeByID: err = %v, want ErrInvalidKey", err)
	}
	events := auditActions(t, e.store)
	last := events[len(events)-1]
	if last.Action != "api_key.revoked" || last.ActorType != models.ActorCLI || last.ActorID != "ops" || last.WorkspaceIDs != e.ws.ID {
		t.Errorf("last event = %+v, want api_key.revoked by the CLI in %s", last, e.ws.ID)
	}
}

func TestCreateUnknownWorkspace(t *testing.T) {
	e := newEnv(t)
	_, plain, err := e.keys.Create(context.Background(), admin, "no-such-workspace", "CI", "")
	if !errors.Is(err, apikeys.ErrUnknownWorkspace) || !strings.Contains(err.Error(), "no-such-workspace") {
		t.Errorf("Create: err = %v, want ErrUnknownWorkspace naming the id", err)
	}
	if plain != "" {
		t.Errorf("a refused Create returned key %q", plain)
	}
	if n := len(auditActions(t, e.store)); n != 0 {
		t.Errorf("%d audit events after a refused Create, want 0", n)
	}
}

func TestCreateUnknownCreator(t *testing.T) {
	e := newEnv(t)
	_, _, err := e.keys.Create(context.Background(), admin, e.ws.ID, "CI", "no-such-user")
	if !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Create: err = %v, want ErrNotFound for the creator", err)
	}
}

func TestCreateFromTheCommandLineHasNoCreator(t *testing.T) {
	e := newEnv(t)
	k, _, err := e.keys.Create(context.Background(), models.Actor{Type: models.ActorCLI, ID: "ops"}, e.ws.ID, "CI", "")
	if err != nil {
		t.Fatal(err)
	}
	if k.CreatedByID != nil {
		t.Errorf("created by %q, want nobody", *k.CreatedByID)
	}
}

func TestCreateFailsWithoutRandomness(t *testing.T) {
	e := newEnv(t)
	keys := apikeys.New(e.store, iotest.ErrReader(errors.New("no entropy")), e.clock.Now)
	if _, _, err := keys.Create(context.Background(), admin, e.ws.ID, "CI", ""); err == nil {
		t.Error("Create with a failing random source: got nil error")
	}
}

var nameCases = []struct {
	name    string
	in      string
	want    string
	problem string // "" when the name is accepted
}{
	{"plain", "CI deploys", "CI deploys", ""},
	{"trimmed", "\t  Zapier \n", "Zapier", ""},
	{"one character", "x", "x", ""},
	{"exactly 100 characters", strings.Repeat("é", 100), strings.Repeat("é", 100), ""},
	{"100 characters after trimming", "  " + strings.Repeat("a", 100) + "  ", strings.Repeat("a", 100), ""},
	{"empty", "", "", "the name is empty"},
	{"only spaces", "   \t ", "", "the name is empty"},
	{"101 characters", strings.Repeat("a", 101), "", "longer than 100 characters"},
	{"101 multi-byte characters", strings.Repeat("é", 101), "", "longer than 100 characters"},
	{"control character", "CI\x00key", "", "control characters"},
	{"invalid UTF-8", "CI \xff", "", "not valid UTF-8"},
}

func TestValidateName(t *testing.T) {
	for _, tc := range nameCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := apikeys.ValidateName(tc.in)
			if tc.problem == "" {
				if err != nil || got != tc.want {
					t.Errorf("ValidateName(%q) = %q, %v; want %q, nil", tc.in, got, err, tc.want)
				}
				return
			}
			var ne *apikeys.NameError
			if !errors.Is(err, apikeys.ErrInvalidName) || !errors.As(err, &ne) || !strings.Contains(ne.Problem, tc.problem) {
				t.Errorf("ValidateName(%q) err = %v, want a NameError about %q", tc.in, err, tc.problem)
			}
		})
	}
}

func TestCreateValidatesName(t *testing.T) {
	e := newEnv(t)
	for _, tc := range nameCases {
		t.Run(tc.name, func(t *testing.T) {
			k, plain, err := e.keys.Create(context.Background(), admin, e.ws.ID, tc.in, "")
			if tc.problem == "" {
				if err != nil || k.Name != tc.want || plain == "" {
					t.Errorf("Create(%q) = %q, %v; want a key named %q", tc.in, k.Name, err, tc.want)
				}
				return
			}
			if !errors.Is(err, apikeys.ErrInvalidName) || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("Create(%q) err = %v, want ErrInvalidName about %q", tc.in, err, tc.problem)
			}
		})
	}
}

func TestAuditTrail(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k, plain := e.create(t, "CI")
	if err := e.keys.Revoke(ctx, admin, e.ws.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	events := auditActions(t, e.store)
	if len(events) != 2 {
		t.Fatalf("got %d audit events, want 2", len(events))
	}
	for i, want := range []string{"api_key.created", "api_key.revoked"} {
		ev := events[i]
		if ev.Action != want || ev.WorkspaceIDs != e.ws.ID || ev.ActorType != admin.Type || ev.ActorID != admin.ID || ev.IP != admin.IP {
			t.Errorf("event %d = %+v, want %s by %v in %s", i, ev, want, admin, e.ws.ID)
		}
		for _, part := range []string{`"name":"CI"`, `"hint":"` + k.Hint + `"`, `"api_key_id":"` + k.ID + `"`} {
			if !strings.Contains(ev.Details, part) {
				t.Errorf("%s details %s lack %s", ev.Action, ev.Details, part)
			}
		}
		if strings.Contains(ev.Details, strings.TrimPrefix(plain, secret.PrefixAPIKey)) {
			t.Errorf("%s details hold the key", ev.Action)
		}
	}
	if n, err := e.store.VerifyAudit(ctx); err != nil || n != 2 {
		t.Errorf("VerifyAudit = %d, %v; want 2, nil", n, err)
	}
}

func TestKeyIsNeverStored(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k, plain := e.create(t, "Secret Holder")
	if _, err := e.keys.Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	randomPart := strings.TrimPrefix(plain, secret.PrefixAPIKey)

	// Every column of the key's row, read as raw bytes.
	db, err := sql.Open("sqlite3", "file:"+e.path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT * FROM api_keys WHERE id = ?", k.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("the key's row is missing")
	}
	values := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	var sawHash bool
	for i, v := range values {
		if bytes.Contains(v, []byte(randomPart)) || bytes.Contains(v, []byte(plain)) {
			t.Errorf("column %s holds the key", cols[i])
		}
		sawHash = sawHash || bytes.Equal(v, secret.Hash(plain))
	}
	if !sawHash {
		t.Error("no column holds the key's hash: the row read above is not the key's")
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}

	// Nor anywhere on disk, while the name and the hash are (which shows
	// the search can find what is there).
	var disk []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(e.path + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		disk = append(disk, b...)
	}
	if !bytes.Contains(disk, []byte("Secret Holder")) || !bytes.Contains(disk, k.Hash) {
		t.Fatal("the database files hold neither the key name nor its hash: the search below proves nothing")
	}
	if bytes.Contains(disk, []byte(randomPart)) {
		t.Error("the key is stored in the database")
	}
}

func TestLastUseIsWrittenAtMostOnceAMinute(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k, plain := e.create(t, "CI")
	start := e.clock.Now()

	lastUsed := func() time.Time {
		t.Helper()
		stored, err := e.store.APIKeyByID(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.LastUsedAt == nil {
			return time.Time{}
		}
		return *stored.LastUsedAt
	}
	if got := lastUsed(); !got.IsZero() {
		t.Fatalf("a new key was last used at %v, want never", got)
	}
	steps := []struct {
		advance time.Duration
		want    time.Time
	}{
		{0, start},
		{30 * time.Second, start},
		{29 * time.Second, start},
		{time.Second, start.Add(time.Minute)},
		{59 * time.Second, start.Add(time.Minute)},
		{10 * time.Minute, start.Add(time.Minute + 59*time.Second + 10*time.Minute)},
	}
	for i, s := range steps {
		e.clock.Advance(s.advance)
		if _, err := e.keys.Authenticate(ctx, plain); err != nil {
			t.Fatalf("step %d: Authenticate: %v", i, err)
		}
		if got := lastUsed(); !got.Equal(s.want) {
			t.Errorf("step %d (now %v): last used %v, want %v", i, e.clock.Now(), got, s.want)
		}
	}
}

func TestListNewestFirst(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	first, _ := e.create(t, "first")
	e.clock.Advance(time.Minute)
	second, _ := e.create(t, "second")
	if err := e.keys.Revoke(ctx, admin, e.ws.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.keys.Create(ctx, admin, e.other.ID, "elsewhere", ""); err != nil {
		t.Fatal(err)
	}
	got, err := e.keys.List(ctx, e.ws.ID)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(got) != 2 || got[0].ID != second.ID || got[1].ID != first.ID {
		t.Fatalf("List = %+v, want second then first", got)
	}
	if !got[1].Revoked() || got[0].Revoked() {
		t.Error("List does not show which key is revoked")
	}
	if got[0].CreatorName != "Owner" || got[0].CreatorEmail != "owner@example.com" {
		t.Errorf("creator = %q <%s>, want Owner <owner@example.com>", got[0].CreatorName, got[0].CreatorEmail)
	}
}
