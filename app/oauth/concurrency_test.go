package oauth_test

import (
	"sync"
	"testing"

	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

// racers is how many goroutines race for one code or refresh token. SQLite
// serialises writers (immediate transactions, 5 s busy timeout), so the
// number stays modest.
const racers = 20

// race runs fn racers times at once and counts successes and
// invalid_grant refusals; anything else fails the test.
func race(t *testing.T, fn func() (oauth.TokenResponse, error)) (wins int, refused int) {
	t.Helper()
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		start = make(chan struct{})
		other []error
	)
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := fn()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && resp.AccessToken != "":
				wins++
			case oauth.HasCode(err, oauth.ErrCodeInvalidGrant):
				refused++
			default:
				other = append(other, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range other {
		t.Errorf("unexpected result: %v", err)
	}
	return wins, refused
}

func TestConcurrentCodeRedemption(t *testing.T) {
	e := newEnv(t)
	a := e.authorizeConf(t, fullScope)
	wins, refused := race(t, func() (oauth.TokenResponse, error) { return e.exchange(a) })
	if wins != 1 || refused != racers-1 {
		t.Errorf("successes, invalid_grant = %d, %d; want 1, %d", wins, refused, racers-1)
	}
	e.verifyAudit(t)
}

func TestConcurrentRefresh(t *testing.T) {
	e := newEnv(t)
	tok := e.mustExchange(t, e.authorizeConf(t, fullScope))
	wins, refused := race(t, func() (oauth.TokenResponse, error) { return e.refresh(e.conf, tok.RefreshToken, nil) })
	if wins != 1 || refused != racers-1 {
		t.Errorf("successes, invalid_grant = %d, %d; want 1, %d", wins, refused, racers-1)
	}
	e.verifyAudit(t)
}

// TestRedemptionIsConditional checks the guard the engine relies on where
// two transactions can both read a code or refresh token as unused (as on
// PostgreSQL under read committed; SQLite's immediate transactions
// serialise them before the read): the conditional update lets one win.
func TestRedemptionIsConditional(t *testing.T) {
	e := newEnv(t)
	a := e.authorizeConf(t, fullScope)
	tok := e.mustExchange(t, a)

	code, err := e.store.CodeByHash(e.ctx, secret.Key(a.code))
	if err != nil {
		t.Fatalf("CodeByHash: %v", err)
	}
	if won, err := e.store.MarkCodeUsed(e.ctx, code.ID, e.clock.Now()); err != nil || won {
		t.Errorf("MarkCodeUsed(used code) = %v, %v; want false", won, err)
	}

	e.mustRefresh(t, e.conf, tok.RefreshToken)
	old, err := e.store.TokenByHash(e.ctx, models.RefreshToken, secret.Key(tok.RefreshToken))
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if won, err := e.store.MarkRefreshRotated(e.ctx, old.ID, e.clock.Now()); err != nil || won {
		t.Errorf("MarkRefreshRotated(rotated token) = %v, %v; want false", won, err)
	}

	fresh := e.mustExchange(t, e.authorizeConf(t, fullScope))
	if err := e.revoke(e.conf, fresh.RefreshToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	revoked, err := e.store.TokenByHash(e.ctx, models.RefreshToken, secret.Key(fresh.RefreshToken))
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if won, err := e.store.MarkRefreshRotated(e.ctx, revoked.ID, e.clock.Now()); err != nil || won {
		t.Errorf("MarkRefreshRotated(revoked token) = %v, %v; want false", won, err)
	}
}
