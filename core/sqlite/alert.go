package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

var destinationCols = sqlq.DestinationCols(dialect)

func scanDestination(s scanner) (*core.Destination, error) {
	return sqlq.ScanDestination(timeScanner{s})
}

func scanNotification(s scanner) (*core.Notification, error) {
	return sqlq.ScanNotification(timeScanner{s})
}

func queryAlerts(ctx context.Context, q querier, where string, args ...any) ([]*core.Alert, error) {
	return sqlq.QueryAlerts(ctx, conn{q}, " "+where, args...)
}

// ClaimNotifications leases up to limit (0: 100) due pending notifications
// until now+lease. The single writer makes the claim atomic: no two callers
// get the same row while its lease runs. Each comes with its Alert, Issue,
// Project (without keys) and Destination.
func (db *DB) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*core.Notification, error) {
	now, limit, err := sqlq.ClaimBounds(now, limit, lease)
	if err != nil {
		return nil, err
	}
	until := now.Add(lease)
	ns := []*core.Notification{}
	err = db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE notifications SET claimed_until = ?, next_attempt_at = ?
			WHERE id IN (SELECT id FROM notifications WHERE state = 'pending' AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ?)
			RETURNING `+sqlq.NotificationCols, us(until), us(until), us(now), limit)
		if err != nil {
			return fmt.Errorf("sqlite: claim notifications: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNotification(rows)
			if err != nil {
				return fmt.Errorf("sqlite: claim notifications: %w", err)
			}
			ns = append(ns, n)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: claim notifications: %w", err)
		}
		rows.Close()
		return fillNotifications(ctx, tx, ns)
	})
	if err != nil {
		return nil, err
	}
	return ns, nil
}

// fillNotifications loads the Alert, Issue, Project and Destination of each
// notification.
func fillNotifications(ctx context.Context, q querier, ns []*core.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	var alertIDs, destIDs []int64
	for _, n := range ns {
		alertIDs, destIDs = append(alertIDs, n.AlertID), append(destIDs, n.DestinationID)
	}
	alerts, err := queryAlerts(ctx, q, `WHERE id IN (`+placeholders(len(alertIDs))+`)`, int64Args(alertIDs)...)
	if err != nil {
		return err
	}
	alertByID := map[int64]*core.Alert{}
	var issueIDs, projectIDs []int64
	for _, a := range alerts {
		alertByID[a.ID] = a
		issueIDs, projectIDs = append(issueIDs, a.IssueID), append(projectIDs, a.ProjectID)
	}
	issueByID := map[int64]*core.Issue{}
	if err := queryEach(ctx, q, `SELECT `+issueCols+` FROM issues WHERE id IN (`+placeholders(len(issueIDs))+`)`, issueIDs, func(s scanner) error {
		r, err := scanIssue(s)
		if err == nil {
			issueByID[r.ID] = &r.Issue
		}
		return err
	}); err != nil {
		return err
	}
	projectByID := map[int64]*core.Project{}
	if err := queryEach(ctx, q, `SELECT `+projectCols+` FROM projects WHERE id IN (`+placeholders(len(projectIDs))+`)`, projectIDs, func(s scanner) error {
		p, err := scanProject(s)
		if err == nil {
			projectByID[p.ID] = p
		}
		return err
	}); err != nil {
		return err
	}
	destByID := map[int64]*core.Destination{}
	if err := queryEach(ctx, q, `SELECT `+destinationCols+` FROM destinations WHERE id IN (`+placeholders(len(destIDs))+`)`, destIDs, func(s scanner) error {
		d, err := scanDestination(s)
		if err == nil {
			destByID[d.ID] = d
		}
		return err
	}); err != nil {
		return err
	}
	for _, n := range ns {
		n.Alert, n.Destination = alertByID[n.AlertID], destByID[n.DestinationID]
		if n.Alert != nil {
			n.Issue, n.Project = issueByID[n.Alert.IssueID], projectByID[n.Alert.ProjectID]
		}
	}
	return nil
}

func queryEach(ctx context.Context, q querier, query string, ids []int64, fn func(scanner) error) error {
	rows, err := q.QueryContext(ctx, query, int64Args(ids)...)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	return rows.Err()
}
