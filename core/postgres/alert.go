package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

var destinationCols = sqlq.DestinationCols(dialect)

func scanDestination(s pgx.Row) (*core.Destination, error) {
	return sqlq.ScanDestination(utcScanner{s})
}

func scanAlert(s pgx.Row) (*core.Alert, error) { return sqlq.ScanAlert(utcScanner{s}) }

func scanNotification(s pgx.Row) (*core.Notification, error) {
	return sqlq.ScanNotification(utcScanner{s})
}

func collect[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}

// ClaimNotifications leases up to limit (0: 100) due pending notifications
// until now+lease. Rows are claimed with FOR UPDATE SKIP LOCKED, so
// dispatchers on several nodes never get the same row while its lease runs.
// Each comes with its Alert, Issue, Project (without keys) and Destination.
func (db *DB) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*core.Notification, error) {
	now, limit, err := sqlq.ClaimBounds(now, limit, lease)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `UPDATE notifications n SET claimed_until = $1, next_attempt_at = $1
		FROM (SELECT id FROM notifications WHERE state = 'pending' AND next_attempt_at <= $2
			ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) c
		WHERE n.id = c.id
		RETURNING n.id, n.alert_id, n.destination_id, n.state, n.attempts, n.next_attempt_at, n.last_error,
			n.delivered_at, n.idempotency_key`, now.Add(lease), now, limit)
	ns, err := collect(rows, err, scanNotification)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim notifications: %w", err)
	}
	if len(ns) == 0 {
		return []*core.Notification{}, nil
	}
	if err := db.fillNotifications(ctx, ns); err != nil {
		return nil, err
	}
	return ns, nil
}

// fillNotifications loads the Alert, Issue, Project and Destination of each
// notification, in one round trip.
func (db *DB) fillNotifications(ctx context.Context, ns []*core.Notification) error {
	var alertIDs, destIDs []int64
	for _, n := range ns {
		alertIDs, destIDs = append(alertIDs, n.AlertID), append(destIDs, n.DestinationID)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT `+sqlq.AlertCols+` FROM alerts WHERE id = ANY($1)`, alertIDs)
	b.Queue(`SELECT `+issueCols+` FROM issues WHERE id IN (SELECT issue_id FROM alerts WHERE id = ANY($1))`, alertIDs)
	b.Queue(`SELECT `+projectCols+` FROM projects WHERE id IN (SELECT project_id FROM alerts WHERE id = ANY($1))`, alertIDs)
	b.Queue(`SELECT `+destinationCols+` FROM destinations WHERE id = ANY($1)`, destIDs)
	br := db.pool.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	alerts, err := collect(rows, err, scanAlert)
	if err != nil {
		return fmt.Errorf("postgres: load claimed alerts: %w", err)
	}
	rows, err = br.Query()
	issues, err := collect(rows, err, scanIssue)
	if err != nil {
		return fmt.Errorf("postgres: load claimed issues: %w", err)
	}
	rows, err = br.Query()
	projects, err := collect(rows, err, scanProject)
	if err != nil {
		return fmt.Errorf("postgres: load claimed projects: %w", err)
	}
	rows, err = br.Query()
	dests, err := collect(rows, err, scanDestination)
	if err != nil {
		return fmt.Errorf("postgres: load claimed destinations: %w", err)
	}
	alertByID, issueByID, projectByID, destByID := map[int64]*core.Alert{}, map[int64]*core.Issue{}, map[int64]*core.Project{}, map[int64]*core.Destination{}
	for _, a := range alerts {
		alertByID[a.ID] = a
	}
	for _, r := range issues {
		issueByID[r.ID] = &r.Issue
	}
	for _, p := range projects {
		projectByID[p.ID] = p
	}
	for _, d := range dests {
		destByID[d.ID] = d
	}
	for _, n := range ns {
		n.Alert, n.Destination = alertByID[n.AlertID], destByID[n.DestinationID]
		if n.Alert != nil {
			n.Issue, n.Project = issueByID[n.Alert.IssueID], projectByID[n.Alert.ProjectID]
		}
	}
	return br.Close()
}
