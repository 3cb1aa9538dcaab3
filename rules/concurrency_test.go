package rules

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

// TestGroupIsPureAndConcurrent: grouping never changes the event, and one
// Engine (or a Holder being swapped) serves many goroutines.
func TestGroupIsPureAndConcurrent(t *testing.T) {
	events := []*core.EventData{goEvent(), pythonEvent(), messageEvent(), dbEvent("OperationalError", "db.pool")}
	before := make([][]byte, len(events))
	for i, ev := range events {
		before[i], _ = json.Marshal(ev)
	}
	h := NewHolder(mustEngine(t, dbRules))
	want := make([]string, len(events))
	for i, ev := range events {
		want[i] = h.Group(ev).Hash
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				for i, ev := range events {
					if got := h.Group(ev).Hash; got != want[i] {
						t.Errorf("event %d: hash %s, want %s", i, got, want[i])
						return
					}
				}
			}
		}()
	}
	for n := 0; n < 20; n++ {
		h.Swap(mustEngine(t, dbRules))
	}
	wg.Wait()
	for i, ev := range events {
		after, _ := json.Marshal(ev)
		if string(after) != string(before[i]) {
			t.Errorf("event %d was modified by grouping", i)
		}
	}
}
