package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// testParams make hashing cheap; the production cost is not under test.
var testParams = argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// errAny stands for "some error" in tables where no sentinel applies.
var errAny = errors.New("any error")

// checkErr fails the test unless err matches want: nil, errAny or a sentinel.
func checkErr(t *testing.T, call string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", call, err)
	case want == errAny && err == nil:
		t.Fatalf("%s succeeded, want an error", call)
	case want != nil && want != errAny && !errors.Is(err, want):
		t.Fatalf("%s err = %v, want %v", call, err, want)
	}
}

func newFakeClock() *storetest.Clock {
	return storetest.NewClock(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC))
}

// env is a service on a fresh store with the production throttle limits and
// a fake clock.
type env struct {
	svc   *accounts.Service
	store *models.Store
	clock *storetest.Clock
}

func newEnv(t *testing.T) env {
	t.Helper()
	store := storetest.Open(t)
	clock := newFakeClock()
	svc := accounts.New(store, accounts.NewPasswords(testParams), accounts.NewThrottle(accounts.DefaultThrottleLimits, clock.Now))
	return env{svc: svc, store: store, clock: clock}
}

const goodPassword = "correct horse battery"

func (e env) user(t *testing.T, email string) models.User {
	t.Helper()
	u, err := e.svc.CreateUser(context.Background(), accounts.NewUser{Email: email, Password: goodPassword})
	if err != nil {
		t.Fatalf("create user %q: %v", email, err)
	}
	return u
}

var createUserTests = []struct {
	name     string
	in       accounts.NewUser
	wantErr  error
	wantName string
}{
	{name: "valid", in: accounts.NewUser{Email: "ann@example.com", Password: "password", Name: "Ann"}, wantName: "Ann"},
	{name: "name is trimmed", in: accounts.NewUser{Email: "ann@example.com", Password: "password", Name: "  Ann Lee "}, wantName: "Ann Lee"},
	{name: "default name from email", in: accounts.NewUser{Email: "Bob.Smith@Example.com", Password: "password"}, wantName: "bob.smith"},
	{name: "blank name falls back to email", in: accounts.NewUser{Email: "bob@example.com", Password: "password", Name: "   "}, wantName: "bob"},
	{name: "eight characters of two bytes each", in: accounts.NewUser{Email: "ann@example.com", Password: "éééééééé"}, wantName: "ann"},
	{name: "password of exactly the byte limit", in: accounts.NewUser{Email: "ann@example.com", Password: strings.Repeat("a", accounts.MaxPasswordBytes)}, wantName: "ann"},

	{name: "empty email", in: accounts.NewUser{Email: "", Password: "password"}, wantErr: errAny},
	{name: "email without at", in: accounts.NewUser{Email: "alice", Password: "password"}, wantErr: errAny},
	{name: "email without domain", in: accounts.NewUser{Email: "alice@", Password: "password"}, wantErr: errAny},
	{name: "email without local part", in: accounts.NewUser{Email: "@example.com", Password: "password"}, wantErr: errAny},
	{name: "email with display name", in: accounts.NewUser{Email: "Alice <alice@example.com>", Password: "password"}, wantErr: errAny},
	{name: "two emails", in: accounts.NewUser{Email: "a@example.com, b@example.com", Password: "password"}, wantErr: errAny},
	{name: "email with a space", in: accounts.NewUser{Email: "a b@example.com", Password: "password"}, wantErr: errAny},
	{name: "email with two ats", in: accounts.NewUser{Email: "a@@example.com", Password: "password"}, wantErr: errAny},
	{name: "empty password", in: accounts.NewUser{Email: "ann@example.com", Password: ""}, wantErr: errAny},
	{name: "seven character password", in: accounts.NewUser{Email: "ann@example.com", Password: "1234567"}, wantErr: errAny},
	{name: "seven characters counted in runes, not bytes", in: accounts.NewUser{Email: "ann@example.com", Password: "ééééééé"}, wantErr: errAny},
	{name: "password one byte over the limit", in: accounts.NewUser{Email: "ann@example.com", Password: strings.Repeat("a", accounts.MaxPasswordBytes+1)}, wantErr: errAny},
	{name: "duplicate email", in: accounts.NewUser{Email: "taken@example.com", Password: "password"}, wantErr: accounts.ErrEmailTaken},
	{name: "duplicate email in other case", in: accounts.NewUser{Email: " TAKEN@Example.com", Password: "password"}, wantErr: accounts.ErrEmailTaken},
}

