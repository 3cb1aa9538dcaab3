package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	err := db.rdb.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE issue_id = ? AND timestamp >= ? LIMIT ?)`,
		issueID, us(since), limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count issue events: %w", err)
	}
	return n, nil
}

// CreateThresholdAlert creates a threshold alert with its notifications
// unless the rule fired for the issue within t.Interval; see
// core.AlertStore. The single writer makes the check and the insert
// atomic.
func (db *DB) CreateThresholdAlert(ctx context.Context, t core.ThresholdAlert) (*core.Alert, bool, error) {
	if err := t.Validate(); err != nil {
		return nil, false, err
	}
	at := dbutil.UTC(t.At)
	var a *core.Alert
	created := false
	err := db.write(ctx, func(tx *sql.Tx) error {
		var projectID int64
		err := tx.QueryRowContext(ctx, `SELECT project_id FROM issues WHERE id = ?`, t.IssueID).Scan(&projectID)
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.ENOTFOUND, "issue %d not found", t.IssueID)
		} else if err != nil {
			return fmt.Errorf("sqlite: find issue: %w", err)
		}
		recent, err := queryAlerts(ctx, tx, `WHERE issue_id = ? AND kind = 'threshold' AND rule = ? AND created_at > ?
			ORDER BY id DESC LIMIT 1`, t.IssueID, t.Rule, us(at.Add(-t.Interval)))
		if err != nil {
			return err
		}
		if len(recent) == 1 {
			a = recent[0]
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO alerts (project_id, issue_id, kind, rule, event_id, created_at)
			VALUES (?, ?, 'threshold', ?, ?, ?)`, projectID, t.IssueID, t.Rule, t.EventID, us(at))
		if err != nil {
			return fmt.Errorf("sqlite: insert alert: %w", err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx, writeSQL["insertNotifs"], id, us(at), us(at), projectID); err != nil {
			return fmt.Errorf("sqlite: insert notifications: %w", err)
		}
		alerts, err := queryAlerts(ctx, tx, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		a, created = alerts[0], true
		return sqlq.LoadNotifications(ctx, conn{tx}, alerts)
	})
	if err != nil {
		return nil, false, err
	}
	return a, created, nil
}
