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

const destinationCols = `id, coalesce(project_id, 0), name, plugin, config::text, when_expr, source, created_at`

func scanDestination(s pgx.Row) (*core.Destination, error) {
	var d core.Destination
	var config string
	if err := s.Scan(&d.ID, &d.ProjectID, &d.Name, &d.Plugin, &config, &d.When, &d.Source, &d.CreatedAt); err != nil {
		return nil, err
	}
	d.CreatedAt = d.CreatedAt.UTC()
	var err error
	if d.Config, err = dbutil.DecodeConfig([]byte(config)); err != nil {
		return nil, fmt.Errorf("destination %d config: %w", d.ID, err)
	}
	return &d, nil
}

// nullID stores project 0 ("every project") as NULL.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
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
	err = db.pool.QueryRow(ctx, `INSERT INTO destinations (project_id, name, plugin, config, when_expr, source, created_at, updated_at)
		VALUES ($1, $2, $3, $4::text::jsonb, $5, $6, $7, $7) RETURNING id`,
		nullID(d.ProjectID), d.Name, d.Plugin, config, d.When, d.Source, now).Scan(&d.ID)
	if isUnique(err) {
		return core.Errorf(core.ECONFLICT, "a destination named %q already exists", d.Name)
	} else if isForeignKey(err) {
		return core.Errorf(core.ENOTFOUND, "project %d not found", d.ProjectID)
	} else if err != nil {
		return fmt.Errorf("postgres: insert destination: %w", err)
	}
	d.CreatedAt = now
	return nil
}

