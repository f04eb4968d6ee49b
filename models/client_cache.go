package models

import (
	"slices"
	"sync"
)

// clientCacheSize bounds the client cache; past it, entries are dropped at
// random (Go's map order). Registries are small, so this is a safety net.
const clientCacheSize = 10_000

// clientCache remembers clients by id for the Store that Open returned, so
// that authenticating a client on every token, introspection and revocation
// request costs no query. An entry is used only at the client epoch it was
// read at (epoch.go): every change to a client moves it when it commits (see
// clientChanged), and so does every change seen from another process, so a
// rotated secret or a disabled client is seen by this process's next
// request and by other processes within EpochPollEvery, like any other loss
// of power. This process's own token revocations leave it alone.
type clientCache struct {
	mu      sync.RWMutex
	entries map[string]cachedClient
}

type cachedClient struct {
	client Client
	epoch  uint64
}

func newClientCache() *clientCache {
	return &clientCache{entries: make(map[string]cachedClient)}
}

// get returns a copy of the cached client if it was read at epoch.
func (c *clientCache) get(id string, epoch uint64) (Client, bool) {
	c.mu.RLock()
	e, ok := c.entries[id]
	c.mu.RUnlock()
	if !ok || e.epoch != epoch {
		return Client{}, false
	}
	return cloneClient(e.client), true
}

// put remembers client as read at epoch, which must have been loaded before
// the read: a change committed in between then moved the epoch past it.
func (c *clientCache) put(client Client, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= clientCacheSize {
		for id := range c.entries {
			delete(c.entries, id)
			if len(c.entries) < clientCacheSize*9/10 {
				break
			}
		}
	}
	c.entries[client.ID] = cachedClient{client: cloneClient(client), epoch: epoch}
}

// cloneClient copies the parts of a client a caller could change in place,
// so that no caller shares them with the cache.
func cloneClient(c Client) Client {
	c.SecretHash = slices.Clone(c.SecretHash)
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.AllowedScopes = slices.Clone(c.AllowedScopes)
	if c.WorkspaceID != nil {
		id := *c.WorkspaceID
		c.WorkspaceID = &id
	}
	if c.DisabledAt != nil {
		at := *c.DisabledAt
		c.DisabledAt = &at
	}
	c.Workspace = nil
	return c
}
