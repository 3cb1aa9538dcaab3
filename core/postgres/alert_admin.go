package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// FindDestinationByID returns the destination, global or of any project,
// or ENOTFOUND.
func (db *DB) FindDestinationByID(ctx context.Context, id int64) (*core.Destination, error) {
	return findDestination(ctx, db.pool, id, "")
}

// findDestination reads one destination; lock is "" or a locking clause.
func findDestination(ctx context.Context, q querier, id int64, lock string) (*core.Destination, error) {
	return sqlq.FindDestination(ctx, conn{q}, id, lock)
}

// UpdateDestination applies upd; ENOTFOUND, ECONFLICT for a name taken in
// the destination's project, EINVALID.
func (db *DB) UpdateDestination(ctx context.Context, id int64, upd core.DestinationUpdate) (*core.Destination, error) {
	var out *core.Destination
	err := db.tx(ctx, func(tx pgx.Tx) error {
		d, err := findDestination(ctx, tx, id, "FOR UPDATE")
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
		_, err = tx.Exec(ctx, `UPDATE destinations SET name = $1, config = $2::text::jsonb, when_expr = $3, updated_at = $4 WHERE id = $5`,
			d.Name, config, d.When, db.clock(), id)
		if isUnique(err) {
			return core.Errorf(core.ECONFLICT, "a destination named %q already exists", d.Name)
		} else if err != nil {
			return fmt.Errorf("postgres: update destination: %w", err)
		}
		out = d
		return nil
	})
	return out, err
}

// SyncConfigDestinations makes the "config" destinations exactly ds; see
// core.AlertStore. Nodes starting at once serialize on an advisory lock.
func (db *DB) SyncConfigDestinations(ctx context.Context, ds []*core.Destination) error {
	configs, err := dbutil.ConfigDestinations(ds)
	if err != nil {
		return err
	}
	now := db.clock()
	return db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('periscope.config_destinations', 0))`); err != nil {
			return fmt.Errorf("postgres: lock config destinations: %w", err)
		}
		type row struct {
			id      int64
			created time.Time
		}
		existing := map[dbutil.DestinationKey]row{}
		rows, err := tx.Query(ctx, `SELECT id, coalesce(project_id, 0), name, created_at FROM destinations WHERE source = 'config'`)
		if err != nil {
			return fmt.Errorf("postgres: find config destinations: %w", err)
		}
		var k dbutil.DestinationKey
		var r row
		if _, err := pgx.ForEachRow(rows, []any{&r.id, &k.ProjectID, &k.Name, &r.created}, func() error {
			existing[k] = r
			return nil
		}); err != nil {
			return fmt.Errorf("postgres: find config destinations: %w", err)
		}
		keep := map[int64]bool{}
		for i, d := range ds {
			if r, ok := existing[dbutil.DestinationKey{ProjectID: d.ProjectID, Name: d.Name}]; ok {
				if _, err := tx.Exec(ctx, `UPDATE destinations SET plugin = $1, config = $2::text::jsonb, when_expr = $3, updated_at = $4 WHERE id = $5`,
					d.Plugin, configs[i], d.When, now, r.id); err != nil {
					return fmt.Errorf("postgres: update destination: %w", err)
				}
				d.ID, d.CreatedAt = r.id, r.created.UTC()
			} else {
				err := tx.QueryRow(ctx, `INSERT INTO destinations (project_id, name, plugin, config, when_expr, source, created_at, updated_at)
					VALUES ($1, $2, $3, $4::text::jsonb, $5, 'config', $6, $6) RETURNING id`,
					nullID(d.ProjectID), d.Name, d.Plugin, configs[i], d.When, now).Scan(&d.ID)
				if isUnique(err) {
					return dbutil.ConfigDestinationConflict(d)
				} else if isForeignKey(err) {
					return core.Errorf(core.ENOTFOUND, "project %d not found", d.ProjectID)
				} else if err != nil {
					return fmt.Errorf("postgres: insert destination: %w", err)
				}
				d.CreatedAt = now
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
			if _, err := tx.Exec(ctx, `DELETE FROM destinations WHERE id = ANY($1)`, gone); err != nil {
				return fmt.Errorf("postgres: delete destinations: %w", err)
			}
		}
		return nil
	})
}

// FindAlertPage returns one page of a project's alerts, newest first,
// with their notifications and attempt logs.
func (db *DB) FindAlertPage(ctx context.Context, f core.AlertFilter) ([]*core.Alert, string, error) {
	return sqlq.FindAlertPage(ctx, conn{db.pool}, f)
}

// AcknowledgeAlert sets the alert's AcknowledgedAt unless already set;
// ENOTFOUND for an unknown alert.
func (db *DB) AcknowledgeAlert(ctx context.Context, id int64, at time.Time) (*core.Alert, error) {
	if at.IsZero() {
		at = db.clock()
	}
	a, err := scanAlert(db.pool.QueryRow(ctx, `UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, $1) WHERE id = $2
		RETURNING `+alertCols, dbutil.UTC(at), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "alert %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: acknowledge alert: %w", err)
	}
	if err := sqlq.LoadNotifications(ctx, conn{db.pool}, []*core.Alert{a}); err != nil {
		return nil, err
	}
	return a, nil
}
