package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

const destinationCols = `id, coalesce(project_id, 0), name, plugin, config, when_expr, source, created_at`

func scanDestination(s scanner) (*core.Destination, error) {
	var d core.Destination
	var config string
	var created int64
	if err := s.Scan(&d.ID, &d.ProjectID, &d.Name, &d.Plugin, &config, &d.When, &d.Source, &created); err != nil {
		return nil, err
	}
	d.CreatedAt = tm(created)
	var err error
	if d.Config, err = dbutil.DecodeConfig([]byte(config)); err != nil {
		return nil, fmt.Errorf("destination %d config: %w", d.ID, err)
	}
	return &d, nil
}

// nullID stores project 0 ("every project") as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateDestination inserts d and sets its ID and CreatedAt; ECONFLICT for a
// duplicate name in the project, ENOTFOUND for an unknown project, EINVALID.
func (db *DB) CreateDestination(ctx context.Context, d *core.Destination) error {
	if err := dbutil.ValidateDestination(d); err != nil {
		return err
	}
	config, err := dbutil.EncodeConfig(d.Config)
	if err != nil {
		return err
	}
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO destinations (project_id, name, plugin, config, when_expr, source, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, nullID(d.ProjectID), d.Name, d.Plugin, config, d.When, d.Source, us(now), us(now))
		if isUnique(err) {
			return core.Errorf(core.ECONFLICT, "a destination named %q already exists", d.Name)
		} else if isForeignKey(err) {
			return core.Errorf(core.ENOTFOUND, "project %d not found", d.ProjectID)
		} else if err != nil {
			return fmt.Errorf("sqlite: insert destination: %w", err)
		}
		d.ID, _ = res.LastInsertId()
		d.CreatedAt = now
		return nil
	})
}

// FindDestinations returns the project's destinations and the global ones,
// by id; ENOTFOUND for an unknown project. Project 0 lists the global ones.
func (db *DB) FindDestinations(ctx context.Context, projectID int64) ([]*core.Destination, error) {
	if projectID != 0 {
		if err := projectExists(ctx, db.rdb, projectID); err != nil {
			return nil, err
		}
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT `+destinationCols+` FROM destinations
		WHERE project_id = ? OR project_id IS NULL ORDER BY id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find destinations: %w", err)
	}
	defer rows.Close()
	ds := []*core.Destination{}
	for rows.Next() {
		d, err := scanDestination(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find destinations: %w", err)
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}

func projectExists(ctx context.Context, q querier, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM projects WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "project %d not found", id)
	} else if err != nil {
		return fmt.Errorf("sqlite: find project: %w", err)
	}
	return nil
}

// DeleteDestination removes the project's destination (project 0: a global
// one) and, by cascade, its notifications; ENOTFOUND when there is none.
func (db *DB) DeleteDestination(ctx context.Context, projectID, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM destinations WHERE id = ? AND coalesce(project_id, 0) = ?`, id, projectID)
		if err != nil {
			return fmt.Errorf("sqlite: delete destination: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "destination %d not found", id)
		}
		return nil
	})
}

const alertCols = `id, project_id, issue_id, kind, event_id, created_at, acknowledged_at, rule`

func scanAlert(s scanner) (*core.Alert, error) {
	var a core.Alert
	var created int64
	var acked sql.NullInt64
	if err := s.Scan(&a.ID, &a.ProjectID, &a.IssueID, &a.Kind, &a.EventID, &created, &acked, &a.Rule); err != nil {
		return nil, err
	}
	a.CreatedAt, a.AcknowledgedAt = tm(created), tmPtr(acked)
	return &a, nil
}

const notificationCols = `id, alert_id, destination_id, state, attempts, next_attempt_at, last_error, delivered_at, idempotency_key`

func scanNotification(s scanner) (*core.Notification, error) {
	var n core.Notification
	var next int64
	var delivered sql.NullInt64
	if err := s.Scan(&n.ID, &n.AlertID, &n.DestinationID, &n.State, &n.Attempts, &next, &n.LastError, &delivered, &n.IdempotencyKey); err != nil {
		return nil, err
	}
	n.NextAttemptAt, n.DeliveredAt = tm(next), tmPtr(delivered)
	return &n, nil
}

// FindAlerts returns the project's newest alerts (limit 0: 100) with their
// notifications; ENOTFOUND for an unknown project.
func (db *DB) FindAlerts(ctx context.Context, projectID int64, limit int) ([]*core.Alert, error) {
	limit, err := dbutil.Limit(limit)
	if err != nil {
		return nil, err
	}
	if err := projectExists(ctx, db.rdb, projectID); err != nil {
		return nil, err
	}
	alerts, err := queryAlerts(ctx, db.rdb, `WHERE project_id = ? ORDER BY id DESC LIMIT ?`, projectID, limit)
	if err != nil || len(alerts) == 0 {
		return alerts, err
	}
	byID := map[int64]*core.Alert{}
	ids := make([]int64, len(alerts))
	for i, a := range alerts {
		byID[a.ID], ids[i] = a, a.ID
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE alert_id IN (`+placeholders(len(ids))+`) ORDER BY id`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find notifications: %w", err)
		}
		a := byID[n.AlertID]
		a.Notifications = append(a.Notifications, n)
	}
	return alerts, rows.Err()
}

