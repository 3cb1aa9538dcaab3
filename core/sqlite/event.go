package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

const eventCols = `id, project_id, issue_id, event_id, timestamp, received, title, culprit, level, platform, release,
	environment, tags, sdk_name, sdk_version, grouping_decided_by, grouping_name, grouping_config, grouping_hash,
	grouping_components, grouping_title`

// scanEvent reads eventCols plus the given extra destinations.
func scanEvent(s scanner, extra ...any) (*core.Event, error) {
	var e core.Event
	var ts, rcv int64
	var tags, comps string
	dest := []any{&e.ID, &e.ProjectID, &e.IssueID, &e.EventID, &ts, &rcv, &e.Title, &e.Culprit, &e.Level,
		&e.Platform, &e.Release, &e.Environment, &tags, &e.SDKName, &e.SDKVersion, &e.Grouping.DecidedBy,
		&e.Grouping.Name, &e.Grouping.Config, &e.Grouping.Hash, &comps, &e.Grouping.Title}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.Timestamp, e.Received = tm(ts), tm(rcv)
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
// for an unknown issue.
func (db *DB) FindEvents(ctx context.Context, f core.EventFilter) ([]*core.Event, string, error) {
	limit, err := dbutil.Limit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	cur, hasCur, err := dbutil.DecodeCursor("events", f.Cursor)
	if err != nil {
		return nil, "", err
	}
	q := `SELECT ` + eventCols + `, body FROM events WHERE issue_id = ?`
	args := []any{f.IssueID}
	if hasCur {
		q += ` AND (timestamp, id) < (?, ?)`
		args = append(args, cur.Value, cur.ID)
	}
	q += ` ORDER BY timestamp DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := db.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: find events: %w", err)
	}
	defer rows.Close()
	events := []*core.Event{}
	for rows.Next() {
		var body []byte
		e, err := scanEvent(rows, &body)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: find events: %w", err)
		}
		if err := db.codec.FillComponents(ctx, e, body); err != nil {
			return nil, "", fmt.Errorf("sqlite: event %s: %w", e.EventID, err)
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: find events: %w", err)
	}
	rows.Close()
	if len(events) == 0 && !hasCur {
		if _, err := findIssue(ctx, db.rdb, f.IssueID); err != nil {
			return nil, "", err
		}
	}
	next := ""
	if len(events) > limit {
		events = events[:limit]
		last := events[len(events)-1]
		next = dbutil.EncodeCursor("events", dbutil.Cursor{Value: us(last.Timestamp), ID: last.ID})
	}
	return events, next, nil
}

// FindEventByID returns an event of the project with its payload, data and
// attachment metadata, or ENOTFOUND.
func (db *DB) FindEventByID(ctx context.Context, projectID int64, eventID string) (*core.Event, error) {
	var body []byte
	e, err := scanEvent(db.rdb.QueryRowContext(ctx, `SELECT `+eventCols+`, body FROM events WHERE project_id = ? AND event_id = ?`,
		projectID, eventID), &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "event %s not found in project %d", eventID, projectID)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find event: %w", err)
	}
	b, err := db.codec.DecodeBody(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("sqlite: event %s: %w", eventID, err)
	}
	e.Payload, e.Data = b.Payload, b.Data
	if b.Components != nil {
		e.Grouping.Components = b.Components
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT id, filename, content_type, attachment_type, size FROM attachments WHERE event_pk = ? ORDER BY id`, e.ID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a core.Attachment
		if err := rows.Scan(&a.ID, &a.Filename, &a.ContentType, &a.AttachmentType, &a.Size); err != nil {
			return nil, fmt.Errorf("sqlite: find attachments: %w", err)
		}
		e.Attachments = append(e.Attachments, &a)
	}
	return e, rows.Err()
}

// WriteRejected keeps a payload that could not be processed and counts it
// in the hourly stats; ENOTFOUND for an unknown project.
func (db *DB) WriteRejected(ctx context.Context, r *core.RejectedEvent) error {
	if r.ProjectID <= 0 {
		return core.FieldErrorf("project_id", "project_id is required")
	} else if r.Reason == "" {
		return core.FieldErrorf("reason", "reason is required")
	}
	received := dbutil.UTC(r.Received)
	if r.Received.IsZero() {
		received = db.clock()
	}
	payload := dbutil.Compress(r.Payload) // kept as sent
	// The reason may quote the payload: store it as valid text.
	reason, eventID := dbutil.Text(r.Reason), dbutil.Text(r.EventID)
	db.wmu.Lock()
	defer db.wmu.Unlock()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// A redelivery (the spool's replay after a crash that followed the
		// commit) is kept and counted once: same project, id and time.
		if eventID != "" {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM rejected_events WHERE project_id = ? AND received = ? AND event_id = ?`,
				r.ProjectID, us(received), eventID).Scan(&id)
			if err == nil {
				r.ID, r.Received = id, received
				return nil
			} else if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sqlite: find rejected event: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO rejected_events (project_id, event_id, received, reason, payload) VALUES (?, ?, ?, ?, ?)`,
			r.ProjectID, eventID, us(received), reason, payload)
		if isForeignKey(err) {
			return core.Errorf(core.ENOTFOUND, "project %d not found", r.ProjectID)
		} else if err != nil {
			return fmt.Errorf("sqlite: insert rejected event: %w", err)
		}
		id, _ := res.LastInsertId()
		hour := us(dbutil.Hour(received))
		if _, err := tx.ExecContext(ctx, `INSERT INTO stats_hourly (project_id, hour, rejected) VALUES (?, ?, 1)
			ON CONFLICT (project_id, hour) DO UPDATE SET rejected = rejected + 1`, r.ProjectID, hour); err != nil {
			return fmt.Errorf("sqlite: count rejected event: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stats_rejections_hourly (project_id, hour, reason, count) VALUES (?, ?, ?, 1)
			ON CONFLICT (project_id, hour, reason) DO UPDATE SET count = count + 1`, r.ProjectID, hour, dbutil.ReasonCategory(r.Reason)); err != nil {
			return fmt.Errorf("sqlite: count rejected event: %w", err)
		}
		r.ID, r.Received = id, received
		return nil
	})
	if err != nil {
		return db.writeFailed(ctx, err)
	}
	return nil
}
