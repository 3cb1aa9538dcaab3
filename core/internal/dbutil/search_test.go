package dbutil_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

func prepared(issueTags ...[]core.Tag) []*dbutil.Prepared {
	var ps []*dbutil.Prepared
	for i, tags := range issueTags {
		ps = append(ps, &dbutil.Prepared{E: &core.Event{ProjectID: 1, Level: "error", Environment: "prod", Tags: tags},
			Timestamp: time.Unix(int64(i), 0).UTC()})
	}
	return ps
}

// TestBatchTags: one increment per (issue, key, value) of a batch, with
// level, environment and release derived, duplicates left out, a tag
// named like a derived one skipped, sorted.
func TestBatchTags(t *testing.T) {
	ps := prepared([]core.Tag{{Key: "b", Value: "1"}}, []core.Tag{{Key: "b", Value: "1"}, {Key: "level", Value: "x"}},
		[]core.Tag{{Key: "b", Value: "2"}}, []core.Tag{{Key: "b", Value: "1"}})
	got := dbutil.BatchTags(ps, []int64{7, 7, 7, 5}, []bool{true, true, true, false})
	var s []string
	for _, r := range got {
		s = append(s, fmt.Sprintf("%d:%s=%s*%d@%d", r.IssueID, r.Key, r.Value, r.Count, r.LastSeen.Unix()))
	}
	want := "[7:b=1*2@1 7:b=2*1@2 7:environment=prod*3@2 7:level=error*3@2]"
	if fmt.Sprint(s) != want {
		t.Errorf("got %v, want %s", s, want)
	}
}

// TestTagCounter: known rows are counted in memory until due, then
// written once; what was written leaves the pending counts, what came
// meanwhile stays.
func TestTagCounter(t *testing.T) {
	c := dbutil.NewTagCounter(100)
	t0 := time.Unix(1000, 0)
	row := func(v string, n int64) dbutil.TagCount {
		return dbutil.TagCount{IssueID: 1, ProjectID: 1, Key: "k", Value: v, Count: n, LastSeen: t0}
	}
	ins, later := c.Split([]dbutil.TagCount{row("a", 2), row("b", 1)})
	if len(ins) != 2 || len(later) != 0 {
		t.Fatalf("first batch: %d to insert, %d later; want 2, 0", len(ins), len(later))
	}
	c.Learn(ins, []string{"a", ""}) // b went to the overflow row
	ins, later = c.Split([]dbutil.TagCount{row("a", 3), row("b", 4), row("c", 1)})
	if len(ins) != 1 || ins[0].Value != "c" || len(later) != 2 || later[1].Value != "" {
		t.Fatalf("second batch: insert %v, later %v; want c inserted, a and b (as \"\") later", ins, later)
	}
	c.Add(later, t0)
	if p := c.Pending(1); p[[2]string{"k", "a"}] != 3 || p[[2]string{"k", ""}] != 4 {
		t.Errorf("pending %v, want a:3 and \"\":4", p)
	}
	if due := c.Due(t0.Add(time.Second), false); due != nil {
		t.Errorf("due after 1 s: %v, want nothing yet", due)
	}
	due := c.Due(t0.Add(dbutil.FlushEvery), false)
	if len(due) != 2 {
		t.Fatalf("due after FlushEvery: %v, want 2 rows", due)
	}
	c.Add([]dbutil.TagCount{row("a", 5)}, t0.Add(dbutil.FlushEvery)) // while the flush commits
	c.Flushed(due, t0.Add(dbutil.FlushEvery))
	if p := c.Pending(1); len(p) != 1 || p[[2]string{"k", "a"}] != 5 {
		t.Errorf("pending after flush %v, want a:5 only", p)
	}
	if due := c.Due(time.Time{}, true); len(due) != 1 {
		t.Errorf("forced due: %v, want the one pending row", due)
	}
}

// TestTagBatch: Plan splits a batch and takes the counts due; Commit
// learns the values the upsert answered (the others as the ” row), adds
// the known increments and forgets the flushed counts.
func TestTagBatch(t *testing.T) {
	c := dbutil.NewTagCounter(100)
	t0 := time.Unix(1000, 0)
	row := func(v string, n int64) dbutil.TagCount {
		return dbutil.TagCount{IssueID: 1, ProjectID: 1, Key: "k", Value: v, Count: n, LastSeen: t0}
	}
	b := c.Plan([]dbutil.TagCount{row("a", 2), row("b", 1)}, t0)
	if len(b.Insert) != 2 || len(b.Later) != 0 || b.Flush != nil {
		t.Fatalf("first batch: insert %v, later %v, flush %v; want a and b inserted", b.Insert, b.Later, b.Flush)
	}
	b.Counted(1, "k", "a")
	b.Counted(1, "k", "") // b went to the overflow row
	c.Commit(b)
	b = c.Plan([]dbutil.TagCount{row("a", 3), row("b", 4)}, t0)
	if len(b.Insert) != 0 || len(b.Later) != 2 || b.Later[1].Value != "" {
		t.Fatalf("second batch: insert %v, later %v; want a and b (as \"\") later", b.Insert, b.Later)
	}
	c.Commit(b)
	if p := c.Pending(1); p[[2]string{"k", "a"}] != 3 || p[[2]string{"k", ""}] != 4 {
		t.Errorf("pending %v, want a:3 and \"\":4", p)
	}
	later := t0.Add(dbutil.FlushEvery)
	b = c.Plan([]dbutil.TagCount{row("c", 1)}, later)
	if len(b.Insert) != 1 || len(b.Flush) != 2 {
		t.Fatalf("third batch: insert %v, flush %v; want c inserted and 2 rows flushed", b.Insert, b.Flush)
	}
	c.Commit(b) // c not answered: counted in the "" row
	if p := c.Pending(1); len(p) != 0 {
		t.Errorf("pending after flush %v, want none", p)
	}
	if b = c.Plan([]dbutil.TagCount{row("c", 1)}, later); len(b.Later) != 1 || b.Later[0].Value != "" {
		t.Errorf("fourth batch: later %v, want c known as the \"\" row", b.Later)
	}
}