// FindDestinations returns the project's destinations and the global ones,
// by id; ENOTFOUND for an unknown project. Project 0 lists the global ones.
func (db *DB) FindDestinations(ctx context.Context, projectID int64) ([]*core.Destination, error) {
	if projectID != 0 {
		if err := projectExists(ctx, db.pool, projectID); err != nil {
			return nil, err
		}
	}
	rows, err := db.pool.Query(ctx, `SELECT `+destinationCols+` FROM destinations
		WHERE project_id = $1 OR project_id IS NULL ORDER BY id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("postgres: find destinations: %w", err)
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Destination, error) { return scanDestination(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: find destinations: %w", err)
	}
	if ds == nil {
		ds = []*core.Destination{}
	}
	return ds, nil
}

func projectExists(ctx context.Context, q querier, id int64) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM projects WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "project %d not found", id)
	} else if err != nil {
		return fmt.Errorf("postgres: find project: %w", err)
	}
	return nil
}

// DeleteDestination removes the project's destination (project 0: a global
// one) and, by cascade, its notifications; ENOTFOUND when there is none.
func (db *DB) DeleteDestination(ctx context.Context, projectID, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM destinations WHERE id = $1 AND coalesce(project_id, 0) = $2`, id, projectID)
	if err != nil {
		return fmt.Errorf("postgres: delete destination: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return core.Errorf(core.ENOTFOUND, "destination %d not found", id)
	}
	return nil
}

const alertCols = `id, project_id, issue_id, kind, event_id, created_at, acknowledged_at, rule`

func scanAlert(s pgx.Row) (*core.Alert, error) {
	var a core.Alert
	if err := s.Scan(&a.ID, &a.ProjectID, &a.IssueID, &a.Kind, &a.EventID, &a.CreatedAt, &a.AcknowledgedAt, &a.Rule); err != nil {
		return nil, err
	}
	a.CreatedAt, a.AcknowledgedAt = a.CreatedAt.UTC(), utcPtr(a.AcknowledgedAt)
	return &a, nil
}

const notificationCols = `id, alert_id, destination_id, state, attempts, next_attempt_at, last_error, delivered_at, idempotency_key`

func scanNotification(s pgx.Row) (*core.Notification, error) {
	var n core.Notification
	if err := s.Scan(&n.ID, &n.AlertID, &n.DestinationID, &n.State, &n.Attempts, &n.NextAttemptAt, &n.LastError, &n.DeliveredAt, &n.IdempotencyKey); err != nil {
		return nil, err
	}
	n.NextAttemptAt, n.DeliveredAt = n.NextAttemptAt.UTC(), utcPtr(n.DeliveredAt)
	return &n, nil
}

func collect[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}

// FindAlerts returns the project's newest alerts (limit 0: 100) with their
// notifications; ENOTFOUND for an unknown project.
func (db *DB) FindAlerts(ctx context.Context, projectID int64, limit int) ([]*core.Alert, error) {
	limit, err := dbutil.Limit(limit)
	if err != nil {
		return nil, err
	}
	if err := projectExists(ctx, db.pool, projectID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+alertCols+` FROM alerts WHERE project_id = $1 ORDER BY id DESC LIMIT $2`, projectID, limit)
	alerts, err := collect(rows, err, scanAlert)
	if err != nil {
		return nil, fmt.Errorf("postgres: find alerts: %w", err)
	}
	if len(alerts) == 0 {
		return []*core.Alert{}, nil
	}
	byID := map[int64]*core.Alert{}
	ids := make([]int64, len(alerts))
	for i, a := range alerts {
		byID[a.ID], ids[i] = a, a.ID
	}
	rows, err = db.pool.Query(ctx, `SELECT `+notificationCols+` FROM notifications WHERE alert_id = ANY($1) ORDER BY id`, ids)
	ns, err := collect(rows, err, scanNotification)
	if err != nil {
		return nil, fmt.Errorf("postgres: find notifications: %w", err)
	}
	for _, n := range ns {
		a := byID[n.AlertID]
		a.Notifications = append(a.Notifications, n)
	}
	return alerts, nil
}

// ClaimNotifications leases up to limit (0: 100) due pending notifications
// until now+lease. Rows are claimed with FOR UPDATE SKIP LOCKED, so
// dispatchers on several nodes never get the same row while its lease runs.
// Each comes with its Alert, Issue, Project (without keys) and Destination.
func (db *DB) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*core.Notification, error) {
	limit, err := dbutil.Limit(limit)
	if err != nil {
		return nil, err
	} else if lease <= 0 {
		return nil, core.FieldErrorf("lease", "lease must be positive")
	}
	now = dbutil.UTC(now)
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
	b.Queue(`SELECT `+alertCols+` FROM alerts WHERE id = ANY($1)`, alertIDs)
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
	return db.tx(ctx, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM notifications WHERE id = $1 FOR UPDATE`, id).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return core.Errorf(core.ENOTFOUND, "notification %d not found", id)
		} else if err != nil {
			return fmt.Errorf("postgres: find notification: %w", err)
		}
		var q string
		var args []any
		switch {
		case a.Skipped && state == core.NotificationPending:
			q, args = `UPDATE notifications SET state = 'skipped', last_error = $1, claimed_until = NULL WHERE id = $2`, []any{a.Err, id}
		case a.Skipped:
			return nil
		case state != core.NotificationPending:
			q, args = `UPDATE notifications SET attempts = attempts + 1 WHERE id = $1`, []any{id}
		case a.Err == "":
			q, args = `UPDATE notifications SET state = 'delivered', attempts = attempts + 1, last_error = '',
				delivered_at = $1, claimed_until = NULL WHERE id = $2`, []any{at, id}
		case a.Permanent:
			q, args = `UPDATE notifications SET state = 'failed', attempts = attempts + 1, last_error = $1,
				claimed_until = NULL WHERE id = $2`, []any{a.Err, id}
		default:
			q, args = `UPDATE notifications SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2,
				claimed_until = NULL WHERE id = $3`, []any{a.Err, next, id}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("postgres: record attempt: %w", err)
		}
		if a.Skipped {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notification_attempts (notification_id, at, error, permanent) VALUES ($1, $2, $3, $4)`,
			id, at, a.Err, a.Permanent); err != nil {
			return fmt.Errorf("postgres: record attempt: %w", err)
		}
		return nil
	})
}
