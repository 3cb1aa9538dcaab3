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
	Query       string // substring of title or culprit
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

	// FindEventByID returns one event of a project with its payload, data
	// and attachment metadata, or ENOTFOUND.
	FindEventByID(ctx context.Context, projectID int64, eventID string) (*Event, error)
}

// EventFilter selects the events of one issue.
type EventFilter struct {
	IssueID int64
	Limit   int // default 100
	Cursor  string
}
