package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// EventCols are the columns ScanEvent reads, in order.
func EventCols(d Dialect) string {
	return `id, project_id, issue_id, event_id, timestamp, received, title, culprit, level, platform, release,
	environment, tags` + d.TextCast + `, sdk_name, sdk_version, grouping_decided_by, grouping_name, grouping_config, grouping_hash,
	grouping_components, grouping_title`
}

// ScanEvent reads a row of EventCols followed by the extra destinations.
func ScanEvent(s Scanner, extra ...any) (*core.Event, error) {
	var e core.Event
	var tags, comps string
	dest := []any{&e.ID, &e.ProjectID, &e.IssueID, &e.EventID, &e.Timestamp, &e.Received, &e.Title, &e.Culprit,
		&e.Level, &e.Platform, &e.Release, &e.Environment, &tags, &e.SDKName, &e.SDKVersion, &e.Grouping.DecidedBy,
		&e.Grouping.Name, &e.Grouping.Config, &e.Grouping.Hash, &comps, &e.Grouping.Title}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if comps != "" {
		e.Grouping.Components = []byte(comps)
	}
	var err error
	if e.Tags, err = dbutil.DecodeTags([]byte(tags)); err != nil {
		return nil, fmt.Errorf("event %s: tags: %w", e.EventID, err)
	}
	return &e, nil
}

// FindEvents returns one page of an issue's events, newest first; ENOTFOUND
// for an unknown issue (core.EventStore.FindEvents). The grouping
// components come from the bodies, decoded with codec.
func FindEvents(ctx context.Context, c Conn, codec *dbutil.Codec, f core.EventFilter) ([]*core.Event, string, error) {
	limit, err := dbutil.Limit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	cur, hasCur, err := dbutil.DecodeCursor("events", f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w Where
	w.Add("issue_id = ?", f.IssueID)
	if hasCur {
		w.Add("(timestamp, id) < (?, ?)", time.UnixMicro(cur.Value).UTC(), cur.ID)
	}
	events, err := Collect(ctx, c, `SELECT `+EventCols(c.Dialect())+`, body FROM events`+w.SQL()+` ORDER BY timestamp DESC, id DESC LIMIT ?`,
		w.Args(limit+1), func(s Scanner) (*core.Event, error) {
			var body []byte
			e, err := ScanEvent(s, &body)
			if err != nil {
				return nil, err
			}
			if err := codec.FillComponents(ctx, e, body); err != nil {
				return nil, fmt.Errorf("event %s: %w", e.EventID, err)
			}
			return e, nil
		})
	if err != nil {
		return nil, "", fmt.Errorf("%s: find events: %w", c.Dialect().Name, err)
	}
	if len(events) == 0 && !hasCur {
		if _, err := FindIssue(ctx, c, f.IssueID, ""); err != nil {
			return nil, "", err
		}
	}
	next := ""
	if len(events) > limit {
		events = events[:limit]
		last := events[len(events)-1]
		next = dbutil.EncodeCursor("events", dbutil.Cursor{Value: last.Timestamp.UnixMicro(), ID: last.ID})
	}
	return events, next, nil
}

// FindEventByID returns an event of the project with its payload, data and
// attachment metadata, or ENOTFOUND; codec decodes the body.
func FindEventByID(ctx context.Context, c Conn, codec *dbutil.Codec, projectID int64, eventID string) (*core.Event, error) {
	name := c.Dialect().Name
	var body []byte
	e, err := ScanEvent(c.QueryRow(ctx, `SELECT `+EventCols(c.Dialect())+`, body FROM events WHERE project_id = ? AND event_id = ?`,
		projectID, eventID), &body)
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "event %s not found in project %d", eventID, projectID)
	} else if err != nil {
		return nil, fmt.Errorf("%s: find event: %w", name, err)
	}
	b, err := codec.DecodeBody(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("%s: event %s: %w", name, eventID, err)
	}
	e.Payload, e.Data = b.Payload, b.Data
	if b.Components != nil {
		e.Grouping.Components = b.Components
	}
	err = c.Query(ctx, `SELECT id, filename, content_type, attachment_type, size FROM attachments WHERE event_pk = ? ORDER BY id`,
		[]any{e.ID}, func(s Scanner) error {
			var a core.Attachment
			if err := s.Scan(&a.ID, &a.Filename, &a.ContentType, &a.AttachmentType, &a.Size); err != nil {
				return err
			}
			e.Attachments = append(e.Attachments, &a)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("%s: find attachments: %w", name, err)
	}
	return e, nil
}

// FindAttachment returns one attachment of an event with its data, or
// ENOTFOUND.
func FindAttachment(ctx context.Context, c Conn, projectID int64, eventID string, id int64) (*core.Attachment, error) {
	name := c.Dialect().Name
	var a core.Attachment
	var data []byte
	err := c.QueryRow(ctx, `SELECT a.id, a.filename, a.content_type, a.attachment_type, a.size, a.data
		FROM attachments a JOIN events e ON e.id = a.event_pk
		WHERE e.project_id = ? AND e.event_id = ? AND a.id = ?`, projectID, eventID, id).
		Scan(&a.ID, &a.Filename, &a.ContentType, &a.AttachmentType, &a.Size, &data)
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "event %s of project %d has no attachment %d", eventID, projectID, id)
	} else if err != nil {
		return nil, fmt.Errorf("%s: find attachment: %w", name, err)
	}
	if a.Data, err = dbutil.Decompress(data); err != nil {
		return nil, fmt.Errorf("%s: attachment %d: %w", name, id, err)
	}
	if a.Data == nil {
		a.Data = []byte{}
	}
	return &a, nil
}

