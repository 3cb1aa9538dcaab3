package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CapEvents deletes up to limit of the project's oldest events beyond its
// newest keep, in one statement: the count and the choice of rows share
// its snapshot, so two nodes capping at once pick the same rows and the
// second deletes none of them twice. See core.RetentionStore.
func (db *DB) CapEvents(ctx context.Context, projectID int64, keep, limit int) (int, error) {
	keep, limit = sqlq.CapBounds(keep, limit)
	tag, err := db.pool.Exec(ctx, `DELETE FROM events WHERE id IN (
		SELECT id FROM events WHERE project_id = $1 ORDER BY received, id
		LIMIT least($3, greatest((SELECT count(*) FROM events WHERE project_id = $1) - $2, 0)))`,
		projectID, keep, limit)
	if err != nil {
		return 0, fmt.Errorf("postgres: cap events: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// PruneIssues deletes up to limit of the project's issues that have no
// event left, were last seen before before and have no pending
// notification; their fingerprints, hourly counts, alerts and
// notifications go by cascade. It locks the candidates first (skipping
// rows another transaction holds, such as a batch adding an event), then
// checks again for events under a fresh snapshot before deleting, so an
// issue that got an event meanwhile stays. See core.RetentionStore.
func (db *DB) PruneIssues(ctx context.Context, projectID int64, before time.Time, limit int) (int, error) {
	var n int
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		_, n, err = sqlq.PruneIssues(ctx, conn{tx}, projectID, before, limit)
		return err
	})
	return n, err
}
