package dbutil

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
)

// MaxTagValues is about how many values of one tag key issue_tags keeps
// per issue; events with a value past them count in the key's ” row.
const MaxTagValues = 100

// TagCount is an increment of one issue_tags row.
type TagCount struct {
	IssueID   int64
	ProjectID int64
	Key       string
	Value     string
	Count     int64
	LastSeen  time.Time
}

// derivedTags are the event fields issue_tags keeps as tags beside the
// event's own tags (which win nothing: a tag of the same key is skipped).
var derivedTags = map[string]bool{"level": true, "environment": true, "release": true}

// BatchTags adds up the tags of a batch's stored events per (issue, key,
// value): one increment per row however many events carry it, sorted by
// issue, key and value (the order concurrent writers lock rows in).
// issueIDs[i] and stored[i] describe ps[i].
func BatchTags(ps []*Prepared, issueIDs []int64, stored []bool) []TagCount {
	type key struct {
		issue      int64
		key, value string
	}
	idx := make(map[key]int, len(ps)*4)
	var out []TagCount
	add := func(p *Prepared, issue int64, k, v string) {
		if v == "" {
			return
		}
		kk := key{issue, k, v}
		if i, ok := idx[kk]; ok {
			out[i].Count++
			if p.Timestamp.After(out[i].LastSeen) {
				out[i].LastSeen = p.Timestamp
			}
			return
		}
		idx[kk] = len(out)
		out = append(out, TagCount{IssueID: issue, ProjectID: p.E.ProjectID, Key: k, Value: v, Count: 1, LastSeen: p.Timestamp})
	}
	for i, p := range ps {
		if !stored[i] {
			continue
		}
		e := p.E
		add(p, issueIDs[i], "level", e.Level)
		add(p, issueIDs[i], "environment", e.Environment)
		add(p, issueIDs[i], "release", e.Release)
		for _, t := range e.Tags {
			if !derivedTags[t.Key] {
				add(p, issueIDs[i], t.Key, t.Value)
			}
		}
	}
	sortTags(out)
	return out
}

// IssueText is an issue_text row: what free text search reads of an issue.
type IssueText struct {
	IssueID int64
	Text    string
}

// SearchText is the text free text search reads: title, culprit and
// message, one per line.
func SearchText(title, culprit, message string) string {
	return title + "\n" + culprit + "\n" + message
}

// TextChange is the issue_text row a batch writes for a, given the issue's
// title and culprit before it (Apply) and row after: one for a created
// issue or a changed title or culprit, none otherwise (false), so the text
// index is written once per issue, not per event.
func TextChange(a *IssueAgg, oldTitle, oldCulprit string, row *IssueRow) (IssueText, bool) {
	if !a.Created && row.Title == oldTitle && row.Culprit == oldCulprit {
		return IssueText{}, false
	}
	return IssueText{IssueID: row.ID, Text: SearchText(row.Title, row.Culprit, a.Latest.E.Message)}, true
}

// TagCounter keeps the issue_tags counts of values a store has already
// written in memory, so a batch writes only the values it is the first to
// carry (which search needs at once), while the counts of known values,
// which only the tag distribution reads, are added up over many batches
// and written every FlushEvery (Due, Flushing, Flushed) — one UPDATE per
// row touched in that time instead of one per row per batch. Reads add
// Pending to what they read. A crash loses the counts not yet written, at
// most FlushEvery's worth; never a value. It is safe for concurrent use.
type TagCounter struct {
	mu      sync.Mutex
	known   map[tagKey]string // the value stored for a (issue, key, value): itself or '' past the bound
	pending map[tagKey]*TagCount
	since   time.Time // when pending got its oldest increment
	limit   int
}

type tagKey struct {
	issue      int64
	key, value string
}

// FlushEvery is how long counts of known tag values wait in memory at most
// (while events arrive).
const FlushEvery = 2 * time.Second

// NewTagCounter returns a counter remembering up to limit known values
// (it forgets them all past that, and relearns them from the database).
func NewTagCounter(limit int) *TagCounter {
	return &TagCounter{known: map[tagKey]string{}, pending: map[tagKey]*TagCount{}, limit: limit}
}

// Split divides a batch's increments (BatchTags) into the rows the counter
// does not know, to upsert in the batch's transaction, and the increments
// of known rows (with Value the stored one), for Add after commit.
func (c *TagCounter) Split(rows []TagCount) (insert, later []TagCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		if v, ok := c.known[tagKey{r.IssueID, r.Key, r.Value}]; ok {
			r.Value = v
			later = append(later, r)
		} else {
			insert = append(insert, r)
		}
	}
	return insert, later
}

