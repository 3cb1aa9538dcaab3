package http

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// keyStore answers FindKey for one key; a unit-test stand-in for the
// database, counting the queries and failing while down is set.
type keyStore struct {
	core.ProjectStore
	key     *core.ProjectKey
	queries atomic.Int64
	down    atomic.Bool
	gate    chan struct{} // when not nil, FindKey waits for it
}

func (s *keyStore) FindKey(ctx context.Context, k string) (*core.ProjectKey, error) {
	s.queries.Add(1)
	if s.gate != nil {
		<-s.gate
	}
	if s.down.Load() {
		return nil, errors.New("connection refused")
	}
	if k == s.key.PublicKey {
		return s.key, nil
	}
	return nil, core.Errorf(core.ENOTFOUND, "no key %s", k)
}

func (s *keyStore) FindProjectByID(ctx context.Context, id int64) (*core.Project, error) {
	return &core.Project{ID: id, RateLimit: 7}, nil
}

const goodKey = "0123456789abcdef0123456789abcdef"

// A flood of invented keys leaves the cache within its bounds, and does
// not push out a real key: it is still served when the database goes down.
func TestKeyCacheIsBounded(t *testing.T) {
	st := &keyStore{key: &core.ProjectKey{PublicKey: goodKey, ProjectID: 1}}
	c := newKeyCache(st, time.Nanosecond)
	ctx := context.Background()
	if _, err := c.find(ctx, goodKey); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3*maxUnknownKeys; i++ {
		if _, err := c.find(ctx, fmt.Sprintf("%032x", i+1)); !core.IsNotFound(err) {
			t.Fatalf("invented key %d: %v, want not found", i, err)
		}
	}
	if n := c.unknown.Len(); n > maxUnknownKeys {
		t.Errorf("%d unknown keys cached, want at most %d", n, maxUnknownKeys)
	}
	if n := c.known.Len(); n != 1 {
		t.Errorf("%d known keys cached, want 1", n)
	}
	st.down.Store(true)
	e, err := c.find(ctx, goodKey)
	if err != nil || e.key.PublicKey != goodKey || e.projectRate != 7 {
		t.Fatalf("real key after the flood, database down: %+v, %v; want it served from the cache", e, err)
	}
	if _, err := c.find(ctx, fmt.Sprintf("%032x", 1<<40)); !isUnavailable(err) {
		t.Fatalf("a key never seen, database down: %v, want unavailable", err)
	}
}

// Concurrent lookups of one key make one database query.
func TestKeyCacheSharesLookups(t *testing.T) {
	st := &keyStore{key: &core.ProjectKey{PublicKey: goodKey, ProjectID: 1}, gate: make(chan struct{})}
	c := newKeyCache(st, time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.find(context.Background(), goodKey)
			errs <- err
		}()
	}
	for st.queries.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the other lookups join the first
	close(st.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := st.queries.Load(); n != 1 {
		t.Errorf("%d database queries for 50 concurrent lookups of one key, want 1", n)
	}
}

// The rate-limit buckets stay within their bound however many names are
// used, and a bucket in use keeps its state.
func TestLimiterIsBounded(t *testing.T) {
	l := newLimiter()
	t0 := time.Now()
	l.now = func() time.Time { return t0 } // no refill during the test
	if w := l.take("k:busy", 60, 60); w != 0 {
		t.Fatalf("first take: wait %d, want 0", w)
	}
	for i := 0; i < 2*maxBuckets; i++ {
		l.take(fmt.Sprintf("k:%d", i), 60, 1)
		if i%1000 == 0 {
			l.take("k:busy", 60, 0) // in use: not the least recently used
		}
	}
	if n := l.buckets.Len(); n > maxBuckets {
		t.Errorf("%d buckets, want at most %d", n, maxBuckets)
	}
	if w := l.take("k:busy", 60, 30); w == 0 {
		t.Errorf("the busy bucket was emptied before the flood and still grants 30: it was dropped")
	}
}
