package http

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// keyCache remembers key lookups (found or not) for a short TTL so that
// ingestion does not query the database per request. Revoking a key through
// this server drops it at once; other servers see it within the TTL.
type keyCache struct {
	store core.ProjectStore
	ttl   time.Duration
	now   func() time.Time

	mu sync.RWMutex
	m  map[string]keyEntry
}

type keyEntry struct {
	key         *core.ProjectKey // nil: no such key
	projectRate int              // the key's project's events per minute
	expires     time.Time
}

func newKeyCache(store core.ProjectStore, ttl time.Duration) *keyCache {
	return &keyCache{store: store, ttl: ttl, now: time.Now, m: make(map[string]keyEntry)}
}

// Find returns the key or ENOTFOUND. Database errors are returned as they
// are and not cached.
func (c *keyCache) Find(ctx context.Context, publicKey string) (*core.ProjectKey, error) {
	e, err := c.find(ctx, publicKey)
	if err != nil {
		return nil, err
	}
	return e.key, nil
}

func (c *keyCache) find(ctx context.Context, publicKey string) (keyEntry, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.m[publicKey]
	c.mu.RUnlock()
	if !ok || now.After(e.expires) {
		k, err := c.store.FindKey(ctx, publicKey)
		if err != nil && !core.IsNotFound(err) {
			return keyEntry{}, err
		}
		e = keyEntry{key: k, expires: now.Add(c.ttl)}
		if k != nil {
			p, err := c.store.FindProjectByID(ctx, k.ProjectID)
			if err != nil && !core.IsNotFound(err) {
				return keyEntry{}, err
			} else if p != nil {
				e.projectRate = p.RateLimit
			}
		}
		c.mu.Lock()
		if len(c.m) > 100000 { // bound memory against key-guessing floods
			c.m = make(map[string]keyEntry)
		}
		c.m[strings.Clone(publicKey)] = e // fasthttp reuses header buffers
		c.mu.Unlock()
	}
	if e.key == nil {
		return keyEntry{}, core.Errorf(core.ENOTFOUND, "unknown key")
	}
	return e, nil
}

// Forget drops a key from the cache.
func (c *keyCache) Forget(publicKey string) {
	c.mu.Lock()
	delete(c.m, publicKey)
	c.mu.Unlock()
}
