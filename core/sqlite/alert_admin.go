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

// FindDestinationByID returns the destination, global or of any project,
// or ENOTFOUND.
func (db *DB) FindDestinationByID(ctx context.Context, id int64) (*core.Destination, error) {
	return findDestination(ctx, db.rdb, id)
}

func findDestination(ctx context.Context, q querier, id int64) (*core.Destination, error) {
	return sqlq.FindDestination(ctx, conn{q}, id, "")
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

// FindAlertPage returns one page of a project's alerts, newest first,
// with their notifications and attempt logs.
func (db *DB) FindAlertPage(ctx context.Context, f core.AlertFilter) ([]*core.Alert, string, error) {
	return sqlq.FindAlertPage(ctx, conn{db.rdb}, f)
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
		return sqlq.LoadNotifications(ctx, conn{tx}, alerts)
	})
	return a, err
}
