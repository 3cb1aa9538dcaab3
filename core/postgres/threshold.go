package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CountIssueEvents counts the issue's events with a timestamp at or after
// since, reading at most limit index entries (events_issue_timestamp).
func (db *DB) CountIssueEvents(ctx context.Context, issueID int64, since time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, core.FieldErrorf("limit", "limit must be at least 1")
	}
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE issue_id = $1 AND timestamp >= $2 LIMIT $3) e`,
		issueID, dbutil.UTC(since), limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count issue events: %w", err)
	}
	return n, nil
}

// CreateThresholdAlert creates a threshold alert with its notifications
// unless the rule fired for the issue within t.Interval; see
// core.AlertStore. A transaction-scoped advisory lock on (issue, rule)
// makes the check and the insert atomic across nodes without locking the
// issue row that ingestion updates.
func (db *DB) CreateThresholdAlert(ctx context.Context, t core.ThresholdAlert) (*core.Alert, bool, error) {
	if err := t.Validate(); err != nil {
		return nil, false, err
	}
	at := dbutil.UTC(t.At)
	var a *core.Alert
	created := false
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('periscope.threshold:' || $1::bigint || ':' || $2::text, 0))`,
			t.IssueID, t.Rule); err != nil {
			return fmt.Errorf("postgres: lock threshold: %w", err)
		}
		var projectID int64
		err := tx.QueryRow(ctx, `SELECT project_id FROM issues WHERE id = $1`, t.IssueID).Scan(&projectID)
		if errors.Is(err, pgx.ErrNoRows) {
			return core.Errorf(core.ENOTFOUND, "issue %d not found", t.IssueID)
		} else if err != nil {
			return fmt.Errorf("postgres: find issue: %w", err)
		}
		recent, err := scanAlert(tx.QueryRow(ctx, `SELECT `+alertCols+` FROM alerts
			WHERE issue_id = $1 AND kind = 'threshold' AND rule = $2 AND created_at > $3 ORDER BY id DESC LIMIT 1`,
			t.IssueID, t.Rule, at.Add(-t.Interval)))
		if err == nil {
			a = recent
			return nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: find alerts: %w", err)
		}
		a, err = scanAlert(tx.QueryRow(ctx, `INSERT INTO alerts (project_id, issue_id, kind, rule, event_id, created_at)
			VALUES ($1, $2, 'threshold', $3, $4, $5) RETURNING `+alertCols, projectID, t.IssueID, t.Rule, t.EventID, at))
		if err != nil {
			return fmt.Errorf("postgres: insert alert: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (alert_id, destination_id, state, attempts, next_attempt_at, idempotency_key, created_at)
			SELECT $1, d.id, 'pending', 0, $2, replace(gen_random_uuid()::text, '-', ''), $2
			FROM destinations d WHERE d.project_id = $3 OR d.project_id IS NULL ORDER BY d.id`, a.ID, at, projectID); err != nil {
			return fmt.Errorf("postgres: insert notifications: %w", err)
		}
		created = true
		return sqlq.LoadNotifications(ctx, conn{tx}, []*core.Alert{a})
	})
	if err != nil {
		return nil, false, err
	}
	return a, created, nil
}
