package http

import (
	"math"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// Bounds of the bucket set: a bucket idle for a minute has refilled and is
// the same as a new one, so dropping it after bucketIdle changes nothing;
// past maxBuckets the least recently used go first.
const (
	maxBuckets = 100000
	bucketIdle = 2 * time.Minute
)

// limiter is a set of token buckets, one per name (a key or a project),
// refilled continuously at perMinute/60 tokens a second with a burst of one
// minute's worth. It answers how long to wait when a bucket is empty.
type limiter struct {
	mu      sync.Mutex
	buckets *expirable.LRU[string, *bucket]
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter() *limiter {
	return &limiter{buckets: expirable.NewLRU[string, *bucket](maxBuckets, nil, bucketIdle), now: time.Now}
}

// take removes n tokens from the bucket name with capacity perMinute. It
// returns 0 when allowed, else the seconds to wait before n tokens exist.
func (l *limiter) take(name string, perMinute int, n int) int {
	if perMinute <= 0 {
		return 0
	}
	now := l.now()
	rate := float64(perMinute) / 60
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets.Get(name)
	if !ok {
		b = &bucket{tokens: float64(perMinute), last: now}
	}
	l.buckets.Add(name, b) // a used bucket's idle time starts again
	b.tokens = math.Min(float64(perMinute), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= float64(n) {
		b.tokens -= float64(n)
		return 0
	}
	wait := (float64(n) - b.tokens) / rate
	return int(math.Ceil(wait))
}
