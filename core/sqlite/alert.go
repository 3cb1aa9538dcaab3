package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

var destinationCols = sqlq.DestinationCols(dialect)

func scanDestination(s scanner) (*core.Destination, error) {
	return sqlq.ScanDestination(timeScanner{s})
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
	return sqlq.FindDestinations(ctx, conn{db.rdb}, projectID)
}

func projectExists(ctx context.Context, q querier, id int64) error {
	return sqlq.ProjectExists(ctx, conn{q}, id)
}

// DeleteDestination removes the project's destination (project 0: a global
// one) and, by cascade, its notifications; ENOTFOUND when there is none.
func (db *DB) DeleteDestination(ctx context.Context, projectID, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.DeleteDestination(ctx, conn{tx}, projectID, id)
	})
}

const (
	alertCols        = sqlq.AlertCols
	notificationCols = sqlq.NotificationCols
)

func scanAlert(s scanner) (*core.Alert, error) { return sqlq.ScanAlert(timeScanner{s}) }

func scanNotification(s scanner) (*core.Notification, error) {
	return sqlq.ScanNotification(timeScanner{s})
}

// FindAlerts returns the project's newest alerts (limit 0: 100) with their
// notifications; ENOTFOUND for an unknown project.
func (db *DB) FindAlerts(ctx context.Context, projectID int64, limit int) ([]*core.Alert, error) {
	return sqlq.FindAlerts(ctx, conn{db.rdb}, projectID, limit)
}

func queryAlerts(ctx context.Context, q querier, where string, args ...any) ([]*core.Alert, error) {
	return sqlq.QueryAlerts(ctx, conn{q}, " "+where, args...)
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
		return sqlq.RecordAttempt(ctx, conn{tx}, id, "", a, at, next)
	})
}

// PendingNotifications implements core.AlertStore.
func (db *DB) PendingNotifications(ctx context.Context) (map[string]int64, error) {
	return sqlq.PendingNotifications(ctx, conn{db.rdb})
}