func TestCreateUser(t *testing.T) {
	for _, tt := range createUserTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t)
			taken := e.user(t, "taken@example.com")

			u, err := e.svc.CreateUser(ctx, tt.in)
			checkErr(t, "CreateUser", err, tt.wantErr)
			if tt.wantErr != nil {
				if u.ID != "" {
					t.Errorf("CreateUser returned user %q with an error", u.ID)
				}
				if got, err := e.store.UserByID(ctx, taken.ID); err != nil || got.PasswordHash != taken.PasswordHash {
					t.Errorf("existing user changed: %+v, %v", got, err)
				}
				if !errors.Is(tt.wantErr, accounts.ErrEmailTaken) {
					if _, err := e.store.UserByEmail(ctx, tt.in.Email); !errors.Is(err, models.ErrNotFound) {
						t.Errorf("refused user was stored: UserByEmail err = %v", err)
					}
				}
				return
			}
			if got, want := u.Email, models.NormalizeEmail(tt.in.Email); got != want {
				t.Errorf("email = %q, want %q", got, want)
			}
			if u.Name != tt.wantName {
				t.Errorf("name = %q, want %q", u.Name, tt.wantName)
			}
			stored, err := e.store.UserByEmail(ctx, tt.in.Email)
			if err != nil {
				t.Fatalf("UserByEmail: %v", err)
			}
			if stored.ID != u.ID || stored.Name != tt.wantName {
				t.Errorf("stored user = %+v, want id %q and name %q", stored, u.ID, tt.wantName)
			}
		})
	}
}

