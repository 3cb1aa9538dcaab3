package dbutil

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// Prepared is one event of a WriteEvents batch, validated and encoded for
// storage.
type Prepared struct {
	E         *core.Event
	Index     int       // position in the batch
	Timestamp time.Time // UTC, microseconds
	Received  time.Time // UTC, microseconds
	Tags      string    // EncodeTags
	Body      []byte    // BodyEncoder.EncodeBody: payload, components, data
	// Attachments holds the compressed attachment data, in the order of
	// E.Attachments.
	Attachments [][]byte
	// Fallbacks are the write's fallback hashes (core.EventWrite.Fallbacks)
	// other than the event's own hash.
	Fallbacks []core.Fingerprint
	// DupOf is the index of an earlier event of the same batch with the same
	// (ProjectID, EventID), or -1. Such an event is a duplicate without
	// touching the database.
	DupOf int
}

// Prepare validates a batch (EINVALID naming "batch[i].field" for the first
// problem), makes the text of the extracted columns storable (Text; the
// payload is kept as sent) and finds the duplicates within it; Encode then
// compresses what is stored.
func Prepare(batch []*core.EventWrite) ([]*Prepared, error) {
	ps := make([]*Prepared, len(batch))
	type key struct {
		project int64
		id      string
	}
	seen := make(map[key]int, len(batch))
	for i, w := range batch {
		if w == nil || w.Event == nil {
			return nil, core.FieldErrorf(fmt.Sprintf("batch[%d]", i), "event is required")
		}
		// Text columns take valid UTF-8 without NUL on every database.
		e := cleanEvent(w.Event)
		field := func(name string) string { return fmt.Sprintf("batch[%d].%s", i, name) }
		switch {
		case e.ProjectID <= 0:
			return nil, core.FieldErrorf(field("project_id"), "project_id is required")
		case e.EventID == "" || len(e.EventID) > 64:
			return nil, core.FieldErrorf(field("event_id"), "event_id is required (at most 64 characters)")
		case e.Grouping.Hash == "" || len(e.Grouping.Hash) > 128:
			return nil, core.FieldErrorf(field("grouping.hash"), "grouping hash is required (at most 128 characters)")
		case e.Timestamp.IsZero():
			return nil, core.FieldErrorf(field("timestamp"), "timestamp is required")
		case e.Received.IsZero():
			return nil, core.FieldErrorf(field("received"), "received is required")
		}
		p := &Prepared{E: e, Index: i, Timestamp: UTC(e.Timestamp), Received: UTC(e.Received), DupOf: -1}
		for j, f := range w.Fallbacks {
			if f.Hash == "" || len(f.Hash) > 128 {
				return nil, core.FieldErrorf(field(fmt.Sprintf("fallbacks[%d].hash", j)), "fallback hash is required (at most 128 characters)")
			}
			if f.Hash != e.Grouping.Hash {
				p.Fallbacks = append(p.Fallbacks, f)
			}
		}
		k := key{e.ProjectID, e.EventID}
		if j, ok := seen[k]; ok {
			p.DupOf = j
		} else {
			seen[k] = i
		}
		ps[i] = p
	}
	return ps, nil
}

// Encode makes the stored form of each event of ps that is not a
// duplicate: its tags, its body (with its project's encoder from encs:
// the payload as sent, the grouping components and the data) and its
// compressed attachments, spreading the work over the available CPUs for
// large batches.
func Encode(ps []*Prepared, encs map[int64]BodyEncoder) {
	encode := func(p *Prepared) {
		if p.DupOf >= 0 {
			return
		}
		p.Tags = EncodeTags(p.E.Tags)
		p.Body = encs[p.E.ProjectID].EncodeBody(Body{Payload: p.E.Payload, Components: p.E.Grouping.Components, Data: p.E.Data})
		for _, a := range p.E.Attachments {
			p.Attachments = append(p.Attachments, Compress(a.Data))
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(ps)/16, 8)
	if workers <= 1 {
		for _, p := range ps {
			encode(p)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ps); i += workers {
				encode(ps[i])
			}
		})
	}
	wg.Wait()
}

// IssueRow is an issue as stored, with the columns core.Issue does not
// carry.
type IssueRow struct {
	core.Issue
	Environment string
	Release     string
}

// NewIssueRow is the row of an issue that p creates, before p is counted.
func NewIssueRow(p *Prepared, now time.Time) *IssueRow {
	return &IssueRow{Issue: *core.NewIssue(p.E, p.Timestamp), Environment: p.E.Environment, Release: p.E.Release}
}

// IssueAgg is what one batch does to one issue: the stored (not duplicate)
// events that landed in it.
type IssueAgg struct {
	IssueID   int64
	ProjectID int64
	Created   bool      // the batch created the issue
	First     *Prepared // the first stored event of the issue in the batch
	Latest    *Prepared // the newest by timestamp (a later one wins ties)
	Count     int64
	FirstSeen time.Time
	LastSeen  time.Time
	Hours     map[time.Time]int64 // events per hour of their timestamp
}

// Aggregate groups the stored events of a batch by issue, in order of first
// appearance. issueIDs[i] and stored[i] describe ps[i].
func Aggregate(ps []*Prepared, issueIDs []int64, stored []bool) []*IssueAgg {
	var out []*IssueAgg
	byID := map[int64]*IssueAgg{}
	for i, p := range ps {
		if !stored[i] {
			continue
		}
		a := byID[issueIDs[i]]
		if a == nil {
			a = &IssueAgg{IssueID: issueIDs[i], ProjectID: p.E.ProjectID, First: p, Latest: p,
				FirstSeen: p.Timestamp, LastSeen: p.Timestamp, Hours: map[time.Time]int64{}}
			byID[a.IssueID] = a
			out = append(out, a)
		}
		a.Count++
		a.Hours[Hour(p.Timestamp)]++
		if p.Timestamp.Before(a.FirstSeen) {
			a.FirstSeen = p.Timestamp
		}
		if !p.Timestamp.Before(a.LastSeen) {
			a.LastSeen, a.Latest = p.Timestamp, p
		}
	}
	return out
}

// Apply folds the batch into row, the issue as stored (or NewIssueRow for a
// created one), with core.Issue.AddEvents (counters, seen times, the newest
// event's fields, and the status: a resolved issue regresses, an expired
// ignore ends), keeping the newest event's environment and release too.
func (a *IssueAgg) Apply(row *IssueRow, now time.Time) (regressed bool) {
	latest, regressed := row.AddEvents(core.IssueEvents{
		Count: a.Count, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen, Latest: a.Latest.E,
	}, now)
	if latest {
		row.Environment, row.Release = a.Latest.E.Environment, a.Latest.E.Release
	}
	return regressed
}

// HourCount is a counter increment for one key and hour.
type HourCount struct {
	ID   int64 // a project or issue id
	Hour time.Time
	N    int64
}

// StoredPerHour counts the stored events of a batch per project and hour of
// reception, for stats_hourly.
func StoredPerHour(ps []*Prepared, stored []bool) []HourCount {
	type key struct {
		id   int64
		hour time.Time
	}
	idx := map[key]int{}
	var out []HourCount
	for i, p := range ps {
		if !stored[i] {
			continue
		}
		k := key{p.E.ProjectID, Hour(p.Received)}
		if j, ok := idx[k]; ok {
			out[j].N++
			continue
		}
		idx[k] = len(out)
		out = append(out, HourCount{ID: k.id, Hour: k.hour, N: 1})
	}
	return out
}
