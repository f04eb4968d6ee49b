package oauth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// bearerCacheTTL caps how long a cached answer is trusted even while the
// token epoch stands still — a safety net, not the mechanism: every change
// that takes power from a token moves the epoch (models/epoch.go).
const bearerCacheTTL = 30 * time.Second

// bearerCacheSize bounds memory; when full, entries are dropped at random
// (Go's map order), which keeps hot tokens with high probability.
const bearerCacheSize = 50_000

// bearerCache remembers what an access token may do, keyed by the token's
// hash, so a bearer check costs no database round trip when nothing changed.
// An entry is used only at the token epoch it was read at.
type bearerCache struct {
	mu      sync.RWMutex
	entries map[[sha256.Size]byte]cachedAccess
}

type cachedAccess struct {
	access  Access
	grantID string
	epoch   uint64
	until   time.Time
}

func newBearerCache() *bearerCache {
	return &bearerCache{entries: make(map[[sha256.Size]byte]cachedAccess)}
}

// get returns the cached access for hash if it is still good at epoch and now.
func (c *bearerCache) get(hash [sha256.Size]byte, epoch uint64, now time.Time) (cachedAccess, bool) {
	c.mu.RLock()
	e, ok := c.entries[hash]
	c.mu.RUnlock()
	if !ok || e.epoch != epoch || !now.Before(e.until) {
		return cachedAccess{}, false
	}
	return e, true
}

func (c *bearerCache) put(hash [sha256.Size]byte, e cachedAccess) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= bearerCacheSize {
		n := 0
		for k := range c.entries {
			delete(c.entries, k)
			if n++; n >= bearerCacheSize/10 {
				break
			}
		}
	}
	c.entries[hash] = e
}
