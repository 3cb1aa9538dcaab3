package sqlite

import (
	"context"

	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// PurgeDeletedProjects deletes up to limit events, then issues, then
// rejected events of the oldest project scheduled for deletion (one kind of
// row per call, each its own short transaction under the writer mutex),
// and the project row once none is left. It reports whether anything is
// left to purge.
func (db *DB) PurgeDeletedProjects(ctx context.Context, limit int) (bool, error) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	id, more, err := sqlq.PurgeDeletedProjects(ctx, conn{db.rdb}, db.lockedTx, limit)
	if id != 0 {
		db.forgetProject(id)
	}
	return more, err
}

// forgetProject drops the writer's cached issues of a project; the caller
// holds wmu.
func (db *DB) forgetProject(id int64) {
	for k := range db.cache {
		if k.project == id {
			delete(db.cache, k)
		}
	}
	for issueID, r := range db.issues {
		if r.ProjectID == id {
			delete(db.issues, issueID)
		}
	}
}

// forgetIssues drops the writer's cached rows and fingerprints of issues;
// the caller holds wmu.
func (db *DB) forgetIssues(ids ...int64) {
	gone := make(map[int64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
		delete(db.issues, id)
	}
	for k, id := range db.cache {
		if gone[id] {
			delete(db.cache, k)
		}
	}
}
