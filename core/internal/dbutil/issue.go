package dbutil

import (
	"time"

	"github.com/periscope-hq/periscope/core"
)

// ApplyIssueUpdate changes is as upd says, at now:
//   - status resolved sets ResolvedAt (kept when already resolved) and clears
//     the ignore bounds; unresolved clears ResolvedAt and the bounds;
//   - status ignored (given, or implied by IgnoreUntil or IgnoreCount) sets
//     the bounds to exactly what upd gives: IgnoreUntil as is, IgnoreCount as
//     "this many more events", stored as the Count to reach; none means
//     ignored until changed.
//
// An unknown status, ignore bounds with another status, or a non-positive
// IgnoreCount is EINVALID naming the field.
func ApplyIssueUpdate(is *core.Issue, upd core.IssueUpdate, now time.Time) error {
	bounded := upd.IgnoreUntil != nil || upd.IgnoreCount != nil
	status := is.Status
	switch {
	case upd.Status != nil:
		if !ValidStatus(*upd.Status) {
			return core.FieldErrorf("status", "status must be unresolved, resolved or ignored")
		}
		status = *upd.Status
	case bounded:
		status = core.StatusIgnored
	default:
		return nil
	}
	if bounded && status != core.StatusIgnored {
		return core.FieldErrorf("status", "ignore_until and ignore_count need status ignored")
	}
	if upd.IgnoreCount != nil && *upd.IgnoreCount <= 0 {
		return core.FieldErrorf("ignore_count", "ignore_count must be positive")
	}
	switch status {
	case core.StatusResolved:
		if is.Status != core.StatusResolved || is.ResolvedAt == nil {
			t := UTC(now)
			is.ResolvedAt = &t
		}
		is.IgnoreUntil, is.IgnoreCount = nil, 0
	case core.StatusUnresolved:
		is.ResolvedAt, is.IgnoreUntil, is.IgnoreCount = nil, nil, 0
	case core.StatusIgnored:
		is.ResolvedAt, is.IgnoreUntil, is.IgnoreCount = nil, UTCPtr(upd.IgnoreUntil), 0
		if upd.IgnoreCount != nil {
			is.IgnoreCount = is.Count + *upd.IgnoreCount
		}
	}
	is.Status = status
	return nil
}
