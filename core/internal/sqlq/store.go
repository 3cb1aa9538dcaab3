package sqlq

import (
	"context"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// Store has the methods of core.Store whose SQL both dialects share. Each
// adapter's DB embeds one, so that these methods are written once; a DB
// declares a method itself where its dialect needs more (SQLite forgets
// the issues it caches, Postgres retries or takes an advisory lock).
type Store struct {
	read  Conn             // reads: SQLite's read-only pool, Postgres' pool
	write Tx               // write transactions
	clock func() time.Time // now, in UTC
	codec *dbutil.Codec    // event bodies, with each project's dictionary
}

// NewStore returns a Store reading on read and writing in write's
// transactions, with the time from clock, decoding event bodies with codec.
func NewStore(read Conn, write Tx, clock func() time.Time, codec *dbutil.Codec) Store {
	return Store{read: read, write: write, clock: clock, codec: codec}
}

// CreateProject inserts p with one new key, in one transaction. A
// duplicate name is ECONFLICT, an invalid project EINVALID.
func (s Store) CreateProject(ctx context.Context, p *core.Project) error {
	return CreateProject(ctx, s.write, p, s.clock())
}

// FindProjectByID returns the project with its active keys, or ENOTFOUND.
func (s Store) FindProjectByID(ctx context.Context, id int64) (*core.Project, error) {
	return FindProject(ctx, s.read, id, "")
}

// FindProjects returns every project with its active keys, by id.
func (s Store) FindProjects(ctx context.Context) ([]*core.Project, error) {
	return FindProjects(ctx, s.read)
}

// UpdateProject changes the given fields; ENOTFOUND, ECONFLICT on a
// duplicate name, EINVALID on invalid values.
func (s Store) UpdateProject(ctx context.Context, id int64, upd core.ProjectUpdate) (*core.Project, error) {
	return UpdateProject(ctx, s.write, id, upd, s.clock())
}

// DeleteProject removes the project and, by cascade, everything stored for
// it; ENOTFOUND for an unknown id.
func (s Store) DeleteProject(ctx context.Context, id int64) error {
	return s.write(ctx, func(c Conn) error { return DeleteProject(ctx, c, id) })
}

// ScheduleProjectDeletion hides the project, revokes its keys and frees its
// name, in one transaction; PurgeDeletedProjects removes its data later.
// ENOTFOUND for an unknown or already deleted project.
func (s Store) ScheduleProjectDeletion(ctx context.Context, id int64) error {
	return ScheduleProjectDeletion(ctx, s.write, id, s.clock())
}

// CreateKey adds k to the project (PublicKey generated when empty);
// ENOTFOUND for an unknown project, ECONFLICT for an existing key, EINVALID
// for bad fields.
func (s Store) CreateKey(ctx context.Context, projectID int64, k *core.ProjectKey) error {
	return CreateKey(ctx, s.write, projectID, k, s.clock())
}

// RevokeKey marks an active key of the project revoked, or returns
// ENOTFOUND.
func (s Store) RevokeKey(ctx context.Context, projectID int64, publicKey string) error {
	now := s.clock()
	return s.write(ctx, func(c Conn) error { return RevokeKey(ctx, c, projectID, publicKey, now) })
}

// FindKey returns the key, revoked or not, or ENOTFOUND.
func (s Store) FindKey(ctx context.Context, publicKey string) (*core.ProjectKey, error) {
	return FindKey(ctx, s.read, publicKey)
}

// FindKeys returns every key of the project, revoked ones included, oldest
// first; ENOTFOUND for an unknown project.
func (s Store) FindKeys(ctx context.Context, projectID int64) ([]*core.ProjectKey, error) {
	return FindKeys(ctx, s.read, projectID)
}

// UpdateKey changes an active key of the project; ENOTFOUND or EINVALID.
func (s Store) UpdateKey(ctx context.Context, projectID int64, publicKey string, upd core.KeyUpdate) (*core.ProjectKey, error) {
	return UpdateKey(ctx, s.write, projectID, publicKey, upd)
}

// FindIssueByID returns the issue or ENOTFOUND.
func (s Store) FindIssueByID(ctx context.Context, id int64) (*core.Issue, error) {
	r, err := FindIssue(ctx, s.read, id, "")
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}

// FindIssues returns one page of issues, sorted descending by f.Sort then
// id, and the cursor of the next page.
func (s Store) FindIssues(ctx context.Context, f core.IssueFilter) ([]*core.Issue, string, error) {
	return FindIssues(ctx, s.read, f)
}

// DeleteIssue removes the issue and, by cascade, its events, fingerprints,
// counts and alerts; ENOTFOUND for an unknown issue.
func (s Store) DeleteIssue(ctx context.Context, id int64) error {
	return s.write(ctx, func(c Conn) error { return DeleteIssue(ctx, c, id) })
}

// FindEvents returns one page of an issue's events, newest first;
// ENOTFOUND for an unknown issue.
func (s Store) FindEvents(ctx context.Context, f core.EventFilter) ([]*core.Event, string, error) {
	return FindEvents(ctx, s.read, s.codec, f)
}

// FindEventByID returns an event of the project with its payload, data and
// attachment metadata, or ENOTFOUND.
func (s Store) FindEventByID(ctx context.Context, projectID int64, eventID string) (*core.Event, error) {
	return FindEventByID(ctx, s.read, s.codec, projectID, eventID)
}

// FindAttachment returns one attachment of an event with its data, or
// ENOTFOUND.
func (s Store) FindAttachment(ctx context.Context, projectID int64, eventID string, id int64) (*core.Attachment, error) {
	return FindAttachment(ctx, s.read, projectID, eventID, id)
}

// FindIssueFingerprints returns the hashes leading to the issue with their
// grouping configurations, oldest first; ENOTFOUND for an unknown issue.
func (s Store) FindIssueFingerprints(ctx context.Context, issueID int64) ([]*core.Fingerprint, error) {
	return FindIssueFingerprints(ctx, s.read, issueID)
}

// FindIssueHistogram returns the issue's events per hour since since,
// oldest first; ENOTFOUND for an unknown issue.
func (s Store) FindIssueHistogram(ctx context.Context, issueID int64, since time.Time) ([]core.Bucket, error) {
	return FindIssueHistogram(ctx, s.read, issueID, since)
}

// CountIssueEvents counts the issue's events with a timestamp at or after
// since, reading at most limit index entries (events_issue_timestamp).
func (s Store) CountIssueEvents(ctx context.Context, issueID int64, since time.Time, limit int) (int, error) {
	return CountIssueEvents(ctx, s.read, issueID, since, limit)
}

// CreateDestination inserts d and sets its ID and CreatedAt; ECONFLICT for
// a duplicate name in the project, ENOTFOUND for an unknown project,
// EINVALID.
func (s Store) CreateDestination(ctx context.Context, d *core.Destination) error {
	return CreateDestination(ctx, s.write, d, s.clock())
}

// FindDestinationByID returns the destination, global or of any project,
// or ENOTFOUND.
func (s Store) FindDestinationByID(ctx context.Context, id int64) (*core.Destination, error) {
	return FindDestination(ctx, s.read, id, "")
}

// FindDestinations returns the project's destinations and the global ones,
// by id; ENOTFOUND for an unknown project. Project 0 lists the global ones.
func (s Store) FindDestinations(ctx context.Context, projectID int64) ([]*core.Destination, error) {
	return FindDestinations(ctx, s.read, projectID)
}

// UpdateDestination applies upd; ENOTFOUND, ECONFLICT for a name taken in
// the destination's project, EINVALID.
func (s Store) UpdateDestination(ctx context.Context, id int64, upd core.DestinationUpdate) (*core.Destination, error) {
	return UpdateDestination(ctx, s.write, id, upd, s.clock())
}

// DeleteDestination removes the project's destination (project 0: a
// global one) and, by cascade, its notifications; ENOTFOUND when there is
// none.
func (s Store) DeleteDestination(ctx context.Context, projectID, id int64) error {
	return s.write(ctx, func(c Conn) error { return DeleteDestination(ctx, c, projectID, id) })
}

// FindAlerts returns the project's newest alerts (limit 0: 100) with their
// notifications; ENOTFOUND for an unknown project.
func (s Store) FindAlerts(ctx context.Context, projectID int64, limit int) ([]*core.Alert, error) {
	return FindAlerts(ctx, s.read, projectID, limit)
}

// FindAlertPage returns one page of a project's alerts, newest first,
// with their notifications and attempt logs.
func (s Store) FindAlertPage(ctx context.Context, f core.AlertFilter) ([]*core.Alert, string, error) {
	return FindAlertPage(ctx, s.read, f)
}

// AcknowledgeAlert sets the alert's AcknowledgedAt (zero: now) unless
// already set; ENOTFOUND for an unknown alert.
func (s Store) AcknowledgeAlert(ctx context.Context, id int64, at time.Time) (*core.Alert, error) {
	if at.IsZero() {
		at = s.clock()
	}
	return AcknowledgeAlert(ctx, s.write, id, at)
}

// RecordAttempt stores one delivery attempt and moves the notification on:
// delivered (Err ""), failed (Permanent), skipped (Skipped, no attempt
// counted), or pending again at NextAt. A notification that is no longer
// pending keeps its state; the attempt is still recorded. ENOTFOUND for an
// unknown id.
func (s Store) RecordAttempt(ctx context.Context, id int64, a core.Attempt) error {
	return RecordAttemptAt(ctx, s.write, id, a, s.clock())
}

// PruneEvents deletes up to limit of the project's events received before
// before (oldest first, attachments by cascade), then, within the same
// limit, its rejected events, in one short transaction. Concurrent callers
// (several Postgres nodes) may pick the same rows; the second then skips
// them. See core.RetentionStore.
func (s Store) PruneEvents(ctx context.Context, projectID int64, before time.Time, limit int) (int, error) {
	return PruneEvents(ctx, s.write, projectID, before, limit)
}

// FindStats returns the project's counted hours in f's range, oldest first.
func (s Store) FindStats(ctx context.Context, f core.StatsFilter) ([]*core.HourStats, error) {
	return FindStats(ctx, s.read, f)
}

// PendingNotifications counts the notifications waiting to be delivered,
// by notifier plugin (core.AlertStore.PendingNotifications).
func (s Store) PendingNotifications(ctx context.Context) (map[string]int64, error) {
	return PendingNotifications(ctx, s.read)
}
