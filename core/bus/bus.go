// Package bus is Periscope's internal topic bus: bounded, in-memory queues
// between ingestion, processing, writing and dispatch.
//
// Invariants, which every stage relies on:
//
//   - A message is accepted only by a successful TryPublish or Publish; a
//     full topic refuses at once (ErrFull) so that ingestion can answer 429
//     before it says 200. Nothing accepted is dropped: after Close, the
//     subscribers keep receiving until the topic is empty, and Wait returns
//     only when every handler call has returned.
//   - Close stops accepting (ErrClosed) and never blocks on subscribers.
//   - Handlers of one topic run on the goroutines the subscriber asked for;
//     a handler that panics is the subscriber's bug, not the bus's: stages
//     recover inside their handlers so one bad message cannot stop a stage.
//
// The API is deliberately small (publish, subscribe, close, wait, length) so
// that a durable bus (NATS JetStream) can implement the same contract for
// serialisable payloads later.
package bus

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrFull is returned by TryPublish when the topic is at capacity.
var ErrFull = errors.New("bus: topic is full")

// ErrClosed is returned by publishes after Close.
var ErrClosed = errors.New("bus: topic is closed")

// Topic is one bounded queue of T. The zero value is not usable; call
// NewTopic.
type Topic[T any] struct {
	name string
	ch   chan T

	mu     sync.RWMutex // guards closed against concurrent sends
	closed bool

	wg sync.WaitGroup // subscriber goroutines
}

// NewTopic returns a topic holding at most capacity messages not yet taken
// by a subscriber.
func NewTopic[T any](name string, capacity int) *Topic[T] {
	if capacity < 1 {
		capacity = 1
	}
	return &Topic[T]{name: name, ch: make(chan T, capacity)}
}

// Name returns the topic's name.
func (t *Topic[T]) Name() string { return t.name }

// Len returns the number of messages waiting.
func (t *Topic[T]) Len() int { return len(t.ch) }

// Cap returns the topic's capacity.
func (t *Topic[T]) Cap() int { return cap(t.ch) }

// TryPublish enqueues v without waiting: ErrFull when the topic is at
// capacity, ErrClosed after Close.
func (t *Topic[T]) TryPublish(v T) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return ErrClosed
	}
	select {
	case t.ch <- v:
		return nil
	default:
		return ErrFull
	}
}

// Publish enqueues v, waiting for room until ctx is done. It returns
// ErrClosed if the topic is closed before or while it waits.
func (t *Topic[T]) Publish(ctx context.Context, v T) error {
	for {
		if err := t.TryPublish(v); err != ErrFull {
			return err
		}
		// Wait without holding the lock so Close is never blocked by a
		// publisher stuck on a full topic.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// Subscribe starts n goroutines that call fn for each message until the
// topic is closed and empty.
func (t *Topic[T]) Subscribe(n int, fn func(T)) {
	for i := 0; i < n; i++ {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			for v := range t.ch {
				fn(v)
			}
		}()
	}
}

// SubscribeBatch starts one goroutine that calls fn with up to max messages
// at a time: it waits for one message, then takes whatever else is already
// waiting, so batches grow with load and latency stays low when idle.
func (t *Topic[T]) SubscribeBatch(max int, fn func([]T)) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		batch := make([]T, 0, max)
		for v := range t.ch {
			batch = append(batch[:0], v)
		fill:
			for len(batch) < max {
				select {
				case w, ok := <-t.ch:
					if !ok {
						break fill
					}
					batch = append(batch, w)
				default:
					break fill
				}
			}
			fn(batch)
		}
	}()
}

// Close stops accepting messages. Subscribers drain what is queued and then
// return. Close is idempotent.
func (t *Topic[T]) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.closed = true
		close(t.ch)
	}
}

// Wait blocks until every subscriber has returned (after Close) or ctx is
// done.
func (t *Topic[T]) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
