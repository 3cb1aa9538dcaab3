package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// ProjectCols are the columns ScanProject reads, in order.
const ProjectCols = `id, name, created_at, rate_limit, retention_days, grouping_config, grouping_config_previous, grouping_transition_until`

// ScanProject reads a row of ProjectCols; Keys is empty, not nil.
func ScanProject(s Scanner) (*core.Project, error) {
	var p core.Project
	if err := s.Scan(&p.ID, &p.Name, &p.CreatedAt, &p.RateLimit, &p.RetentionDays, &p.GroupingConfig,
		&p.PreviousGroupingConfig, &p.GroupingTransitionUntil); err != nil {
		return nil, err
	}
	p.Keys = []*core.ProjectKey{}
	return &p, nil
}

// KeyCols are the columns ScanKey reads, in order.
const KeyCols = `public_key, project_id, label, rate_limit, created_at, revoked_at`

// ScanKey reads a row of KeyCols.
func ScanKey(s Scanner) (*core.ProjectKey, error) {
	var k core.ProjectKey
	if err := s.Scan(&k.PublicKey, &k.ProjectID, &k.Label, &k.RateLimit, &k.CreatedAt, &k.RevokedAt); err != nil {
		return nil, err
	}
	return &k, nil
}

// CreateProject inserts p with one new key, in one transaction. A
// duplicate name is ECONFLICT, an invalid project EINVALID
// (core.ProjectStore.CreateProject).
func CreateProject(ctx context.Context, tx Tx, p *core.Project, now time.Time) error {
	if err := p.Validate(); err != nil {
		return err
	}
	key := &core.ProjectKey{PublicKey: dbutil.NewPublicKey(), Label: "Default", CreatedAt: now}
	err := tx(ctx, func(c Conn) error {
		d := c.Dialect()
		id, err := c.Insert(ctx, `INSERT INTO projects (name, created_at, rate_limit, retention_days, grouping_config) VALUES (?, ?, ?, ?, ?)`,
			p.Name, now, p.RateLimit, p.RetentionDays, p.GroupingConfig)
		if d.Unique(err) {
			return core.Errorf(core.ECONFLICT, "a project named %q already exists", p.Name)
		} else if err != nil {
			return fmt.Errorf("%s: insert project: %w", d.Name, err)
		}
		key.ProjectID = id
		return InsertKey(ctx, c, key)
	})
	if err != nil {
		return err
	}
	p.ID, p.CreatedAt = key.ProjectID, now
	p.Keys = append(p.Keys, key)
	return nil
}

