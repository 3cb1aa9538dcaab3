package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// FindDestinationByID returns the destination, global or of any project,
// or ENOTFOUND.
func (db *DB) FindDestinationByID(ctx context.Context, id int64) (*core.Destination, error) {
	return findDestination(ctx, db.rdb, id)
}

func findDestination(ctx context.Context, q querier, id int64) (*core.Destination, error) {
	d, err := scanDestination(q.QueryRowContext(ctx, `SELECT `+destinationCols+` FROM destinations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "destination %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find destination: %w", err)
	}
	return d, nil
}

// UpdateDestination applies upd; ENOTFOUND, ECONFLICT for a name taken in
// the destination's project, EINVALID.
func (db *DB) UpdateDestination(ctx context.Context, id int64, upd core.DestinationUpdate) (*core.Destination, error) {
	var out *core.Destination
	err := db.write(ctx, func(tx *sql.Tx) error {
		d, err := findDestination(ctx, tx, id)
		if err != nil {
			return err
		}
		if upd.Name != nil {
			d.Name = *upd.Name
		}
		if upd.Config != nil {
			d.Config = upd.Config
		}
		if upd.When != nil {
			d.When = *upd.When
		}
		if err := dbutil.ValidateDestination(d); err != nil {
			return err
		}
		config, err := dbutil.EncodeConfig(d.Config)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE destinations SET name = ?, config = ?, when_expr = ?, updated_at = ? WHERE id = ?`,
			d.Name, config, d.When, us(db.clock()), id)
		if isUnique(err) {
			return core.Errorf(core.ECONFLICT, "a destination named %q already exists", d.Name)
		} else if err != nil {
			return fmt.Errorf("sqlite: update destination: %w", err)
		}
		out = d
		return nil
	})
	return out, err
}

// SyncConfigDestinations makes the "config" destinations exactly ds; see
// core.AlertStore.
func (db *DB) SyncConfigDestinations(ctx context.Context, ds []*core.Destination) error {
	configs, err := dbutil.ConfigDestinations(ds)
	if err != nil {
		return err
	}
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		type row struct {
			id      int64
			created int64
		}
		existing := map[dbutil.DestinationKey]row{}
		rows, err := tx.QueryContext(ctx, `SELECT id, coalesce(project_id, 0), name, created_at FROM destinations WHERE source = 'config'`)
		if err != nil {
			return fmt.Errorf("sqlite: find config destinations: %w", err)
		}
		for rows.Next() {
			var k dbutil.DestinationKey
			var r row
			if err := rows.Scan(&r.id, &k.ProjectID, &k.Name, &r.created); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: find config destinations: %w", err)
			}
			existing[k] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: find config destinations: %w", err)
		}
		keep := map[int64]bool{}
		for i, d := range ds {
			k := dbutil.DestinationKey{ProjectID: d.ProjectID, Name: d.Name}
			if r, ok := existing[k]; ok {
				if _, err := tx.ExecContext(ctx, `UPDATE destinations SET plugin = ?, config = ?, when_expr = ?, updated_at = ? WHERE id = ?`,
					d.Plugin, configs[i], d.When, us(now), r.id); err != nil {
					return fmt.Errorf("sqlite: update destination: %w", err)
				}
				d.ID, d.CreatedAt = r.id, tm(r.created)
			} else {
				res, err := tx.ExecContext(ctx, `INSERT INTO destinations (project_id, name, plugin, config, when_expr, source, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, 'config', ?, ?)`, nullID(d.ProjectID), d.Name, d.Plugin, configs[i], d.When, us(now), us(now))
				if isUnique(err) {
					return dbutil.ConfigDestinationConflict(d)
				} else if isForeignKey(err) {
					return core.Errorf(core.ENOTFOUND, "project %d not found", d.ProjectID)
				} else if err != nil {
					return fmt.Errorf("sqlite: insert destination: %w", err)
				}
				d.ID, _ = res.LastInsertId()
				d.CreatedAt = now
			}
			keep[d.ID] = true
		}
		for _, r := range existing {
			if keep[r.id] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM destinations WHERE id = ?`, r.id); err != nil {
				return fmt.Errorf("sqlite: delete destination: %w", err)
			}
		}
		return nil
	})
}

// FindAlertPage returns one page of a project's alerts, newest first; see
// core.AlertStore.
func (db *DB) FindAlertPage(ctx context.Context, f core.AlertFilter) ([]*core.Alert, string, error) {
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
	if err := projectExists(ctx, db.rdb, f.ProjectID); err != nil {
		return nil, "", err
	}
	where, args := []string{"project_id = ?"}, []any{f.ProjectID}
	add := func(cond string, a any) { where, args = append(where, cond), append(args, a) }
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.IssueID != 0 {
		add("issue_id = ?", f.IssueID)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", us(f.Since))
	}
	if hasCur {
		add("id < ?", cur.ID)
	}
	args = append(args, limit+1)
	alerts, err := queryAlerts(ctx, db.rdb, `WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(alerts) > limit {
		alerts = alerts[:limit]
		last := alerts[len(alerts)-1]
		next = dbutil.EncodeCursor("alerts", dbutil.Cursor{Value: last.ID, ID: last.ID})
	}
	if err := loadNotifications(ctx, db.rdb, alerts); err != nil {
		return nil, "", err
	}
	return alerts, next, nil
}

// loadNotifications fills each alert's Notifications, each with its
// AttemptLog.
func loadNotifications(ctx context.Context, q querier, alerts []*core.Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	byID := map[int64]*core.Alert{}
	ids := make([]int64, len(alerts))
	for i, a := range alerts {
		byID[a.ID], ids[i] = a, a.ID
	}
	in := placeholders(len(ids))
	rows, err := q.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE alert_id IN (`+in+`) ORDER BY id`, int64Args(ids)...)
	if err != nil {
		return fmt.Errorf("sqlite: find notifications: %w", err)
	}
	notes := map[int64]*core.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: find notifications: %w", err)
		}
		byID[n.AlertID].Notifications = append(byID[n.AlertID].Notifications, n)
		notes[n.ID] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: find notifications: %w", err)
	}
	if len(notes) == 0 {
		return nil
	}
	rows, err = q.QueryContext(ctx, `SELECT a.notification_id, a.at, a.error, a.permanent FROM notification_attempts a
		JOIN notifications n ON n.id = a.notification_id WHERE n.alert_id IN (`+in+`) ORDER BY a.id`, int64Args(ids)...)
	if err != nil {
		return fmt.Errorf("sqlite: find notification attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var a core.NotificationAttempt
		if err := rows.Scan(&id, &at, &a.Error, &a.Permanent); err != nil {
			return fmt.Errorf("sqlite: find notification attempts: %w", err)
		}
		a.At = tm(at)
		if n := notes[id]; n != nil {
			n.AttemptLog = append(n.AttemptLog, a)
		}
	}
	return rows.Err()
}

// AcknowledgeAlert sets the alert's AcknowledgedAt unless already set;
// ENOTFOUND for an unknown alert.
func (db *DB) AcknowledgeAlert(ctx context.Context, id int64, at time.Time) (*core.Alert, error) {
	if at.IsZero() {
		at = db.clock()
	}
	var a *core.Alert
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, ?) WHERE id = ?`, us(dbutil.UTC(at)), id)
		if err != nil {
			return fmt.Errorf("sqlite: acknowledge alert: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "alert %d not found", id)
		}
		alerts, err := queryAlerts(ctx, tx, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		a = alerts[0]
		return loadNotifications(ctx, tx, alerts)
	})
	return a, err
}
