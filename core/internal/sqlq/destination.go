package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// nullID stores project 0 ("every project") as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// insertDestination is the INSERT of a destination; the dialect's JSONArg
// reads its config argument.
func insertDestination(d Dialect) string {
	return `INSERT INTO destinations (project_id, name, plugin, config, when_expr, source, created_at, updated_at)
		VALUES (?, ?, ?, ?` + d.JSONArg + `, ?, ?, ?, ?)`
}

// CreateDestination inserts d and sets its ID and CreatedAt; ECONFLICT for
// a duplicate name in the project, ENOTFOUND for an unknown project,
// EINVALID (core.AlertStore.CreateDestination).
func CreateDestination(ctx context.Context, tx Tx, d *core.Destination, now time.Time) error {
	if err := dbutil.ValidateDestination(d); err != nil {
		return err
	}
	config, err := dbutil.EncodeConfig(d.Config)
	if err != nil {
		return err
	}
	return tx(ctx, func(c Conn) error {
		dl := c.Dialect()
		id, err := c.Insert(ctx, insertDestination(dl), nullID(d.ProjectID), d.Name, d.Plugin, config, d.When, d.Source, now, now)
		if dl.Unique(err) {
			return core.Errorf(core.ECONFLICT, "a destination named %q already exists", d.Name)
		} else if dl.ForeignKey(err) {
			return core.Errorf(core.ENOTFOUND, "project %d not found", d.ProjectID)
		} else if err != nil {
			return fmt.Errorf("%s: insert destination: %w", dl.Name, err)
		}
		d.ID, d.CreatedAt = id, now
		return nil
	})
}

// UpdateDestination applies upd in one transaction; ENOTFOUND, ECONFLICT
// for a name taken in the destination's project, EINVALID.
func UpdateDestination(ctx context.Context, tx Tx, id int64, upd core.DestinationUpdate, now time.Time) (*core.Destination, error) {
	var out *core.Destination
	err := tx(ctx, func(c Conn) error {
		dl := c.Dialect()
		d, err := FindDestination(ctx, c, id, dl.Lock("FOR UPDATE"))
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
		_, err = c.Exec(ctx, `UPDATE destinations SET name = ?, config = ?`+dl.JSONArg+`, when_expr = ?, updated_at = ? WHERE id = ?`,
			d.Name, config, d.When, now, id)
		if dl.Unique(err) {
			return core.Errorf(core.ECONFLICT, "a destination named %q already exists", d.Name)
		} else if err != nil {
			return fmt.Errorf("%s: update destination: %w", dl.Name, err)
		}
		out = d
		return nil
	})
	return out, err
}

// SyncConfigDestinations makes the "config" destinations exactly ds, in
// one transaction (core.AlertStore.SyncConfigDestinations). lock, run
// first, is the dialect's statement that serializes nodes starting at
// once, or "" where the transaction already does (SQLite's single writer).
func SyncConfigDestinations(ctx context.Context, tx Tx, ds []*core.Destination, now time.Time, lock string) error {
	configs, err := dbutil.ConfigDestinations(ds)
	if err != nil {
		return err
	}
	return tx(ctx, func(c Conn) error {
		dl := c.Dialect()
		if lock != "" {
			if _, err := c.Exec(ctx, lock); err != nil {
				return fmt.Errorf("%s: lock config destinations: %w", dl.Name, err)
			}
		}
		type row struct {
			id      int64
			created time.Time
		}
		existing := map[dbutil.DestinationKey]row{}
		err := c.Query(ctx, `SELECT id, coalesce(project_id, 0), name, created_at FROM destinations WHERE source = 'config'`, nil,
			func(s Scanner) error {
				var k dbutil.DestinationKey
				var r row
				if err := s.Scan(&r.id, &k.ProjectID, &k.Name, &r.created); err != nil {
					return err
				}
				existing[k] = r
				return nil
			})
		if err != nil {
			return fmt.Errorf("%s: find config destinations: %w", dl.Name, err)
		}
		keep := map[int64]bool{}
		for i, d := range ds {
			if r, ok := existing[dbutil.DestinationKey{ProjectID: d.ProjectID, Name: d.Name}]; ok {
				if _, err := c.Exec(ctx, `UPDATE destinations SET plugin = ?, config = ?`+dl.JSONArg+`, when_expr = ?, updated_at = ? WHERE id = ?`,
					d.Plugin, configs[i], d.When, now, r.id); err != nil {
					return fmt.Errorf("%s: update destination: %w", dl.Name, err)
				}
				d.ID, d.CreatedAt = r.id, r.created
			} else {
				id, err := c.Insert(ctx, insertDestination(dl), nullID(d.ProjectID), d.Name, d.Plugin, configs[i], d.When, "config", now, now)
				if dl.Unique(err) {
					return dbutil.ConfigDestinationConflict(d)
				} else if dl.ForeignKey(err) {
					return core.Errorf(core.ENOTFOUND, "project %d not found", d.ProjectID)
				} else if err != nil {
					return fmt.Errorf("%s: insert destination: %w", dl.Name, err)
				}
				d.ID, d.CreatedAt = id, now
			}
			keep[d.ID] = true
		}
		var gone []int64
		for _, r := range existing {
			if !keep[r.id] {
				gone = append(gone, r.id)
			}
		}
		if len(gone) > 0 {
			in, args := dl.In("id", gone)
			if _, err := c.Exec(ctx, `DELETE FROM destinations WHERE `+in, args...); err != nil {
				return fmt.Errorf("%s: delete destinations: %w", dl.Name, err)
			}
		}
		return nil
	})
}

// AcknowledgeAlert sets the alert's AcknowledgedAt to at unless already
// set, in one transaction, and returns it with its notifications;
// ENOTFOUND for an unknown alert.
func AcknowledgeAlert(ctx context.Context, tx Tx, id int64, at time.Time) (*core.Alert, error) {
	var a *core.Alert
	err := tx(ctx, func(c Conn) error {
		n, err := c.Exec(ctx, `UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, ?) WHERE id = ?`, dbutil.UTC(at), id)
		if err != nil {
			return fmt.Errorf("%s: acknowledge alert: %w", c.Dialect().Name, err)
		}
		if n == 0 {
			return core.Errorf(core.ENOTFOUND, "alert %d not found", id)
		}
		alerts, err := QueryAlerts(ctx, c, ` WHERE id = ?`, id)
		if err != nil {
			return err
		}
		a = alerts[0]
		return LoadNotifications(ctx, c, alerts)
	})
	return a, err
}

// RecordAttemptAt is RecordAttempt in its own transaction, the attempt's
// zero times filled in: At with now, NextAt with At
// (core.AlertStore.RecordAttempt).
func RecordAttemptAt(ctx context.Context, tx Tx, id int64, a core.Attempt, now time.Time) error {
	at := dbutil.UTC(a.At)
	if a.At.IsZero() {
		at = now
	}
	next := dbutil.UTC(a.NextAt)
	if a.NextAt.IsZero() {
		next = at
	}
	return tx(ctx, func(c Conn) error {
		return RecordAttempt(ctx, c, id, c.Dialect().Lock("FOR UPDATE"), a, at, next)
	})
}
