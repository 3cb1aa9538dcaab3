package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// DestinationCols are the columns ScanDestination reads, in order.
func DestinationCols(d Dialect) string {
	return `id, coalesce(project_id, 0), name, plugin, config` + d.TextCast + `, when_expr, source, created_at`
}

// ScanDestination reads a row of DestinationCols.
func ScanDestination(s Scanner) (*core.Destination, error) {
	var d core.Destination
	var config string
	if err := s.Scan(&d.ID, &d.ProjectID, &d.Name, &d.Plugin, &config, &d.When, &d.Source, &d.CreatedAt); err != nil {
		return nil, err
	}
	var err error
	if d.Config, err = dbutil.DecodeConfig([]byte(config)); err != nil {
		return nil, fmt.Errorf("destination %d config: %w", d.ID, err)
	}
	return &d, nil
}

// FindDestination reads one destination, or ENOTFOUND; lock is "" or a
// locking clause.
func FindDestination(ctx context.Context, c Conn, id int64, lock string) (*core.Destination, error) {
	d, err := ScanDestination(c.QueryRow(ctx, withLock(`SELECT `+DestinationCols(c.Dialect())+` FROM destinations WHERE id = ?`, lock), id))
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "destination %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("%s: find destination: %w", c.Dialect().Name, err)
	}
	return d, nil
}

// FindDestinations returns the project's destinations and the global ones,
// by id; ENOTFOUND for an unknown project. Project 0 lists the global ones.
func FindDestinations(ctx context.Context, c Conn, projectID int64) ([]*core.Destination, error) {
	if projectID != 0 {
		if err := ProjectExists(ctx, c, projectID); err != nil {
			return nil, err
		}
	}
	ds, err := Collect(ctx, c, `SELECT `+DestinationCols(c.Dialect())+` FROM destinations
		WHERE project_id = ? OR project_id IS NULL ORDER BY id`, []any{projectID}, ScanDestination)
	if err != nil {
		return nil, fmt.Errorf("%s: find destinations: %w", c.Dialect().Name, err)
	}
	return ds, nil
}

// DeleteDestination removes the project's destination (project 0: a global
// one) and, by cascade, its notifications; ENOTFOUND when there is none.
func DeleteDestination(ctx context.Context, c Conn, projectID, id int64) error {
	n, err := c.Exec(ctx, `DELETE FROM destinations WHERE id = ? AND coalesce(project_id, 0) = ?`, id, projectID)
	if err != nil {
		return fmt.Errorf("%s: delete destination: %w", c.Dialect().Name, err)
	}
	if n == 0 {
		return core.Errorf(core.ENOTFOUND, "destination %d not found", id)
	}
	return nil
}

// ProjectExists returns nil for a stored project, else ENOTFOUND.
func ProjectExists(ctx context.Context, c Conn, id int64) error {
	var one int
	err := c.QueryRow(ctx, `SELECT 1 FROM projects WHERE id = ?`, id).Scan(&one)
	if IsNoRows(err) {
		return core.Errorf(core.ENOTFOUND, "project %d not found", id)
	} else if err != nil {
		return fmt.Errorf("%s: find project: %w", c.Dialect().Name, err)
	}
	return nil
}

// AlertCols are the columns ScanAlert reads, in order.
const AlertCols = `id, project_id, issue_id, kind, event_id, created_at, acknowledged_at, rule`

// ScanAlert reads a row of AlertCols.
func ScanAlert(s Scanner) (*core.Alert, error) {
	var a core.Alert
	if err := s.Scan(&a.ID, &a.ProjectID, &a.IssueID, &a.Kind, &a.EventID, &a.CreatedAt, &a.AcknowledgedAt, &a.Rule); err != nil {
		return nil, err
	}
	return &a, nil
}

// NotificationCols are the columns ScanNotification reads, in order.
const NotificationCols = `id, alert_id, destination_id, state, attempts, next_attempt_at, last_error, delivered_at, idempotency_key`

// ScanNotification reads a row of NotificationCols.
func ScanNotification(s Scanner) (*core.Notification, error) {
	var n core.Notification
	if err := s.Scan(&n.ID, &n.AlertID, &n.DestinationID, &n.State, &n.Attempts, &n.NextAttemptAt, &n.LastError,
		&n.DeliveredAt, &n.IdempotencyKey); err != nil {
		return nil, err
	}
	return &n, nil
}

// QueryAlerts returns the alerts that rest (" WHERE ... ORDER BY ...")
// selects.
func QueryAlerts(ctx context.Context, c Conn, rest string, args ...any) ([]*core.Alert, error) {
	alerts, err := Collect(ctx, c, `SELECT `+AlertCols+` FROM alerts`+rest, args, ScanAlert)
	if err != nil {
		return nil, fmt.Errorf("%s: find alerts: %w", c.Dialect().Name, err)
	}
	return alerts, nil
}

// FindAlerts returns the project's newest alerts (limit 0: 100) with their
// notifications; ENOTFOUND for an unknown project.
func FindAlerts(ctx context.Context, c Conn, projectID int64, limit int) ([]*core.Alert, error) {
	limit, err := dbutil.Limit(limit)
	if err != nil {
		return nil, err
	}
	if err := ProjectExists(ctx, c, projectID); err != nil {
		return nil, err
	}
	alerts, err := QueryAlerts(ctx, c, ` WHERE project_id = ? ORDER BY id DESC LIMIT ?`, projectID, limit)
	if err != nil {
		return nil, err
	}
	if _, err := loadNotifications(ctx, c, alerts); err != nil {
		return nil, err
	}
	return alerts, nil
}

