package sqlq

import (
	"context"
	"fmt"
	"time"
)

// DefaultPruneLimit is the batch of a retention call given no limit.
const DefaultPruneLimit = 1000

// CapBounds returns CapEvents' keep (at least 0) and limit (0:
// DefaultPruneLimit).
func CapBounds(keep, limit int) (int, int) {
	if limit <= 0 {
		limit = DefaultPruneLimit
	}
	return max(keep, 0), limit
}

// PruneEvents deletes up to limit of the project's events received before
// before (oldest first, attachments by cascade), then, within the same
// limit, its rejected events, in one short transaction
// (core.RetentionStore.PruneEvents).
func PruneEvents(ctx context.Context, tx Tx, projectID int64, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = DefaultPruneLimit
	}
	var n int64
	err := tx(ctx, func(c Conn) error {
		name := c.Dialect().Name
		var err error
		n, err = c.Exec(ctx, `DELETE FROM events WHERE id IN (SELECT id FROM events
			WHERE project_id = ? AND received < ? ORDER BY received LIMIT ?)`, projectID, before, limit)
		if err != nil {
			return fmt.Errorf("%s: prune events: %w", name, err)
		}
		if n >= int64(limit) {
			return nil
		}
		r, err := c.Exec(ctx, `DELETE FROM rejected_events WHERE id IN (SELECT id FROM rejected_events
			WHERE project_id = ? AND received < ? ORDER BY received LIMIT ?)`, projectID, before, int64(limit)-n)
		if err != nil {
			return fmt.Errorf("%s: prune rejected events: %w", name, err)
		}
		n += r
		return nil
	})
	return int(n), err
}

// PruneIssues deletes, in transaction c, up to limit of the project's
// issues that have no event left, were last seen before before and have
// no pending notification; their fingerprints, hourly counts, alerts and
// notifications go by cascade (core.RetentionStore.PruneIssues). Where the
// dialect takes locks it locks the candidates first, skipping rows another
// transaction holds (such as a batch adding an event), and the delete
// checks again for events under a fresh snapshot, so an issue that got an
// event meanwhile stays. It returns the candidates' ids and how many went.
func PruneIssues(ctx context.Context, c Conn, projectID int64, before time.Time, limit int) ([]int64, int, error) {
	if limit <= 0 {
		limit = DefaultPruneLimit
	}
	d := c.Dialect()
	ids, err := Collect(ctx, c, withLock(`SELECT i.id FROM issues i
		WHERE i.project_id = ? AND i.last_seen < ?
		AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = i.id)
		AND NOT EXISTS (SELECT 1 FROM alerts a JOIN notifications n ON n.alert_id = a.id
			WHERE a.issue_id = i.id AND n.state = 'pending')
		ORDER BY i.last_seen LIMIT ?`, d.Lock("FOR UPDATE OF i SKIP LOCKED")), []any{projectID, before, limit}, ScanID)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: find empty issues: %w", d.Name, err)
	}
	if len(ids) == 0 {
		return nil, 0, nil
	}
	in, args := d.In("i.id", ids)
	n, err := c.Exec(ctx, `DELETE FROM issues AS i WHERE `+in+`
		AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = i.id)`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: prune issues: %w", d.Name, err)
	}
	return ids, int(n), nil
}

// ScanID reads a row of one int64 column.
func ScanID(s Scanner) (int64, error) {
	var id int64
	err := s.Scan(&id)
	return id, err
}

// PurgeDeletedProjects deletes up to limit events, then issues, then
// rejected events of the oldest project scheduled for deletion (one kind of
// row per call, each in its own transaction tx), and the project row once
// none is left (core.AdminStore.PurgeDeletedProjects). It returns the id
// of the project it deleted rows of (0: none), and whether anything is
// left to purge.
func PurgeDeletedProjects(ctx context.Context, c Conn, tx Tx, limit int) (int64, bool, error) {
	name := c.Dialect().Name
	if limit <= 0 {
		limit = 500
	}
	var id int64
	err := c.QueryRow(ctx, `SELECT id FROM projects WHERE deleted_at IS NOT NULL ORDER BY id LIMIT 1`).Scan(&id)
	if IsNoRows(err) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("%s: find deleted projects: %w", name, err)
	}
	for _, q := range []string{
		`DELETE FROM events WHERE id IN (SELECT id FROM events WHERE project_id = ? LIMIT ?)`,
		`DELETE FROM issues WHERE id IN (SELECT id FROM issues WHERE project_id = ? ORDER BY id LIMIT ?)`,
		`DELETE FROM rejected_events WHERE id IN (SELECT id FROM rejected_events WHERE project_id = ? LIMIT ?)`,
	} {
		var n int64
		err := tx(ctx, func(c Conn) error {
			var err error
			n, err = c.Exec(ctx, q, id, limit)
			return err
		})
		if err != nil {
			return 0, false, fmt.Errorf("%s: purge project %d: %w", name, id, err)
		}
		if n > 0 {
			return id, true, nil
		}
	}
	err = tx(ctx, func(c Conn) error {
		_, err := c.Exec(ctx, `DELETE FROM projects WHERE id = ? AND deleted_at IS NOT NULL`, id)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("%s: purge project %d: %w", name, id, err)
	}
	var more bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE deleted_at IS NOT NULL)`).Scan(&more); err != nil {
		return id, false, fmt.Errorf("%s: find deleted projects: %w", name, err)
	}
	return id, more, nil
}
