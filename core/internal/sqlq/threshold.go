package sqlq

import (
	"context"
	"fmt"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// CreateThresholdAlert creates a threshold alert with its notifications, in
// one transaction, unless the rule fired for the issue within t.Interval
// (core.AlertStore.CreateThresholdAlert). lock, run first with the issue id
// and the rule, is the dialect's statement that makes the check and the
// insert atomic, or "" where the transaction already is (SQLite's single
// writer).
func CreateThresholdAlert(ctx context.Context, tx Tx, t core.ThresholdAlert, lock string) (*core.Alert, bool, error) {
	if err := t.Validate(); err != nil {
		return nil, false, err
	}
	at := dbutil.UTC(t.At)
	var a *core.Alert
	created := false
	err := tx(ctx, func(c Conn) error {
		d := c.Dialect()
		if lock != "" {
			if _, err := c.Exec(ctx, lock, t.IssueID, t.Rule); err != nil {
				return fmt.Errorf("%s: lock threshold: %w", d.Name, err)
			}
		}
		var projectID int64
		err := c.QueryRow(ctx, `SELECT project_id FROM issues WHERE id = ?`, t.IssueID).Scan(&projectID)
		if IsNoRows(err) {
			return core.Errorf(core.ENOTFOUND, "issue %d not found", t.IssueID)
		} else if err != nil {
			return fmt.Errorf("%s: find issue: %w", d.Name, err)
		}
		recent, err := QueryAlerts(ctx, c, ` WHERE issue_id = ? AND kind = 'threshold' AND rule = ? AND created_at > ?
			ORDER BY id DESC LIMIT 1`, t.IssueID, t.Rule, at.Add(-t.Interval))
		if err != nil {
			return err
		}
		if len(recent) == 1 {
			a = recent[0]
			return nil
		}
		id, err := c.Insert(ctx, `INSERT INTO alerts (project_id, issue_id, kind, rule, event_id, created_at)
			VALUES (?, ?, 'threshold', ?, ?, ?)`, projectID, t.IssueID, t.Rule, t.EventID, at)
		if err != nil {
			return fmt.Errorf("%s: insert alert: %w", d.Name, err)
		}
		if _, err := c.Exec(ctx, `INSERT INTO notifications (alert_id, destination_id, state, attempts, next_attempt_at,
			idempotency_key, created_at)
			SELECT ?, id, 'pending', 0, ?, `+d.RandomKey+`, ? FROM destinations
			WHERE project_id = ? OR project_id IS NULL ORDER BY id`, id, at, at, projectID); err != nil {
			return fmt.Errorf("%s: insert notifications: %w", d.Name, err)
		}
		alerts, err := QueryAlerts(ctx, c, ` WHERE id = ?`, id)
		if err != nil {
			return err
		}
		a, created = alerts[0], true
		return LoadNotifications(ctx, c, alerts)
	})
	if err != nil {
		return nil, false, err
	}
	return a, created, nil
}