// InsertKey stores k; ECONFLICT for an existing key, ENOTFOUND for an
// unknown project.
func InsertKey(ctx context.Context, c Conn, k *core.ProjectKey) error {
	d := c.Dialect()
	_, err := c.Exec(ctx, `INSERT INTO project_keys (public_key, project_id, label, rate_limit, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.PublicKey, k.ProjectID, k.Label, k.RateLimit, k.CreatedAt)
	if d.Unique(err) {
		return core.Errorf(core.ECONFLICT, "the key %s already exists", k.PublicKey)
	} else if d.ForeignKey(err) {
		return core.Errorf(core.ENOTFOUND, "project %d not found", k.ProjectID)
	} else if err != nil {
		return fmt.Errorf("%s: insert key: %w", d.Name, err)
	}
	return nil
}

// FindProject returns the project with its active keys, or ENOTFOUND;
// lock is "" or a locking clause the dialect takes.
func FindProject(ctx context.Context, c Conn, id int64, lock string) (*core.Project, error) {
	p, err := ScanProject(c.QueryRow(ctx, withLock(`SELECT `+ProjectCols+` FROM projects WHERE id = ? AND deleted_at IS NULL`, lock), id))
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "project %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("%s: find project: %w", c.Dialect().Name, err)
	}
	if err := AttachKeys(ctx, c, []*core.Project{p}, `WHERE project_id = ? AND revoked_at IS NULL`, id); err != nil {
		return nil, err
	}
	return p, nil
}

// FindProjects returns every project with its active keys, by id.
func FindProjects(ctx context.Context, c Conn) ([]*core.Project, error) {
	ps, err := Collect(ctx, c, `SELECT `+ProjectCols+` FROM projects WHERE deleted_at IS NULL ORDER BY id`, nil, ScanProject)
	if err != nil {
		return nil, fmt.Errorf("%s: find projects: %w", c.Dialect().Name, err)
	}
	if err := AttachKeys(ctx, c, ps, `WHERE revoked_at IS NULL`); err != nil {
		return nil, err
	}
	return ps, nil
}

// AttachKeys loads the keys selected by where into their projects, oldest
// first.
func AttachKeys(ctx context.Context, c Conn, ps []*core.Project, where string, args ...any) error {
	byID := make(map[int64]*core.Project, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	err := c.Query(ctx, `SELECT `+KeyCols+` FROM project_keys `+where+` ORDER BY created_at, public_key`, args, func(s Scanner) error {
		k, err := ScanKey(s)
		if err != nil {
			return err
		}
		if p := byID[k.ProjectID]; p != nil {
			p.Keys = append(p.Keys, k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: find keys: %w", c.Dialect().Name, err)
	}
	return nil
}

// UpdateProject changes the given fields in one transaction; ENOTFOUND,
// ECONFLICT on a duplicate name, EINVALID on invalid values.
func UpdateProject(ctx context.Context, tx Tx, id int64, upd core.ProjectUpdate, now time.Time) (*core.Project, error) {
	var p *core.Project
	err := tx(ctx, func(c Conn) error {
		d := c.Dialect()
		var err error
		if p, err = FindProject(ctx, c, id, d.Lock("FOR UPDATE")); err != nil {
			return err
		}
		if upd.Name != nil {
			p.Name = *upd.Name
		}
		if upd.RateLimit != nil {
			p.RateLimit = *upd.RateLimit
		}
		if upd.RetentionDays != nil {
			p.RetentionDays = *upd.RetentionDays
		}
		if err := p.ApplyGroupingConfig(upd, now); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		_, err = c.Exec(ctx, `UPDATE projects SET name = ?, rate_limit = ?, retention_days = ?, grouping_config = ?, grouping_config_previous = ?, grouping_transition_until = ? WHERE id = ?`,
			p.Name, p.RateLimit, p.RetentionDays, p.GroupingConfig, p.PreviousGroupingConfig, p.GroupingTransitionUntil, id)
		if d.Unique(err) {
			return core.Errorf(core.ECONFLICT, "a project named %q already exists", p.Name)
		} else if err != nil {
			return fmt.Errorf("%s: update project: %w", d.Name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteProject removes the project and, by cascade, everything stored for
// it; ENOTFOUND for an unknown id.
func DeleteProject(ctx context.Context, c Conn, id int64) error {
	n, err := c.Exec(ctx, `DELETE FROM projects WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("%s: delete project: %w", c.Dialect().Name, err)
	}
	if n == 0 {
		return core.Errorf(core.ENOTFOUND, "project %d not found", id)
	}
	return nil
}

// ScheduleProjectDeletion hides the project, revokes its keys and frees its
// name, in one transaction; ENOTFOUND for an unknown or already deleted
// project (core.AdminStore.ScheduleProjectDeletion).
func ScheduleProjectDeletion(ctx context.Context, tx Tx, id int64, now time.Time) error {
	return tx(ctx, func(c Conn) error {
		name := c.Dialect().Name
		n, err := c.Exec(ctx, `UPDATE projects SET deleted_at = ?, name = ? WHERE id = ? AND deleted_at IS NULL`,
			now, dbutil.DeletedName(id), id)
		if err != nil {
			return fmt.Errorf("%s: delete project: %w", name, err)
		}
		if n == 0 {
			return core.Errorf(core.ENOTFOUND, "project %d not found", id)
		}
		if _, err := c.Exec(ctx, `UPDATE project_keys SET revoked_at = ? WHERE project_id = ? AND revoked_at IS NULL`, now, id); err != nil {
			return fmt.Errorf("%s: revoke keys of deleted project: %w", name, err)
		}
		return nil
	})
}

