package core

import (
	"context"
	"time"
)

// Issue statuses.
const (
	StatusUnresolved = "unresolved"
	StatusResolved   = "resolved"
	StatusIgnored    = "ignored"
)

// Issue is a group of events sharing one fingerprint hash in a project.
type Issue struct {
	ID          int64     `json:"id"`
	ProjectID   int64     `json:"project_id"`
	Fingerprint string    `json:"fingerprint"` // the primary hash, 32 hex
	Title       string    `json:"title"`
	Culprit     string    `json:"culprit"`
	Level       string    `json:"level"`
	Platform    string    `json:"platform"`
	Status      string    `json:"status"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Count       int64     `json:"count"`
	// ResolvedAt is set while the issue is resolved.
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// IgnoreUntil and IgnoreCount bound an "ignored" status: the issue comes
	// back after that time, or once Count reaches IgnoreCount.
	IgnoreUntil *time.Time `json:"ignore_until,omitempty"`
	IgnoreCount int64      `json:"ignore_count,omitempty"`
	// LastEventID is the event_id of the newest event.
	LastEventID string `json:"last_event_id,omitempty"`
}

// Fingerprint is one hash that leads to an issue and the grouping
// configuration that computed it (Grouping.Config: e.g.
// "newstyle:2023-01-11"; "" for hashes stored before configurations were
// recorded whose events are gone).
type Fingerprint struct {
	Hash      string    `json:"hash"`
	Config    string    `json:"config"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// IssueFilter selects issues. Zero values select everything.
type IssueFilter struct {
	ProjectID   int64
	Status      string
	Level       string
	Environment string
	Release     string
	Query       string // Sentry's search syntax (package core/search); EINVALID naming "query" when it does not parse
	FirstSeenGE time.Time
	FirstSeenLT time.Time
	LastSeenGE  time.Time
	LastSeenLT  time.Time
	Sort        string // "last_seen" (default), "first_seen", "count"
	Limit       int    // default 100
	Cursor      string // opaque, from a previous page
}

// IssueUpdate holds the fields of an issue that may change; nil leaves a
// field as it is.
type IssueUpdate struct {
	Status      *string
	IgnoreUntil *time.Time
	IgnoreCount *int64 // ignore until this many more events
}

// IssueStore reads and triages issues and their events.
type IssueStore interface {
	// FindIssueByID returns the issue or ENOTFOUND.
	FindIssueByID(ctx context.Context, id int64) (*Issue, error)

	// FindIssues returns one page of issues and the cursor of the next page
	// ("" on the last one).
	FindIssues(ctx context.Context, f IssueFilter) ([]*Issue, string, error)

	// UpdateIssue applies upd and returns the issue, or ENOTFOUND.
	UpdateIssue(ctx context.Context, id int64, upd IssueUpdate) (*Issue, error)

	// FindEvents returns one page of an issue's events, newest first, with
	// the cursor of the next page. Payload and Data are not filled.
	FindEvents(ctx context.Context, f EventFilter) ([]*Event, string, error)

	// FindIssueFingerprints returns every hash that leads to the issue
	// (its own, those of merged issues and aliases recorded during a
	// grouping transition) with the configuration that computed each,
	// oldest first; ENOTFOUND for an unknown issue.
	FindIssueFingerprints(ctx context.Context, issueID int64) ([]*Fingerprint, error)

	// FindIssueTags returns the tag values the issue's events carried (their
	// tags plus level, environment and release) with how many events carried
	// each, by key, then most events first, then value; ENOTFOUND for an
	// unknown issue. About MaxTagValues values are kept per key; the
	// events with others count under Value "".
	FindIssueTags(ctx context.Context, issueID int64) ([]*IssueTag, error)

	// FindEventByID returns one event of a project with its payload, data
	// and attachment metadata, or ENOTFOUND.
	FindEventByID(ctx context.Context, projectID int64, eventID string) (*Event, error)
}

// IssueTag is how many events of an issue carried one value of a tag key,
// and when the last did. Value "" stands for the values past the ones kept.
type IssueTag struct {
	Key      string    `json:"key"`
	Value    string    `json:"value"`
	Count    int64     `json:"count"`
	LastSeen time.Time `json:"last_seen"`
}

// EventFilter selects the events of one issue.
type EventFilter struct {
	IssueID int64
	Limit   int // default 100
	Cursor  string
}

// ValidStatus reports whether s is an issue status.
func ValidStatus(s string) bool {
	return s == StatusUnresolved || s == StatusResolved || s == StatusIgnored
}

// IssueTitle is the title an event gives its issue: the grouping's title
// when a rule set one, else the event's.
func IssueTitle(e *Event) string {
	if e.Grouping.Title != "" {
		return e.Grouping.Title
	}
	return e.Title
}

// IssueLevel is the level an event gives its issue ("error" when unset).
func IssueLevel(e *Event) string {
	if e.Level == "" {
		return LevelError
	}
	return e.Level
}

// NewIssue is the issue that event e, with timestamp at, creates: before e
// is counted (Count 0), unresolved, first and last seen at.
func NewIssue(e *Event, at time.Time) *Issue {
	return &Issue{
		ProjectID: e.ProjectID, Fingerprint: e.Grouping.Hash,
		Title: IssueTitle(e), Culprit: e.Culprit, Level: IssueLevel(e), Platform: e.Platform,
		Status: StatusUnresolved, FirstSeen: at, LastSeen: at, LastEventID: e.EventID,
	}
}

// IssueEvents is what newly stored events add to their issue.
type IssueEvents struct {
	Count     int64     // how many were stored
	FirstSeen time.Time // the oldest timestamp among them
	LastSeen  time.Time // the newest timestamp among them
	Latest    *Event    // the event with timestamp LastSeen
}

// AddEvents folds newly stored events into is, at now: Count grows,
// FirstSeen and LastSeen widen, and when the events are at least as new as
// the issue's LastSeen the issue takes Latest's title, culprit, level,
// platform and id (latest reports whether it did). Then the status moves
// as Reopen says; regressed reports a resolved issue reopened.
func (is *Issue) AddEvents(ev IssueEvents, now time.Time) (latest, regressed bool) {
	is.Count += ev.Count
	if ev.FirstSeen.Before(is.FirstSeen) {
		is.FirstSeen = ev.FirstSeen
	}
	if latest = !ev.LastSeen.Before(is.LastSeen); latest {
		e := ev.Latest
		is.LastSeen = ev.LastSeen
		is.Title, is.Culprit, is.Level, is.Platform = IssueTitle(e), e.Culprit, IssueLevel(e), e.Platform
		is.LastEventID = e.EventID
	}
	return latest, is.Reopen(now)
}

// Reopen moves the status of an issue that has just received events: a
// resolved issue regresses (becomes unresolved, regressed true); an ignored
// issue whose ignore has expired (IgnoreExpired) becomes unresolved without
// being a regression; anything else stays.
func (is *Issue) Reopen(now time.Time) (regressed bool) {
	switch {
	case is.Status == StatusResolved:
		is.Status, is.ResolvedAt = StatusUnresolved, nil
		return true
	case is.IgnoreExpired(now):
		is.Status, is.IgnoreUntil, is.IgnoreCount = StatusUnresolved, nil, 0
	}
	return false
}

// IgnoreExpired reports whether an ignored issue's ignore is over at now:
// its Count has reached IgnoreCount ("until N more events", when set) or
// now is at or past IgnoreUntil (when set). An issue ignored without bounds,
// or not ignored, never expires.
func (is *Issue) IgnoreExpired(now time.Time) bool {
	if is.Status != StatusIgnored {
		return false
	}
	return (is.IgnoreCount > 0 && is.Count >= is.IgnoreCount) ||
		(is.IgnoreUntil != nil && !now.Before(*is.IgnoreUntil))
}

// IssueAlertKind is the alert that events landing in an issue raise in the
// writing transaction: AlertNewIssue when they created it, AlertRegression
// when they reopened a resolved one, else "" (none).
func IssueAlertKind(created, regressed bool) string {
	switch {
	case created:
		return AlertNewIssue
	case regressed:
		return AlertRegression
	}
	return ""
}

// Update changes is as upd says, at now:
//   - status resolved sets ResolvedAt (kept when already resolved) and clears
//     the ignore bounds; unresolved clears ResolvedAt and the bounds;
//   - status ignored (given, or implied by IgnoreUntil or IgnoreCount) sets
//     the bounds to exactly what upd gives: IgnoreUntil as is, IgnoreCount as
//     "this many more events", stored as the Count to reach; none means
//     ignored until changed.
//
// Times are kept in UTC to the microsecond, as stores keep them. An unknown
// status, ignore bounds with another status, or a non-positive IgnoreCount
// is EINVALID naming the field, and is is left as it was.
func (is *Issue) Update(upd IssueUpdate, now time.Time) error {
	bounded := upd.IgnoreUntil != nil || upd.IgnoreCount != nil
	status := is.Status
	switch {
	case upd.Status != nil:
		if !ValidStatus(*upd.Status) {
			return FieldErrorf("status", "status must be unresolved, resolved or ignored")
		}
		status = *upd.Status
	case bounded:
		status = StatusIgnored
	default:
		return nil
	}
	if bounded && status != StatusIgnored {
		return FieldErrorf("status", "ignore_until and ignore_count need status ignored")
	}
	if upd.IgnoreCount != nil && *upd.IgnoreCount <= 0 {
		return FieldErrorf("ignore_count", "ignore_count must be positive")
	}
	switch status {
	case StatusResolved:
		if is.Status != StatusResolved || is.ResolvedAt == nil {
			t := now.UTC().Truncate(time.Microsecond)
			is.ResolvedAt = &t
		}
		is.IgnoreUntil, is.IgnoreCount = nil, 0
	case StatusUnresolved:
		is.ResolvedAt, is.IgnoreUntil, is.IgnoreCount = nil, nil, 0
	case StatusIgnored:
		is.ResolvedAt, is.IgnoreUntil, is.IgnoreCount = nil, nil, 0
		if upd.IgnoreUntil != nil {
			t := upd.IgnoreUntil.UTC().Truncate(time.Microsecond)
			is.IgnoreUntil = &t
		}
		if upd.IgnoreCount != nil {
			is.IgnoreCount = is.Count + *upd.IgnoreCount
		}
	}
	is.Status = status
	return nil
}
