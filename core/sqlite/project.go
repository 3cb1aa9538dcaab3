package sqlite

import (
	"context"
	"database/sql"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

const projectCols = sqlq.ProjectCols

func scanProject(s scanner) (*core.Project, error) { return sqlq.ScanProject(timeScanner{s}) }

// DeleteProject removes the project and, by cascade, everything stored for
// it; ENOTFOUND for an unknown id.
func (db *DB) DeleteProject(ctx context.Context, id int64) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := sqlq.DeleteProject(ctx, conn{tx}, id); err != nil {
			return err
		}
		db.forgetProject(id)
		return nil
	})
}
