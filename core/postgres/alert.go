package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

var destinationCols = sqlq.DestinationCols(dialect)

func scanDestination(s pgx.Row) (*core.Destination, error) {
	return sqlq.ScanDestination(utcScanner{s})
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
	return sqlq.FindDestinations(ctx, conn{db.pool}, projectID)
}

func projectExists(ctx context.Context, q querier, id int64) error {
	return sqlq.ProjectExists(ctx, conn{q}, id)
}

// DeleteDestination removes the project's destination (project 0: a global
// one) and, by cascade, its notifications; ENOTFOUND when there is none.
func (db *DB) DeleteDestination(ctx context.Context, projectID, id int64) error {
	return sqlq.DeleteDestination(ctx, conn{db.pool}, projectID, id)
}

const (
	alertCols        = sqlq.AlertCols
	notificationCols = sqlq.NotificationCols
)

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

// FindAlerts returns the project's newest alerts (limit 0: 100) with their
// notifications; ENOTFOUND for an unknown project.
func (db *DB) FindAlerts(ctx context.Context, projectID int64, limit int) ([]*core.Alert, error) {
	return sqlq.FindAlerts(ctx, conn{db.pool}, projectID, limit)
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
		return sqlq.RecordAttempt(ctx, conn{tx}, id, "FOR UPDATE", a, at, next)
	})
}

// PendingNotifications implements core.AlertStore.
func (db *DB) PendingNotifications(ctx context.Context) (map[string]int64, error) {
	return sqlq.PendingNotifications(ctx, conn{db.pool})
}