// FindAlertPage returns one page of a project's alerts, newest first, with
// their notifications and attempt logs (core.AlertStore.FindAlertPage).
func FindAlertPage(ctx context.Context, c Conn, f core.AlertFilter) ([]*core.Alert, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	limit, err := dbutil.Limit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	cur, hasCur, err := dbutil.DecodeCursor("alerts", f.Cursor)
	if err != nil {
		return nil, "", err
	}
	if err := ProjectExists(ctx, c, f.ProjectID); err != nil {
		return nil, "", err
	}
	var w Where
	w.Add("project_id = ?", f.ProjectID)
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.IssueID != 0 {
		w.Add("issue_id = ?", f.IssueID)
	}
	if !f.Since.IsZero() {
		w.Add("created_at >= ?", dbutil.UTC(f.Since))
	}
	if hasCur {
		w.Add("id < ?", cur.ID)
	}
	alerts, err := QueryAlerts(ctx, c, w.SQL()+` ORDER BY id DESC LIMIT ?`, w.Args(limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(alerts) > limit {
		alerts = alerts[:limit]
		last := alerts[len(alerts)-1]
		next = dbutil.EncodeCursor("alerts", dbutil.Cursor{Value: last.ID, ID: last.ID})
	}
	if err := LoadNotifications(ctx, c, alerts); err != nil {
		return nil, "", err
	}
	return alerts, next, nil
}

// loadNotifications fills each alert's Notifications and returns them by
// id.
func loadNotifications(ctx context.Context, c Conn, alerts []*core.Alert) (map[int64]*core.Notification, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	byID := map[int64]*core.Alert{}
	ids := make([]int64, len(alerts))
	for i, a := range alerts {
		byID[a.ID], ids[i] = a, a.ID
	}
	in, args := c.Dialect().In("alert_id", ids)
	notes := map[int64]*core.Notification{}
	err := c.Query(ctx, `SELECT `+NotificationCols+` FROM notifications WHERE `+in+` ORDER BY id`, args, func(s Scanner) error {
		n, err := ScanNotification(s)
		if err != nil {
			return err
		}
		byID[n.AlertID].Notifications = append(byID[n.AlertID].Notifications, n)
		notes[n.ID] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: find notifications: %w", c.Dialect().Name, err)
	}
	return notes, nil
}

// LoadNotifications fills each alert's Notifications, each with its
// AttemptLog.
func LoadNotifications(ctx context.Context, c Conn, alerts []*core.Alert) error {
	notes, err := loadNotifications(ctx, c, alerts)
	if err != nil || len(notes) == 0 {
		return err
	}
	ids := make([]int64, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	in, args := c.Dialect().In("n.alert_id", ids)
	err = c.Query(ctx, `SELECT a.notification_id, a.at, a.error, a.permanent FROM notification_attempts a
		JOIN notifications n ON n.id = a.notification_id WHERE `+in+` ORDER BY a.id`, args, func(s Scanner) error {
		var id int64
		var a core.NotificationAttempt
		if err := s.Scan(&id, &a.At, &a.Error, &a.Permanent); err != nil {
			return err
		}
		if n := notes[id]; n != nil {
			n.AttemptLog = append(n.AttemptLog, a)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: find notification attempts: %w", c.Dialect().Name, err)
	}
	return nil
}

// RecordAttempt stores one delivery attempt of notification id, read with
// lock ("" or a locking clause), at at, and moves it on: delivered (Err
// ""), failed (Permanent), skipped (Skipped, no attempt counted), or
// pending again at next. A notification that is no longer pending keeps its
// state; the attempt is still recorded. ENOTFOUND for an unknown id. c is a
// transaction.
func RecordAttempt(ctx context.Context, c Conn, id int64, lock string, a core.Attempt, at, next time.Time) error {
	name := c.Dialect().Name
	var state string
	err := c.QueryRow(ctx, withLock(`SELECT state FROM notifications WHERE id = ?`, lock), id).Scan(&state)
	if IsNoRows(err) {
		return core.Errorf(core.ENOTFOUND, "notification %d not found", id)
	} else if err != nil {
		return fmt.Errorf("%s: find notification: %w", name, err)
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
			delivered_at = ?, claimed_until = NULL WHERE id = ?`, []any{at, id}
	case a.Permanent:
		q, args = `UPDATE notifications SET state = 'failed', attempts = attempts + 1, last_error = ?,
			claimed_until = NULL WHERE id = ?`, []any{a.Err, id}
	default:
		q, args = `UPDATE notifications SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
			claimed_until = NULL WHERE id = ?`, []any{a.Err, next, id}
	}
	if _, err := c.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("%s: record attempt: %w", name, err)
	}
	if a.Skipped {
		return nil
	}
	if _, err := c.Exec(ctx, `INSERT INTO notification_attempts (notification_id, at, error, permanent) VALUES (?, ?, ?, ?)`,
		id, at, a.Err, a.Permanent); err != nil {
		return fmt.Errorf("%s: record attempt: %w", name, err)
	}
	return nil
}
