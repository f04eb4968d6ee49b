package accounts_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/consentry/consentry/app/accounts"
)

// throttleLimits are small so the table stays readable.
var throttleLimits = accounts.ThrottleLimits{PerAccount: 3, PerIP: 5, Window: 10 * time.Minute}

type attempt struct{ email, ip string }

// throttleStep advances the clock, then records failures, then a success.
type throttleStep struct {
	advance time.Duration
	fail    []attempt
	succeed string
}

func repeat(a attempt, n int) []attempt {
	out := make([]attempt, n)
	for i := range out {
		out[i] = a
	}
	return out
}

var (
	aliceIP1 = attempt{"alice@example.com", "192.0.2.1"}
	aliceIP2 = attempt{"alice@example.com", "192.0.2.2"}
	bobIP1   = attempt{"bob@example.com", "192.0.2.1"}
	bobIP2   = attempt{"bob@example.com", "192.0.2.2"}
)

// spray is one failure for each of n different accounts from ip.
func spray(ip string, n int) []attempt {
	out := make([]attempt, n)
	for i := range out {
		out[i] = attempt{fmt.Sprintf("user%d@example.com", i), ip}
	}
	return out
}

var throttleTests = []struct {
	name     string
	steps    []throttleStep
	check    attempt
	wantWait time.Duration // 0: not blocked
}{
	{name: "nothing recorded", check: aliceIP1},
	{name: "below the account limit", steps: []throttleStep{{fail: repeat(aliceIP1, 2)}}, check: aliceIP1},
	{name: "at the account limit", steps: []throttleStep{{fail: repeat(aliceIP1, 3)}}, check: aliceIP1, wantWait: 10 * time.Minute},
	{
		name:     "the wait is what is left of the window",
		steps:    []throttleStep{{fail: repeat(aliceIP1, 3)}, {advance: 4 * time.Minute}},
		check:    aliceIP1,
		wantWait: 6 * time.Minute,
	},
	{
		name:     "the window starts at the first failure",
		steps:    []throttleStep{{fail: repeat(aliceIP1, 2)}, {advance: 9 * time.Minute, fail: []attempt{aliceIP1}}},
		check:    aliceIP1,
		wantWait: time.Minute,
	},
	{
		name:     "one second before the window ends",
		steps:    []throttleStep{{fail: repeat(aliceIP1, 3)}, {advance: 10*time.Minute - time.Second}},
		check:    aliceIP1,
		wantWait: time.Second,
	},
	{
		name:  "the window has ended",
		steps: []throttleStep{{fail: repeat(aliceIP1, 3)}, {advance: 10 * time.Minute}},
		check: aliceIP1,
	},
	{
		name:  "a failure after the window starts a new count",
		steps: []throttleStep{{fail: repeat(aliceIP1, 3)}, {advance: 10 * time.Minute, fail: repeat(aliceIP1, 2)}},
		check: aliceIP1,
	},
	{
		name:     "an account is blocked from every address",
		steps:    []throttleStep{{fail: []attempt{aliceIP1, aliceIP2, {"alice@example.com", "192.0.2.3"}}}},
		check:    attempt{"alice@example.com", "198.51.100.1"},
		wantWait: 10 * time.Minute,
	},
	{name: "another account from the same address", steps: []throttleStep{{fail: repeat(aliceIP1, 3)}}, check: bobIP1},
	{name: "another account from another address", steps: []throttleStep{{fail: repeat(aliceIP1, 3)}}, check: bobIP2},
	{name: "below the address limit", steps: []throttleStep{{fail: spray("192.0.2.9", 4)}}, check: attempt{"z@example.com", "192.0.2.9"}},
	{
		name:     "at the address limit, for any account",
		steps:    []throttleStep{{fail: spray("192.0.2.9", 5)}},
		check:    attempt{"z@example.com", "192.0.2.9"},
		wantWait: 10 * time.Minute,
	},
	{name: "the address limit is per address", steps: []throttleStep{{fail: spray("192.0.2.9", 5)}}, check: attempt{"z@example.com", "192.0.2.10"}},
	{
		name:  "success clears the account",
		steps: []throttleStep{{fail: repeat(aliceIP1, 3), succeed: "alice@example.com"}},
		check: aliceIP2,
	},
	{
		name:  "success clears only that account",
		steps: []throttleStep{{fail: append(repeat(aliceIP1, 3), repeat(bobIP2, 3)...), succeed: "alice@example.com"}},
		check: bobIP2, wantWait: 10 * time.Minute,
	},
	{
		name:     "success keeps the address count",
		steps:    []throttleStep{{fail: append(spray("192.0.2.9", 4), attempt{"alice@example.com", "192.0.2.9"}), succeed: "alice@example.com"}},
		check:    attempt{"z@example.com", "192.0.2.9"},
		wantWait: 10 * time.Minute,
	},
	{
		name:     "the longer of the two waits wins",
		steps:    []throttleStep{{fail: spray("192.0.2.9", 5)}, {advance: 5 * time.Minute, fail: repeat(aliceIP1, 3)}},
		check:    attempt{"alice@example.com", "192.0.2.9"},
		wantWait: 10 * time.Minute,
	},
	{
		// An email that looks like an address must not share its count.
		name:  "accounts and addresses are counted apart",
		steps: []throttleStep{{fail: []attempt{{"192.0.2.50", "a"}, {"192.0.2.50", "b"}, {"192.0.2.50", "c"}, {"192.0.2.50", "d"}, {"192.0.2.50", "e"}}}},
		check: attempt{"z@example.com", "192.0.2.50"},
	},
}

func TestThrottle(t *testing.T) {
	for _, tt := range throttleTests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			th := accounts.NewThrottle(throttleLimits, clock.Now)
			for _, st := range tt.steps {
				clock.Advance(st.advance)
				for _, a := range st.fail {
					th.Failed(a.email, a.ip)
				}
				if st.succeed != "" {
					th.Succeeded(st.succeed)
				}
			}
			wait, blocked := th.Blocked(tt.check.email, tt.check.ip)
			if wait != tt.wantWait || blocked != (tt.wantWait > 0) {
				t.Errorf("Blocked(%q, %q) = %v, %v; want %v, %v", tt.check.email, tt.check.ip, wait, blocked, tt.wantWait, tt.wantWait > 0)
			}
		})
	}
}

func TestThrottleIsSafeForConcurrentUse(t *testing.T) {
	clock := newFakeClock()
	th := accounts.NewThrottle(throttleLimits, clock.Now)
	done := make(chan struct{})
	for i := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				th.Failed("alice@example.com", fmt.Sprintf("192.0.2.%d", i))
				th.Blocked("alice@example.com", "192.0.2.1")
				th.Succeeded("bob@example.com")
			}
		}()
	}
	for range 4 {
		<-done
	}
	if _, blocked := th.Blocked("alice@example.com", "198.51.100.1"); !blocked {
		t.Error("200 failures did not block the account")
	}
}
