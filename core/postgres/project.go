package postgres

import (
	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

const projectCols = sqlq.ProjectCols

func scanProject(s pgx.Row) (*core.Project, error) { return sqlq.ScanProject(utcScanner{s}) }