func queryAlerts(ctx context.Context, q querier, where string, args ...any) ([]*core.Alert, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+alertCols+` FROM alerts `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find alerts: %w", err)
	}
	defer rows.Close()
	alerts := []*core.Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find alerts: %w", err)
		}
		alerts = append(alerts, a)
	}
	return alerts, rows.Err()
}

// ClaimNotifications leases up to limit (0: 100) due pending notifications
// until now+lease. The single writer makes the claim atomic: no two callers
// get the same row while its lease runs. Each comes with its Alert, Issue,
// Project (without keys) and Destination.
func (db *DB) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*core.Notification, error) {
	limit, err := dbutil.Limit(limit)
	if err != nil {
		return nil, err
	} else if lease <= 0 {
		return nil, core.FieldErrorf("lease", "lease must be positive")
	}
	now = dbutil.UTC(now)
	until := now.Add(lease)
	ns := []*core.Notification{}
	err = db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE notifications SET claimed_until = ?, next_attempt_at = ?
			WHERE id IN (SELECT id FROM notifications WHERE state = 'pending' AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ?)
			RETURNING `+notificationCols, us(until), us(until), us(now), limit)
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

// RecordAttempt stores one delivery attempt and moves the notification on:
// delivered (Err ""), failed (Permanent), skipped (Skipped, no attempt
// counted), or pending again at NextAt. A notification that is no longer
// pending keeps its state; the attempt is still recorded. ENOTFOUND for an
// unknown id.
func (db *DB) RecordAttempt(ctx context.Context, id int64, a core.Attempt) error {
	at := dbutil.UTC(a.At)
	if a.At.IsZero() {
		at = db.clock()
	}
	next := dbutil.UTC(a.NextAt)
	if a.NextAt.IsZero() {
		next = at
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM notifications WHERE id = ?`, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.ENOTFOUND, "notification %d not found", id)
		} else if err != nil {
			return fmt.Errorf("sqlite: find notification: %w", err)
		}
		var q string
		var args []any
		switch {
		case a.Skipped && state == core.NotificationPending:
			q, args = `UPDATE notifications SET state = 'skipped', last_error = ?, claimed_until = NULL WHERE id = ?`, []any{a.Err, id}
		case a.Skipped:
			return nil
		case state != core.NotificationPending:
			q, args = `UPDATE notifications SET attempts = attempts + 1 WHERE id = ?`, []any{id}
		case a.Err == "":
			q, args = `UPDATE notifications SET state = 'delivered', attempts = attempts + 1, last_error = '',
				delivered_at = ?, claimed_until = NULL WHERE id = ?`, []any{us(at), id}
		case a.Permanent:
			q, args = `UPDATE notifications SET state = 'failed', attempts = attempts + 1, last_error = ?,
				claimed_until = NULL WHERE id = ?`, []any{a.Err, id}
		default:
			q, args = `UPDATE notifications SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
				claimed_until = NULL WHERE id = ?`, []any{a.Err, us(next), id}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlite: record attempt: %w", err)
		}
		if a.Skipped {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_attempts (notification_id, at, error, permanent) VALUES (?, ?, ?, ?)`,
			id, us(at), a.Err, a.Permanent); err != nil {
			return fmt.Errorf("sqlite: record attempt: %w", err)
		}
		return nil
	})
}