// FindIssueFingerprints returns the hashes leading to the issue with their
// grouping configurations, oldest first; ENOTFOUND for an unknown issue.
func FindIssueFingerprints(ctx context.Context, c Conn, issueID int64) ([]*core.Fingerprint, error) {
	if _, err := FindIssue(ctx, c, issueID, ""); err != nil {
		return nil, err
	}
	out, err := Collect(ctx, c, `SELECT hash, config, created_at FROM issue_fingerprints
		WHERE issue_id = ? ORDER BY created_at, hash`, []any{issueID}, func(s Scanner) (*core.Fingerprint, error) {
		var f core.Fingerprint
		err := s.Scan(&f.Hash, &f.Config, &f.CreatedAt)
		return &f, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: find fingerprints: %w", c.Dialect().Name, err)
	}
	return out, nil
}

// FindIssueHistogram returns the issue's events per hour since since,
// oldest first; ENOTFOUND for an unknown issue.
func FindIssueHistogram(ctx context.Context, c Conn, issueID int64, since time.Time) ([]core.Bucket, error) {
	if _, err := FindIssue(ctx, c, issueID, ""); err != nil {
		return nil, err
	}
	out, err := Collect(ctx, c, `SELECT hour, count FROM issue_hourly WHERE issue_id = ? AND hour >= ? ORDER BY hour`,
		[]any{issueID, dbutil.Hour(since)}, func(s Scanner) (core.Bucket, error) {
			var b core.Bucket
			err := s.Scan(&b.Start, &b.Count)
			return b, err
		})
	if err != nil {
		return nil, fmt.Errorf("%s: find issue histogram: %w", c.Dialect().Name, err)
	}
	return out, nil
}

// CountIssueEvents counts the issue's events with a timestamp at or after
// since, reading at most limit index entries (events_issue_timestamp).
func CountIssueEvents(ctx context.Context, c Conn, issueID int64, since time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, core.FieldErrorf("limit", "limit must be at least 1")
	}
	var n int
	err := c.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE issue_id = ? AND timestamp >= ? LIMIT ?) e`,
		issueID, dbutil.UTC(since), limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("%s: count issue events: %w", c.Dialect().Name, err)
	}
	return n, nil
}

// WriteRejected keeps a payload that could not be processed and counts it
// in the hourly stats, in one transaction; ENOTFOUND for an unknown
// project. A zero r.Received is now.
func WriteRejected(ctx context.Context, tx Tx, r *core.RejectedEvent, now time.Time) error {
	if r.ProjectID <= 0 {
		return core.FieldErrorf("project_id", "project_id is required")
	} else if r.Reason == "" {
		return core.FieldErrorf("reason", "reason is required")
	}
	received := dbutil.UTC(r.Received)
	if r.Received.IsZero() {
		received = now
	}
	payload := dbutil.Compress(r.Payload) // kept as sent
	// The reason may quote the payload: store it as valid text.
	reason, eventID := dbutil.Text(r.Reason), dbutil.Text(r.EventID)
	return tx(ctx, func(c Conn) error {
		d := c.Dialect()
		var id int64
		// A redelivery (the spool's replay after a crash that followed the
		// commit) is kept and counted once: same project, id and time.
		if eventID != "" {
			err := c.QueryRow(ctx, `SELECT id FROM rejected_events WHERE project_id = ? AND received = ? AND event_id = ?`,
				r.ProjectID, received, eventID).Scan(&id)
			if err == nil {
				r.ID, r.Received = id, received
				return nil
			} else if !IsNoRows(err) {
				return fmt.Errorf("%s: find rejected event: %w", d.Name, err)
			}
		}
		id, err := c.Insert(ctx, `INSERT INTO rejected_events (project_id, event_id, received, reason, payload) VALUES (?, ?, ?, ?, ?)`,
			r.ProjectID, eventID, received, reason, payload)
		if d.ForeignKey(err) {
			return core.Errorf(core.ENOTFOUND, "project %d not found", r.ProjectID)
		} else if err != nil {
			return fmt.Errorf("%s: insert rejected event: %w", d.Name, err)
		}
		hour := dbutil.Hour(received)
		if err := c.Batch(ctx,
			S(`INSERT INTO stats_hourly (project_id, hour, rejected) VALUES (?, ?, 1)
				ON CONFLICT (project_id, hour) DO UPDATE SET rejected = stats_hourly.rejected + 1`, r.ProjectID, hour),
			S(`INSERT INTO stats_rejections_hourly (project_id, hour, reason, count) VALUES (?, ?, ?, 1)
				ON CONFLICT (project_id, hour, reason) DO UPDATE SET count = stats_rejections_hourly.count + 1`,
				r.ProjectID, hour, dbutil.ReasonCategory(r.Reason)),
		); err != nil {
			return fmt.Errorf("%s: count rejected event: %w", d.Name, err)
		}
		r.ID, r.Received = id, received
		return nil
	})
}
