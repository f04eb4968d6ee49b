package accounts

import (
	"net/netip"
	"sync"
	"time"
)

// ThrottleLimits bounds failed sign-in attempts within one window.
type ThrottleLimits struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// DefaultThrottleLimits allows 5 failures per account and 20 per IP address
// in 15 minutes.
var DefaultThrottleLimits = ThrottleLimits{PerAccount: 5, PerIP: 20, Window: 15 * time.Minute}

// Throttle counts failed sign-ins per account and per IP address in fixed
// windows. It is per process: several instances each keep their own counts.
type Throttle struct {
	limits ThrottleLimits
	now    func() time.Time

	mu       sync.Mutex
	failures map[string]*failureWindow
}

type failureWindow struct {
	start time.Time
	count int
}

// maxTrackedKeys bounds memory; expired windows are swept when it is reached.
const maxTrackedKeys = 100_000

// NewThrottle returns a throttle with the given limits and clock.
func NewThrottle(limits ThrottleLimits, now func() time.Time) *Throttle {
	return &Throttle{limits: limits, now: now, failures: make(map[string]*failureWindow)}
}

func accountKey(email string) string { return "account:" + email }

// ipKey counts IPv6 clients by their /64, the block one subscriber usually
// holds, so rotating through it does not escape the limit.
func ipKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Unmap().Is4() {
		return "ip:" + ip
	}
	prefix, err := addr.Prefix(64)
	if err != nil {
		return "ip:" + ip
	}
	return "ip:" + prefix.String()
}

// Blocked reports whether a sign-in for email from ip must be refused, and
// for how long.
func (t *Throttle) Blocked(email, ip string) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := max(t.blockedFor(accountKey(email), t.limits.PerAccount, now), t.blockedFor(ipKey(ip), t.limits.PerIP, now))
	return wait, wait > 0
}

func (t *Throttle) blockedFor(key string, limit int, now time.Time) time.Duration {
	w, ok := t.failures[key]
	if !ok || now.Sub(w.start) >= t.limits.Window || w.count < limit {
		return 0
	}
	return w.start.Add(t.limits.Window).Sub(now)
}

// Failed records a failed sign-in for email from ip.
func (t *Throttle) Failed(email, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.failures) >= maxTrackedKeys {
		t.sweep(now)
	}
	for _, key := range [...]string{accountKey(email), ipKey(ip)} {
		w, ok := t.failures[key]
		if !ok || now.Sub(w.start) >= t.limits.Window {
			w = &failureWindow{start: now}
			t.failures[key] = w
		}
		w.count++
	}
}

// Succeeded forgets the account's failures after a successful sign-in. The
// IP address keeps its count: one right password must not reset a spray.
func (t *Throttle) Succeeded(email string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, accountKey(email))
}

func (t *Throttle) sweep(now time.Time) {
	for key, w := range t.failures {
		if now.Sub(w.start) >= t.limits.Window {
			delete(t.failures, key)
		}
	}
}
