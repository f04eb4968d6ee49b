package resource

import (
	"context"
	"slices"
	"sync"

	"github.com/consentry/consentry/models"
)

// membershipCache remembers each user's workspaces and roles until the
// token epoch moves (every membership change moves it), so role checks and
// workspace listings cost no database round trip when nothing changed.
type membershipCache struct {
	store *models.Store

	mu      sync.RWMutex
	epoch   uint64
	entries map[string][]models.UserWorkspace
}

const membershipCacheSize = 100_000

func newMembershipCache(store *models.Store) *membershipCache {
	return &membershipCache{store: store, entries: make(map[string][]models.UserWorkspace)}
}

// of returns the user's workspaces with their role in each. The slice is
// shared: callers must not modify it.
func (c *membershipCache) of(ctx context.Context, userID string) ([]models.UserWorkspace, error) {
	epoch := c.store.TokenEpoch()
	c.mu.RLock()
	ws, ok := c.entries[userID]
	fresh := c.epoch == epoch
	c.mu.RUnlock()
	if ok && fresh {
		return ws, nil
	}
	ws, err := c.store.WorkspacesOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.epoch != epoch || len(c.entries) >= membershipCacheSize {
		clear(c.entries)
		c.epoch = epoch
	}
	c.entries[userID] = ws
	c.mu.Unlock()
	return ws, nil
}

// role returns the user's role in a workspace, and whether they are a member.
func (c *membershipCache) role(ctx context.Context, userID, workspaceID string) (models.Role, bool, error) {
	ws, err := c.of(ctx, userID)
	if err != nil {
		return "", false, err
	}
	i := slices.IndexFunc(ws, func(w models.UserWorkspace) bool { return w.ID == workspaceID })
	if i < 0 {
		return "", false, nil
	}
	return ws[i].Role, true, nil
}
