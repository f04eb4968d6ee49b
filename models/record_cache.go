package models

import (
	"slices"
	"sync"
	"sync/atomic"
)

// recordCacheSize bounds each record cache; past it, entries are dropped at
// random (Go's map order). Registries and user bases this size fit in a few
// megabytes, and past it the cache is a safety net, not a store.
const recordCacheSize = 10_000

// recordCache remembers records by id for the Store that Open returned: the
// clients that every token, introspection and revocation request
// authenticates, and the users every signed-in page loads, used only at the
// directory epoch they were read at (epoch.go): every change to a client or
// a user moves it when it commits (see directoryChanged), and so does every
// change seen from another process, so a rotated secret, a disabled client
// or a new password is seen by this process's next request and by other
// processes within EpochPollEvery, like any other loss of power; this
// process's own token revocations leave it alone. And each user's
// workspaces and roles, which every consent and every workspace-scoped API
// call reads, used only at the token epoch they were read at: every change
// to a membership, and every new workspace, moves that one.
type recordCache[T any] struct {
	mu      sync.RWMutex
	entries map[string]cachedRecord[T]
	// clone copies the parts of a record a caller could change in place,
	// so that no caller shares them with the cache.
	clone func(T) T
}

type cachedRecord[T any] struct {
	record T
	epoch  uint64
}

func newRecordCache[T any](clone func(T) T) *recordCache[T] {
	return &recordCache[T]{entries: make(map[string]cachedRecord[T]), clone: clone}
}

// get returns a copy of the cached record if it was read at epoch.
func (c *recordCache[T]) get(id string, epoch uint64) (T, bool) {
	c.mu.RLock()
	e, ok := c.entries[id]
	c.mu.RUnlock()
	if !ok || e.epoch != epoch {
		var zero T
		return zero, false
	}
	return c.clone(e.record), true
}

// put remembers record as read at epoch, which must have been loaded before
// the read: a change committed in between then moved the epoch past it.
func (c *recordCache[T]) put(id string, record T, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= recordCacheSize {
		for id := range c.entries {
			delete(c.entries, id)
			if len(c.entries) < recordCacheSize*9/10 {
				break
			}
		}
	}
	c.entries[id] = cachedRecord[T]{record: c.clone(record), epoch: epoch}
}

// cloneClient copies the parts of a client a caller could change in place.
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

// cloneUser copies a user: every field is a value.
func cloneUser(u User) User { return u }

// cloneMemberships copies a user's workspace list.
func cloneMemberships(ws []UserWorkspace) []UserWorkspace { return slices.Clone(ws) }

// cachedRead returns the record with id from cache, or reads it with read and
// caches it, at the value of epoch loaded before the read. cache is nil on
// the Stores of transactions, which must see their own writes.
func cachedRead[T any](cache *recordCache[T], epoch *atomic.Uint64, id string, read func() (T, error)) (T, error) {
	if cache == nil {
		return read()
	}
	at := epoch.Load()
	if r, ok := cache.get(id, at); ok {
		return r, nil
	}
	r, err := read()
	if err == nil {
		cache.put(id, r, at)
	}
	return r, err
}
