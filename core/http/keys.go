package http

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"

	"github.com/periscope-hq/periscope/core"
)

// Bounds of the ingest key cache. A key found in the database is kept
// (least recently used first out) for keyStaleFor, fresh for the cache's
// TTL and afterwards used only when the database cannot answer; a key not
// found is remembered for the TTL in a separate, smaller list, so a flood
// of invented keys cannot push the real ones out.
const (
	maxKnownKeys   = 50000
	maxUnknownKeys = 10000
	keyStaleFor    = 24 * time.Hour
	keyLookupLimit = 5 * time.Second
)

// keyCache remembers key lookups (found or not), with the settings of the
// key's project that ingestion and grouping need, for a short TTL so that
// ingestion does not query the database per request. Revoking a key through
// this server drops it at once; other servers see it within the TTL.
// Concurrent lookups of one key share one database query. When the
// database fails, a key seen within keyStaleFor is served from the cache
// (stale on error); any other key gets an unavailableError.
type keyCache struct {
	store core.ProjectStore
	ttl   time.Duration
	now   func() time.Time

	known   *expirable.LRU[string, keyEntry]
	unknown *expirable.LRU[string, struct{}]
	group   singleflight.Group
}

type keyEntry struct {
	key         *core.ProjectKey
	projectRate int                   // the key's project's events per minute
	grouping    core.GroupingSettings // the key's project's grouping configuration
	fresh       time.Time             // served without asking the database until then
}

func newKeyCache(store core.ProjectStore, ttl time.Duration) *keyCache {
	return &keyCache{store: store, ttl: ttl, now: time.Now,
		known: expirable.NewLRU[string, keyEntry](maxKnownKeys, nil, keyStaleFor),
		// expirable sweeps in ttl/100 steps: keep that above zero.
		unknown: expirable.NewLRU[string, struct{}](maxUnknownKeys, nil, max(ttl, time.Millisecond)),
	}
}

// unavailableError is a failure a retry can fix (the database is
// unreachable): ingestion answers 503 with Retry-After.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return "service unavailable: " + e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

// Find returns the key or ENOTFOUND, or an *unavailableError when the
// database fails and the key is not in the cache.
func (c *keyCache) Find(ctx context.Context, publicKey string) (*core.ProjectKey, error) {
	e, err := c.find(ctx, publicKey)
	if err != nil {
		return nil, err
	}
	return e.key, nil
}

func (c *keyCache) find(ctx context.Context, publicKey string) (keyEntry, error) {
	e, known := c.known.Get(publicKey)
	if known && c.now().Before(e.fresh) {
		return e, nil
	}
	if !known && c.unknown.Contains(publicKey) {
		return keyEntry{}, core.Errorf(core.ENOTFOUND, "unknown key")
	}
	publicKey = strings.Clone(publicKey) // fasthttp reuses header buffers
	v, err, _ := c.group.Do(publicKey, func() (any, error) {
		// Not the request's context: the result serves every waiter.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keyLookupLimit)
		defer cancel()
		return c.lookup(ctx, publicKey)
	})
	switch {
	case err == nil:
		return v.(keyEntry), nil
	case core.IsNotFound(err):
		return keyEntry{}, err
	case known:
		return e, nil // stale on error: the database is down, the key was good
	default:
		return keyEntry{}, &unavailableError{err: err}
	}
}

// lookup asks the database and caches the answer.
func (c *keyCache) lookup(ctx context.Context, publicKey string) (keyEntry, error) {
	k, err := c.store.FindKey(ctx, publicKey)
	if core.IsNotFound(err) {
		c.known.Remove(publicKey)
		c.unknown.Add(publicKey, struct{}{})
		return keyEntry{}, core.Errorf(core.ENOTFOUND, "unknown key")
	} else if err != nil {
		return keyEntry{}, err
	}
	e := keyEntry{key: k, fresh: c.now().Add(c.ttl)}
	p, err := c.store.FindProjectByID(ctx, k.ProjectID)
	if err != nil && !core.IsNotFound(err) {
		return keyEntry{}, err
	} else if p != nil {
		e.projectRate, e.grouping = p.RateLimit, p.Grouping()
	}
	c.unknown.Remove(publicKey)
	c.known.Add(publicKey, e)
	return e, nil
}

// Forget drops a key from the cache.
func (c *keyCache) Forget(publicKey string) {
	c.known.Remove(publicKey)
	c.unknown.Remove(publicKey)
}

// isUnavailable reports whether err is a failure a retry can fix.
func isUnavailable(err error) bool {
	var u *unavailableError
	return errors.As(err, &u)
}
