package bus_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/bus"
)

func TestTryPublishFull(t *testing.T) {
	tp := bus.NewTopic[int]("t", 2)
	if err := tp.TryPublish(1); err != nil {
		t.Fatal(err)
	}
	if err := tp.TryPublish(2); err != nil {
		t.Fatal(err)
	}
	if err := tp.TryPublish(3); !errors.Is(err, bus.ErrFull) {
		t.Fatalf("got %v, want ErrFull", err)
	}
	if got := tp.Len(); got != 2 {
		t.Fatalf("Len got %d, want 2", got)
	}
}

func TestCloseDrainsEverything(t *testing.T) {
	tp := bus.NewTopic[int]("t", 1000)
	for i := 0; i < 1000; i++ {
		if err := tp.TryPublish(i); err != nil {
			t.Fatal(err)
		}
	}
	var sum atomic.Int64
	var calls atomic.Int64
	tp.Subscribe(4, func(v int) { time.Sleep(time.Microsecond); sum.Add(int64(v)); calls.Add(1) })
	tp.Close()
	if err := tp.TryPublish(1); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("publish after close: got %v, want ErrClosed", err)
	}
	if err := tp.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1000 || sum.Load() != 999*1000/2 {
		t.Fatalf("got %d calls sum %d, want 1000 calls sum %d", calls.Load(), sum.Load(), 999*1000/2)
	}
}

func TestSubscribeBatch(t *testing.T) {
	tp := bus.NewTopic[int]("t", 100)
	for i := 0; i < 100; i++ {
		_ = tp.TryPublish(i)
	}
	var mu sync.Mutex
	var got []int
	maxSeen := 0
	tp.SubscribeBatch(16, func(b []int) {
		mu.Lock()
		defer mu.Unlock()
		if len(b) > maxSeen {
			maxSeen = len(b)
		}
		got = append(got, b...)
	})
	tp.Close()
	_ = tp.Wait(context.Background())
	if len(got) != 100 {
		t.Fatalf("got %d messages, want 100", len(got))
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("message %d is %d: batches must keep order", i, v)
		}
	}
	if maxSeen > 16 || maxSeen < 2 {
		t.Fatalf("largest batch %d, want 2..16", maxSeen)
	}
}

func TestPublishWaitsForRoom(t *testing.T) {
	tp := bus.NewTopic[int]("t", 1)
	_ = tp.TryPublish(1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := tp.Publish(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded on a full topic", err)
	}
	done := make(chan error, 1)
	go func() { done <- tp.Publish(context.Background(), 3) }()
	var got []int
	var mu sync.Mutex
	tp.Subscribe(1, func(v int) { mu.Lock(); got = append(got, v); mu.Unlock() })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tp.Close()
	_ = tp.Wait(context.Background())
	if len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("got %v, want [1 3]", got)
	}
}

func TestConcurrentPublishAndClose(t *testing.T) {
	tp := bus.NewTopic[int]("t", 64)
	var received atomic.Int64
	tp.Subscribe(2, func(int) { received.Add(1) })
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				if tp.TryPublish(i) == nil {
					accepted.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Millisecond)
	tp.Close()
	wg.Wait()
	_ = tp.Wait(context.Background())
	if received.Load() != accepted.Load() {
		t.Fatalf("accepted %d, received %d: an accepted message was lost", accepted.Load(), received.Load())
	}
}

func BenchmarkTryPublish(b *testing.B) {
	tp := bus.NewTopic[int]("t", 4096)
	tp.Subscribe(1, func(int) {})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for tp.TryPublish(i) != nil {
		}
	}
	tp.Close()
	_ = tp.Wait(context.Background())
}
