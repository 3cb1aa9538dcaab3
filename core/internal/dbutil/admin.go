package dbutil

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// DeletedName is the name a project takes when it is scheduled for
// deletion: longer than any valid project name (core.Project.Validate
// allows 200 characters), so that it frees the old name and can never
// collide with a live project's.
func DeletedName(id int64) string {
	return fmt.Sprintf("%s deleted project %d", strings.Repeat("~", 201), id)
}

// ApplyKeyUpdate changes k as upd says, or returns EINVALID naming the
// field: a negative rate_limit or a label over 200 characters.
func ApplyKeyUpdate(k *core.ProjectKey, upd core.KeyUpdate) error {
	if upd.RateLimit != nil {
		if *upd.RateLimit < 0 {
			return core.FieldErrorf("rate_limit", "rate_limit must not be negative")
		}
		k.RateLimit = *upd.RateLimit
	}
	if upd.Label != nil {
		if len(*upd.Label) > 200 {
			return core.FieldErrorf("label", "label must be at most 200 characters")
		}
		k.Label = *upd.Label
	}
	return nil
}

// MergeIDs checks the issues of a merge: others must be non-empty, hold no
// duplicate and not hold into. It returns others sorted, so that stores
// lock rows in a stable order. Problems are EINVALID naming "issue_ids".
func MergeIDs(into int64, others []int64) ([]int64, error) {
	if len(others) == 0 {
		return nil, core.FieldErrorf("issue_ids", "issue_ids must name at least one issue to merge")
	}
	if len(others) > MaxLimit {
		return nil, core.FieldErrorf("issue_ids", "issue_ids may name at most %d issues", MaxLimit)
	}
	ids := slices.Clone(others)
	slices.Sort(ids)
	for i, id := range ids {
		switch {
		case id <= 0:
			return nil, core.FieldErrorf("issue_ids", "issue_ids must be positive issue ids")
		case id == into:
			return nil, core.FieldErrorf("issue_ids", "issue_ids must not hold the issue merged into (%d)", into)
		case i > 0 && ids[i-1] == id:
			return nil, core.FieldErrorf("issue_ids", "issue_ids names issue %d twice", id)
		}
	}
	return ids, nil
}

// MergeRows folds the rows of merged issues into the row of the issue they
// merge into: counts add up, first seen is the earliest, and the newest
// last seen brings its last event id, environment and release.
func MergeRows(into *IssueRow, others []*IssueRow) {
	for _, o := range others {
		into.Count += o.Count
		if o.FirstSeen.Before(into.FirstSeen) {
			into.FirstSeen = o.FirstSeen
		}
		if o.LastSeen.After(into.LastSeen) {
			into.LastSeen, into.LastEventID = o.LastSeen, o.LastEventID
			into.Environment, into.Release = o.Environment, o.Release
		}
	}
}

// StatsHour returns t's hour as stats count it (UTC, start of the hour).
func StatsHour(t time.Time) time.Time { return Hour(t) }

// RejectedTotal is the sum of a delta's rejections.
func RejectedTotal(d core.StatsDelta) int64 {
	var n int64
	for _, c := range d.Rejected {
		n += c
	}
	return n
}
