package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

const eventCols = `id, project_id, issue_id, event_id, timestamp, received, title, culprit, level, platform, release,
	environment, tags::text, sdk_name, sdk_version, grouping_decided_by, grouping_name, grouping_config, grouping_hash,
	grouping_components, grouping_title`

// scanEvent reads eventCols plus the given extra destinations.
func scanEvent(s pgx.Row, extra ...any) (*core.Event, error) {
	var e core.Event
	var tags, comps string
	dest := []any{&e.ID, &e.ProjectID, &e.IssueID, &e.EventID, &e.Timestamp, &e.Received, &e.Title, &e.Culprit,
		&e.Level, &e.Platform, &e.Release, &e.Environment, &tags, &e.SDKName, &e.SDKVersion, &e.Grouping.DecidedBy,
		&e.Grouping.Name, &e.Grouping.Config, &e.Grouping.Hash, &comps, &e.Grouping.Title}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.Timestamp, e.Received = e.Timestamp.UTC(), e.Received.UTC()
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
	q := `SELECT ` + eventCols + `, body FROM events WHERE issue_id = $1`
	args := []any{f.IssueID}
	if hasCur {
		q += ` AND (timestamp, id) < ($3, $4)`
		args = append(args, limit+1, time.UnixMicro(cur.Value).UTC(), cur.ID)
	} else {
		args = append(args, limit+1)
	}
	q += ` ORDER BY timestamp DESC, id DESC LIMIT $2`
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: find events: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Event, error) {
		var body []byte
		e, err := scanEvent(r, &body)
		if err != nil {
			return nil, err
		}
		return e, db.codec.FillComponents(ctx, e, body)
	})
	if err != nil {
		return nil, "", fmt.Errorf("postgres: find events: %w", err)
	}
	if events == nil {
		events = []*core.Event{}
	}
	if len(events) == 0 && !hasCur {
		if _, err := findIssue(ctx, db.pool, f.IssueID, false); err != nil {
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
// attachment metadata, or ENOTFOUND.
func (db *DB) FindEventByID(ctx context.Context, projectID int64, eventID string) (*core.Event, error) {
	var body []byte
	e, err := scanEvent(db.pool.QueryRow(ctx, `SELECT `+eventCols+`, body FROM events WHERE project_id = $1 AND event_id = $2`,
		projectID, eventID), &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "event %s not found in project %d", eventID, projectID)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: find event: %w", err)
	}
	b, err := db.codec.DecodeBody(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("postgres: event %s: %w", eventID, err)
	}
	e.Payload, e.Data = b.Payload, b.Data
	if b.Components != nil {
		e.Grouping.Components = b.Components
	}
	rows, err := db.pool.Query(ctx, `SELECT id, filename, content_type, attachment_type, size FROM attachments WHERE event_pk = $1 ORDER BY id`, e.ID)
	if err != nil {
		return nil, fmt.Errorf("postgres: find attachments: %w", err)
	}
	e.Attachments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Attachment, error) {
		var a core.Attachment
		err := r.Scan(&a.ID, &a.Filename, &a.ContentType, &a.AttachmentType, &a.Size)
		return &a, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find attachments: %w", err)
	}
	return e, nil
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
	return storageError(db.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		// A redelivery (the spool's replay after a crash that followed the
		// commit) is kept and counted once: same project, id and time.
		if eventID != "" {
			err := tx.QueryRow(ctx, `SELECT id FROM rejected_events WHERE project_id = $1 AND received = $2 AND event_id = $3`,
				r.ProjectID, received, eventID).Scan(&id)
			if err == nil {
				r.ID, r.Received = id, received
				return nil
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("postgres: find rejected event: %w", err)
			}
		}
		err := tx.QueryRow(ctx, `INSERT INTO rejected_events (project_id, event_id, received, reason, payload) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			r.ProjectID, eventID, received, reason, payload).Scan(&id)
		if isForeignKey(err) {
			return core.Errorf(core.ENOTFOUND, "project %d not found", r.ProjectID)
		} else if err != nil {
			return fmt.Errorf("postgres: insert rejected event: %w", err)
		}
		hour := dbutil.Hour(received)
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO stats_hourly (project_id, hour, rejected) VALUES ($1, $2, 1)
			ON CONFLICT (project_id, hour) DO UPDATE SET rejected = stats_hourly.rejected + 1`, r.ProjectID, hour)
		b.Queue(`INSERT INTO stats_rejections_hourly (project_id, hour, reason, count) VALUES ($1, $2, $3, 1)
			ON CONFLICT (project_id, hour, reason) DO UPDATE SET count = stats_rejections_hourly.count + 1`,
			r.ProjectID, hour, dbutil.ReasonCategory(r.Reason))
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("postgres: count rejected event: %w", err)
		}
		r.ID, r.Received = id, received
		return nil
	}))
}