// CreateKey adds k to the project (PublicKey generated when empty);
// ENOTFOUND for an unknown project, ECONFLICT for an existing key, EINVALID
// for bad fields.
func CreateKey(ctx context.Context, tx Tx, projectID int64, k *core.ProjectKey, now time.Time) error {
	if err := dbutil.ValidateKey(k); err != nil {
		return err
	}
	nk := *k
	if nk.PublicKey == "" {
		nk.PublicKey = dbutil.NewPublicKey()
	}
	nk.ProjectID, nk.CreatedAt, nk.RevokedAt = projectID, now, nil
	if err := tx(ctx, func(c Conn) error { return InsertKey(ctx, c, &nk) }); err != nil {
		return err
	}
	*k = nk
	return nil
}

// RevokeKey marks an active key of the project revoked, or returns
// ENOTFOUND.
func RevokeKey(ctx context.Context, c Conn, projectID int64, publicKey string, now time.Time) error {
	n, err := c.Exec(ctx, `UPDATE project_keys SET revoked_at = ? WHERE project_id = ? AND public_key = ? AND revoked_at IS NULL`,
		now, projectID, publicKey)
	if err != nil {
		return fmt.Errorf("%s: revoke key: %w", c.Dialect().Name, err)
	}
	if n == 0 {
		return core.Errorf(core.ENOTFOUND, "project %d has no active key %s", projectID, publicKey)
	}
	return nil
}

// FindKey returns the key, revoked or not, or ENOTFOUND.
func FindKey(ctx context.Context, c Conn, publicKey string) (*core.ProjectKey, error) {
	k, err := ScanKey(c.QueryRow(ctx, `SELECT `+KeyCols+` FROM project_keys WHERE public_key = ?`, publicKey))
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "key not found")
	} else if err != nil {
		return nil, fmt.Errorf("%s: find key: %w", c.Dialect().Name, err)
	}
	return k, nil
}

// FindKeys returns every key of the project, revoked ones included, oldest
// first; ENOTFOUND for an unknown project.
func FindKeys(ctx context.Context, c Conn, projectID int64) ([]*core.ProjectKey, error) {
	p, err := FindProject(ctx, c, projectID, "")
	if err != nil {
		return nil, err
	}
	p.Keys = nil
	if err := AttachKeys(ctx, c, []*core.Project{p}, `WHERE project_id = ?`, projectID); err != nil {
		return nil, err
	}
	if p.Keys == nil {
		p.Keys = []*core.ProjectKey{}
	}
	return p.Keys, nil
}

// UpdateKey changes an active key of the project in one transaction;
// ENOTFOUND or EINVALID.
func UpdateKey(ctx context.Context, tx Tx, projectID int64, publicKey string, upd core.KeyUpdate) (*core.ProjectKey, error) {
	var k *core.ProjectKey
	err := tx(ctx, func(c Conn) error {
		d := c.Dialect()
		var err error
		k, err = ScanKey(c.QueryRow(ctx, withLock(`SELECT `+KeyCols+` FROM project_keys
			WHERE project_id = ? AND public_key = ? AND revoked_at IS NULL`, d.Lock("FOR UPDATE")), projectID, publicKey))
		if IsNoRows(err) {
			return core.Errorf(core.ENOTFOUND, "project %d has no active key %s", projectID, publicKey)
		} else if err != nil {
			return fmt.Errorf("%s: find key: %w", d.Name, err)
		}
		if err := dbutil.ApplyKeyUpdate(k, upd); err != nil {
			return err
		}
		if _, err := c.Exec(ctx, `UPDATE project_keys SET label = ?, rate_limit = ? WHERE public_key = ?`,
			k.Label, k.RateLimit, publicKey); err != nil {
			return fmt.Errorf("%s: update key: %w", d.Name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}