func TestCreateUserStoresAnArgon2idHash(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	const password = "s3cret-passphrase"
	a, err := e.svc.CreateUser(ctx, accounts.NewUser{Email: "a@example.com", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.CreateUser(ctx, accounts.NewUser{Email: "b@example.com", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.UserByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored.PasswordHash, password) {
		t.Fatalf("stored password hash %q contains the clear password", stored.PasswordHash)
	}
	if want := "$argon2id$v=19$m=1024,t=1,p=1$"; !strings.HasPrefix(stored.PasswordHash, want) {
		t.Errorf("stored hash = %q, want an argon2id encoding starting %q", stored.PasswordHash, want)
	}
	if ok, err := argon2id.ComparePasswordAndHash(password, stored.PasswordHash); err != nil || !ok {
		t.Errorf("ComparePasswordAndHash(password, stored) = %v, %v; want true", ok, err)
	}
	if a.PasswordHash == b.PasswordHash {
		t.Error("two users with one password have the same hash: the salt is missing")
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")

	for _, email := range []string{"alice@example.com", "ALICE@Example.com", " alice@example.com "} {
		got, err := e.svc.Authenticate(ctx, email, goodPassword, "192.0.2.1")
		if err != nil {
			t.Fatalf("Authenticate(%q, right password): %v", email, err)
		}
		if got.ID != alice.ID {
			t.Errorf("Authenticate(%q) = user %q, want %q", email, got.ID, alice.ID)
		}
	}

	_, wrongPassword := e.svc.Authenticate(ctx, "alice@example.com", "wrong password", "192.0.2.1")
	_, unknownEmail := e.svc.Authenticate(ctx, "nobody@example.com", goodPassword, "192.0.2.1")
	_, tooLong := e.svc.Authenticate(ctx, "alice@example.com", strings.Repeat("x", accounts.MaxPasswordBytes+1), "192.0.2.1")
	for name, err := range map[string]error{"wrong password": wrongPassword, "unknown email": unknownEmail, "too long password": tooLong} {
		if !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Errorf("%s: err = %v, want ErrInvalidCredentials", name, err)
		}
	}
	if wrongPassword == nil || unknownEmail == nil || wrongPassword.Error() != unknownEmail.Error() {
		t.Errorf("wrong password says %q, unknown email says %q: want the same message", wrongPassword, unknownEmail)
	}
}

func TestAuthenticateWithACorruptHashIsNotInvalidCredentials(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	if err := e.store.SetPassword(ctx, alice.ID, "not-a-hash"); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Authenticate(ctx, "alice@example.com", goodPassword, "192.0.2.1")
	if err == nil || errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Fatalf("Authenticate with a corrupt stored hash: err = %v, want an internal error", err)
	}
}

// fail signs in with a wrong password and insists on ErrInvalidCredentials.
func (e env) fail(t *testing.T, email, ip string) {
	t.Helper()
	if _, err := e.svc.Authenticate(context.Background(), email, "wrong password", ip); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Fatalf("Authenticate(%q, wrong, %s) err = %v, want ErrInvalidCredentials", email, ip, err)
	}
}

// wantThrottled signs in with the right password and insists on a
// *ThrottledError.
func (e env) wantThrottled(t *testing.T, email, ip string) *accounts.ThrottledError {
	t.Helper()
	_, err := e.svc.Authenticate(context.Background(), email, goodPassword, ip)
	var throttled *accounts.ThrottledError
	if !errors.As(err, &throttled) {
		t.Fatalf("Authenticate(%q, right, %s) err = %v, want *ThrottledError", email, ip, err)
	}
	return throttled
}

// wantSignedIn signs in with the right password and insists it works.
func (e env) wantSignedIn(t *testing.T, email, ip string) {
	t.Helper()
	if _, err := e.svc.Authenticate(context.Background(), email, goodPassword, ip); err != nil {
		t.Fatalf("Authenticate(%q, right, %s): %v, want success", email, ip, err)
	}
}

func TestDefaultThrottleLimits(t *testing.T) {
	want := accounts.ThrottleLimits{PerAccount: 5, PerIP: 20, Window: 15 * time.Minute}
	if accounts.DefaultThrottleLimits != want {
		t.Errorf("DefaultThrottleLimits = %+v, want %+v", accounts.DefaultThrottleLimits, want)
	}
}

func TestAuthenticateThrottlesAnAccountAfterFiveFailures(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice@example.com")
	// Failures from several addresses and in any case count for one account.
	emails := []string{"alice@example.com", "ALICE@example.com", "Alice@Example.com", "alice@example.com", "alice@EXAMPLE.com"}
	for i, email := range emails[:4] {
		e.fail(t, email, fmt.Sprintf("192.0.2.%d", i+1))
	}
	e.clock.Advance(time.Minute)
	e.fail(t, emails[4], "198.51.100.1")

	throttled := e.wantThrottled(t, "alice@example.com", "203.0.113.9")
	if got, want := throttled.RetryAfter, 15*time.Minute-time.Minute; got != want {
		t.Errorf("RetryAfter = %v, want %v (the rest of the window)", got, want)
	}
	if !strings.Contains(throttled.Error(), "14m") {
		t.Errorf("message %q does not say how long to wait", throttled.Error())
	}
	// A throttled attempt is not a failure: it does not lengthen the wait.
	e.clock.Advance(13*time.Minute + 59*time.Second)
	e.wantThrottled(t, "alice@example.com", "203.0.113.9")
	e.clock.Advance(time.Second)
	e.wantSignedIn(t, "alice@example.com", "203.0.113.9")
}

func TestAuthenticateThrottlesUnknownAccountsToo(t *testing.T) {
	e := newEnv(t)
	for range 5 {
		e.fail(t, "ghost@example.com", "192.0.2.1")
	}
	// Same answer as for a real account, so throttling does not reveal
	// which accounts exist.
	_, err := e.svc.Authenticate(context.Background(), "ghost@example.com", goodPassword, "192.0.2.2")
	var throttled *accounts.ThrottledError
	if !errors.As(err, &throttled) {
		t.Fatalf("err = %v, want *ThrottledError", err)
	}
}

func TestAuthenticateThrottlesAnAddressAfterTwentyFailures(t *testing.T) {
	e := newEnv(t)
	e.user(t, "victim@example.com")
	const sprayer = "203.0.113.66"
	for i := range 19 {
		e.fail(t, fmt.Sprintf("spray%d@example.com", i), sprayer)
	}
	e.wantSignedIn(t, "victim@example.com", sprayer) // 19 is still under the limit
	e.fail(t, "sprayz@example.com", sprayer)

	e.wantThrottled(t, "victim@example.com", sprayer)
	e.wantSignedIn(t, "victim@example.com", "192.0.2.1")
	e.clock.Advance(accounts.DefaultThrottleLimits.Window)
	e.wantSignedIn(t, "victim@example.com", sprayer)
}

func TestAuthenticateSuccessResetsTheAccountButNotTheAddress(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice@example.com")
	e.user(t, "bob@example.com")
	const ip = "192.0.2.7"
	for range 4 {
		e.fail(t, "alice@example.com", ip)
	}
	e.wantSignedIn(t, "alice@example.com", ip)
	for range 4 {
		e.fail(t, "alice@example.com", ip)
	}
	// 8 failures in the window, but only 4 since the last success.
	e.wantSignedIn(t, "alice@example.com", ip)

	// The address has 8 failures; 12 more make 20 even though alice
	// succeeded twice in between.
	for i := range 12 {
		e.fail(t, fmt.Sprintf("other%d@example.com", i), ip)
	}
	e.wantThrottled(t, "bob@example.com", ip)
}
