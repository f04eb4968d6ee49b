package accounts

import (
	"strconv"
	"testing"
	"time"
)

func TestThrottleSweepsExpiredWindowsWhenFull(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	th := NewThrottle(ThrottleLimits{PerAccount: 5, PerIP: 20, Window: time.Minute}, func() time.Time { return now })
	// One address and many accounts fill the map to its bound.
	for i := range maxTrackedKeys {
		th.Failed("user"+strconv.Itoa(i)+"@example.com", "192.0.2.1")
	}
	if got := len(th.failures); got < maxTrackedKeys {
		t.Fatalf("tracked keys = %d, want at least %d", got, maxTrackedKeys)
	}
	now = now.Add(time.Minute)
	th.Failed("late@example.com", "192.0.2.2")
	if got, want := len(th.failures), 2; got != want {
		t.Errorf("tracked keys after a sweep = %d, want %d (only the fresh account and address)", got, want)
	}
}

func TestIPKey(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"192.0.2.1", "192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.2", false},
		{"not-an-ip", "not-an-ip", true},
	}
	for _, tt := range tests {
		if got := ipKey(tt.a) == ipKey(tt.b); got != tt.same {
			t.Errorf("ipKey(%q) == ipKey(%q) is %v, want %v (%q, %q)", tt.a, tt.b, got, tt.same, ipKey(tt.a), ipKey(tt.b))
		}
	}
}
