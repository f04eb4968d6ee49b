package oauth

import (
	"context"
	"sync"
	"time"
)

// lastUsedEvery bounds how often one grant's "last used" time is written:
// the connected-apps page shows minutes, not milliseconds, and a write per
// API call would serialise every request on the database's write lock.
const lastUsedEvery = time.Minute

// usageTracker remembers when each grant's last-used time was last written
// by this process, so at most one write per grant per minute happens here.
type usageTracker struct {
	mu      sync.Mutex
	written map[string]time.Time
}

func newUsageTracker() *usageTracker {
	return &usageTracker{written: make(map[string]time.Time)}
}

// due reports whether grantID's last-used time should be written at now,
// and if so records that it is being written.
func (u *usageTracker) due(grantID string, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if last, ok := u.written[grantID]; ok && now.Sub(last) < lastUsedEvery {
		return false
	}
	if len(u.written) > 100_000 {
		for id, t := range u.written {
			if now.Sub(t) >= lastUsedEvery {
				delete(u.written, id)
			}
		}
	}
	u.written[grantID] = now
	return true
}

// touch records that a grant was used (a bearer call or an introspection
// that found the token active).
func (e *Engine) touch(ctx context.Context, grantID string) error {
	now := e.now()
	if !e.usage.due(grantID, now) {
		return nil
	}
	return e.store.TouchGrant(ctx, grantID, now)
}
