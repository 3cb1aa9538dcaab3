package postgres

import (
	"context"

	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// PurgeDeletedProjects deletes up to limit events, then issues, then
// rejected events of the oldest project scheduled for deletion (one kind of
// row per call, each its own short transaction), and the project row once
// none is left. It reports whether anything is left to purge.
func (db *DB) PurgeDeletedProjects(ctx context.Context, limit int) (bool, error) {
	_, more, err := sqlq.PurgeDeletedProjects(ctx, conn{db.pool}, db.pooled, limit)
	return more, err
}
