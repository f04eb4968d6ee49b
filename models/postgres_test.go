package models_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// These tests need PostgreSQL (storetest.PostgresEnv); they skip, saying
// so, without it. Each opens two stores on one database, as two instances
// of the server behind a load balancer would.

// notifyBound is how soon another instance must see a committed change
// through its notification: well under EpochPollEvery, so a pass cannot be
// the poller's doing (and the poller is stopped where that matters).
const notifyBound = 100 * time.Millisecond

func twoInstances(t *testing.T) (a, b *models.Store) {
	t.Helper()
	dsn := storetest.NewPostgresDatabase(t)
	a = storetest.OpenDSN(t, dsn)
	b = storetest.OpenDSN(t, dsn)
	for _, s := range []*models.Store{a, b} {
		if !s.EpochNotifications() {
			t.Fatal("a PostgreSQL store is not listening for epoch notifications after Open")
		}
	}
	return a, b
}

// settle waits for notifications of changes already committed (the test's
// own set-up) to have arrived, so that a later move of the epoch is the one
// under test.
func settle() { time.Sleep(50 * time.Millisecond) }

// waitEpoch waits up to bound for s's epoch to move past from, and reports
// how long it took.
func waitEpoch(t *testing.T, s *models.Store, from uint64, bound time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for s.TokenEpoch() == from {
		if time.Since(start) > bound {
			t.Fatalf("epoch still %d after %s: the change was not noticed", from, bound)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// liveToken stores a user, client, grant and one live refresh token.
func liveToken(t *testing.T, s *models.Store) models.Token {
	t.Helper()
	ctx := context.Background()
	u := newUser(t, s, uuid.NewString()+"@example.com")
	c := newClient(t, s, "app-"+uuid.NewString()[:8])
	grantID, err := s.PutGrant(ctx, uuid.NewString(), u.ID, c.ID, "openid", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256([]byte(uuid.NewString()))
	tok := models.Token{
		ID: uuid.NewString(), Hash: hash[:], Kind: models.RefreshToken, GrantID: grantID, ClientID: c.ID,
		UserID: u.ID, FamilyID: uuid.NewString(), Scopes: "openid", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour),
	}
	if err := s.CreateTokens(ctx, nil, &tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestPostgresRevocationReachesOtherInstancesAtCommit(t *testing.T) {
	a, b := twoInstances(t)
	b.StopEpochPollerForTest() // only the notification can tell b
	tok := liveToken(t, a)
	ctx := context.Background()
	settle()
	before := b.TokenEpoch()

	committed := make(chan struct{})
	release := make(chan struct{})
	go func() {
		defer close(committed)
		_ = a.InTx(ctx, func(tx *models.Store) error {
			if _, ok, err := tx.RevokeLiveToken(ctx, tok.Hash, tok.ClientID, time.Now()); err != nil || !ok {
				t.Error(ok, err)
			}
			<-release
			return nil
		})
	}()
	// NOTIFY is delivered at commit: an open transaction tells nobody.
	time.Sleep(50 * time.Millisecond)
	if got := b.TokenEpoch(); got != before {
		t.Fatalf("b's epoch moved to %d while a's revocation was uncommitted", got)
	}
	close(release)
	<-committed
	took := waitEpoch(t, b, before, notifyBound)
	t.Logf("another instance saw the revocation %s after commit", took)
}

func TestPostgresListenerReconnectsAndCatchesUp(t *testing.T) {
	a, b := twoInstances(t)
	b.StopEpochPollerForTest()
	ctx := context.Background()
	tok := liveToken(t, a)
	settle()
	pid := b.EpochListenerPIDForTest()
	if pid == 0 {
		t.Fatal("no listening connection")
	}
	// Cut b's listening connection, as a failover or a network blip would,
	// and make a change while nobody listens.
	var killed bool
	if err := a.ScanForTest(&killed, "SELECT pg_terminate_backend(?)", pid); err != nil || !killed {
		t.Fatalf("terminate listener: %v, %v", killed, err)
	}
	before := b.TokenEpoch()
	if err := a.InTx(ctx, func(tx *models.Store) error {
		_, _, err := tx.RevokeLiveToken(ctx, tok.Hash, tok.ClientID, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// The listener reconnects with backoff and reads the counter once it
	// listens again, so the change made in the gap is not lost.
	waitEpoch(t, b, before, 5*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for b.EpochListenerConnectsForTest() < 2 || !b.EpochNotifications() {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not reconnect")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// And notifications flow again.
	fresh := liveToken(t, a)
	settle()
	again := b.TokenEpoch()
	if _, err := a.RevokeFamily(ctx, fresh.GrantID, fresh.FamilyID, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitEpoch(t, b, again, notifyBound)
}

// race runs fn on n goroutines, half through each store, released together,
// and counts the true results.
func race(t *testing.T, a, b *models.Store, n int, fn func(s *models.Store) (bool, error)) int64 {
	t.Helper()
	var wins atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			won, err := fn(s)
			if err != nil {
				t.Error(err)
			}
			if won {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	return wins.Load()
}

func TestPostgresCodeRedemptionIsExactlyOnceAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	ctx := context.Background()
	for round := range 5 {
		tok := liveToken(t, a)
		hash := sha256.Sum256(fmt.Appendf(nil, "code-%d", round))
		code := models.AuthCode{
			ID: uuid.NewString(), Hash: hash[:], ClientID: tok.ClientID, UserID: tok.UserID, GrantID: tok.GrantID,
			RedirectURI: "https://app.example/cb", CodeChallenge: "c", Scopes: "openid", WorkspaceIDs: []string{},
			ExpiresAt: time.Now().Add(time.Minute),
		}
		if err := a.CreateCode(ctx, &code); err != nil {
			t.Fatal(err)
		}
		wins := race(t, a, b, 8, func(s *models.Store) (bool, error) {
			var won bool
			err := s.InTx(ctx, func(tx *models.Store) error {
				c, err := tx.CodeByHash(ctx, hash[:])
				if err != nil || c.UsedAt != nil {
					return err
				}
				won, err = tx.MarkCodeUsed(ctx, c.ID, time.Now())
				return err
			})
			return won, err
		})
		if wins != 1 {
			t.Fatalf("round %d: %d redemptions of one code succeeded, want exactly 1", round, wins)
		}
	}
}

func TestPostgresRefreshRotationIsExactlyOnceAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	ctx := context.Background()
	for round := range 5 {
		tok := liveToken(t, a)
		wins := race(t, a, b, 8, func(s *models.Store) (bool, error) {
			var won bool
			err := s.InTx(ctx, func(tx *models.Store) error {
				var err error
				won, err = tx.MarkRefreshRotated(ctx, tok.ID, time.Now())
				return err
			})
			return won, err
		})
		if wins != 1 {
			t.Fatalf("round %d: %d rotations of one refresh token succeeded, want exactly 1", round, wins)
		}
	}
}

func TestPostgresAuditChainStaysOneChainAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	ctx := context.Background()
	const n = 40
	race(t, a, b, n, func(s *models.Store) (bool, error) {
		return true, s.InTx(ctx, func(tx *models.Store) error {
			_, err := tx.AppendAudit(ctx, auditActor, models.AuditRecord{Action: "test.append"}, time.Now())
			return err
		})
	})
	for _, s := range []*models.Store{a, b} {
		if got, err := s.VerifyAudit(ctx); err != nil || got != n {
			t.Fatalf("VerifyAudit() = %d, %v, want %d events in one intact chain", got, err, n)
		}
	}
}

func TestPostgresTimesAreStoredAndReadInUTC(t *testing.T) {
	storetest.RequirePostgres(t)
	s := storetest.Open(t)
	ctx := context.Background()
	tok := liveToken(t, s)
	at := time.Date(2031, 7, 1, 23, 30, 0, 123456000, time.FixedZone("UTC-5", -5*3600))
	if err := s.InTx(ctx, func(tx *models.Store) error {
		_, _, err := tx.RevokeLiveToken(ctx, tok.Hash, tok.ClientID, at)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByHash(ctx, models.RefreshToken, tok.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if got.RevokedAt == nil || !got.RevokedAt.Equal(at) || got.RevokedAt.Location() != time.UTC {
		t.Fatalf("RevokedAt = %v, want %v in UTC", got.RevokedAt, at.UTC())
	}
	var zone string
	if err := s.ScanForTest(&zone, "SHOW TimeZone"); err != nil || zone != "UTC" {
		t.Fatalf("session time zone = %q, %v; want UTC", zone, err)
	}
}

func TestPostgresTwoOwnersDemotedAtOnceLeaveOne(t *testing.T) {
	a, b := twoInstances(t)
	ctx := context.Background()
	alice := newUser(t, a, "alice@example.com")
	bob := newUser(t, a, "bob@example.com")
	ws := newWorkspace(t, a, "Acme", alice)
	if err := a.PutMembership(ctx, ws.ID, bob.ID, models.RoleOwner); err != nil {
		t.Fatal(err)
	}
	// Each instance demotes one owner after checking another remains, the
	// way accounts.Service does. Both counts are let through together when
	// nothing serialises them.
	var counted sync.WaitGroup
	counted.Add(2)
	demote := func(s *models.Store, who models.User) error {
		return s.InTx(ctx, func(tx *models.Store) error {
			n, err := tx.CountOwners(ctx, ws.ID)
			counted.Done()
			if err != nil {
				return err
			}
			waitOrTimeout(&counted, 300*time.Millisecond)
			if n <= 1 {
				return nil
			}
			return tx.PutMembership(ctx, ws.ID, who.ID, models.RoleAdmin)
		})
	}
	var wg sync.WaitGroup
	for _, d := range []struct {
		s   *models.Store
		who models.User
	}{{a, alice}, {b, bob}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := demote(d.s, d.who); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n, err := a.CountOwners(ctx, ws.ID)
	if err != nil || n != 1 {
		t.Fatalf("owners after two concurrent demotions = %d, %v; want 1", n, err)
	}
}

// waitOrTimeout waits for wg, or gives up after d (when the other side is
// blocked behind this one's lock).
func waitOrTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}
