package apikeys

import (
	"sync"
	"time"
)

// lastUsedEvery bounds how often one key's "last used" time is written: the
// admin page shows minutes, not milliseconds, and a write per API call
// would serialise every request on the database's write lock.
const lastUsedEvery = time.Minute

// usageMemoLimit is how many keys the memo holds before it sweeps out the
// entries that are no longer fresh.
const usageMemoLimit = 100_000

// usageMemo remembers when each key's last-used time was last written by
// this process, so at most one write per key per minute happens here.
type usageMemo struct {
	mu      sync.Mutex
	written map[string]time.Time
}

func newUsageMemo() *usageMemo {
	return &usageMemo{written: make(map[string]time.Time)}
}

// due reports whether keyID's last-used time should be written at now, and
// if so records that it is being written.
func (u *usageMemo) due(keyID string, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if last, ok := u.written[keyID]; ok && now.Sub(last) < lastUsedEvery {
		return false
	}
	if len(u.written) > usageMemoLimit {
		for id, t := range u.written {
			if now.Sub(t) >= lastUsedEvery {
				delete(u.written, id)
			}
		}
	}
	u.written[keyID] = now
	return true
}

// forget drops keyID after a failed write, so the next use tries again.
func (u *usageMemo) forget(keyID string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.written, keyID)
}