// Learn records, after commit, the values written for rows (Split's
// insert): stored[i] is the value the database kept for rows[i].
func (c *TagCounter) Learn(rows []TagCount, stored []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.known)+len(rows) > c.limit {
		clear(c.known)
	}
	for i, r := range rows {
		c.known[tagKey{r.IssueID, r.Key, r.Value}] = stored[i]
	}
}

// Add adds committed increments of known rows to the pending counts.
func (c *TagCounter) Add(rows []TagCount, now time.Time) {
	if len(rows) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		c.since = now
	}
	for _, r := range rows {
		k := tagKey{r.IssueID, r.Key, r.Value}
		if p := c.pending[k]; p != nil {
			p.Count += r.Count
			if r.LastSeen.After(p.LastSeen) {
				p.LastSeen = r.LastSeen
			}
		} else {
			r := r
			c.pending[k] = &r
		}
	}
}

// Due returns the pending counts to write now (sorted like BatchTags), or
// nil while they are younger than FlushEvery; all of them when force.
func (c *TagCounter) Due(now time.Time, force bool) []TagCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 || !force && now.Sub(c.since) < FlushEvery {
		return nil
	}
	out := make([]TagCount, 0, len(c.pending))
	for _, p := range c.pending {
		out = append(out, *p)
	}
	sortTags(out)
	return out
}

// Flushed removes written counts (Due's, once their transaction
// committed) from the pending ones.
func (c *TagCounter) Flushed(rows []TagCount, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		k := tagKey{r.IssueID, r.Key, r.Value}
		if p := c.pending[k]; p != nil {
			if p.Count -= r.Count; p.Count <= 0 {
				delete(c.pending, k)
			}
		}
	}
	c.since = now
}

// TagBatch is what one write batch does to issue_tags (TagCounter.Plan):
// upsert the values the counter does not know (Insert), whose upsert
// answers the rows it counted (Counted); write the counts due (Flush); and,
// after commit (TagCounter.Commit), hold the increments of known values
// (Later).
type TagBatch struct {
	Insert, Later, Flush []TagCount
	now                  time.Time
	counted              map[tagKey]bool
}

// Plan splits a batch's increments (BatchTags) at now and takes the
// pending counts due (see Split and Due).
func (c *TagCounter) Plan(rows []TagCount, now time.Time) *TagBatch {
	insert, later := c.Split(rows)
	return &TagBatch{Insert: insert, Later: later, Flush: c.Due(now, false), now: now, counted: map[tagKey]bool{}}
}

// Counted records a row the upsert of Insert answered (issue, key and the
// value it counted): a value of Insert not answered was counted in its
// key's ” row.
func (b *TagBatch) Counted(issueID int64, key, value string) {
	b.counted[tagKey{issueID, key, value}] = true
}

// Commit records, after the batch's transaction committed, the values
// its upsert kept (Learn), its increments of known values (Add) and the
// counts it wrote (Flushed).
func (c *TagCounter) Commit(b *TagBatch) {
	kept := make([]string, len(b.Insert))
	for i, t := range b.Insert {
		if b.counted[tagKey{t.IssueID, t.Key, t.Value}] {
			kept[i] = t.Value
		}
	}
	c.Learn(b.Insert, kept)
	c.Add(b.Later, b.now)
	if b.Flush != nil {
		c.Flushed(b.Flush, b.now)
	}
}

// Pending returns the unwritten increments of one issue, by key and
// stored value.
func (c *TagCounter) Pending(issueID int64) map[[2]string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[[2]string]int64{}
	for k, p := range c.pending {
		if k.issue == issueID {
			out[[2]string{k.key, k.value}] += p.Count
		}
	}
	return out
}

// Forget drops what the counter knows of issues (deleted or merged away):
// their pending counts and known values.
func (c *TagCounter) Forget(issueIDs ...int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gone := map[int64]bool{}
	for _, id := range issueIDs {
		gone[id] = true
	}
	for k := range c.pending {
		if gone[k.issue] {
			delete(c.pending, k)
		}
	}
	for k := range c.known {
		if gone[k.issue] {
			delete(c.known, k)
		}
	}
}

func sortTags(out []TagCount) {
	slices.SortFunc(out, func(a, b TagCount) int {
		return cmp.Or(cmp.Compare(a.IssueID, b.IssueID), strings.Compare(a.Key, b.Key), strings.Compare(a.Value, b.Value))
	})
}
