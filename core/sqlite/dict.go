package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// dictStore keeps the event body dictionaries (dbutil.Codec) in
// event_dicts.
type dictStore struct{ db *DB }

var _ dbutil.DictStore = dictStore{}

func (s dictStore) LoadDict(ctx context.Context, id int64) ([]byte, error) {
	var dict []byte
	err := s.db.rdb.QueryRowContext(ctx, `SELECT dict FROM event_dicts WHERE id = ?`, id).Scan(&dict)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "dictionary %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: load dictionary: %w", err)
	}
	return dict, nil
}

func (s dictStore) LatestDict(ctx context.Context, projectID int64) (int64, []byte, error) {
	var id int64
	var dict []byte
	err := s.db.rdb.QueryRowContext(ctx, `SELECT id, dict FROM event_dicts WHERE project_id = ? ORDER BY id DESC LIMIT 1`,
		projectID).Scan(&id, &dict)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	} else if err != nil {
		return 0, nil, fmt.Errorf("sqlite: find dictionary: %w", err)
	}
	return id, dict, nil
}

// SaveDict runs on the writer connection; the caller holds wmu.
func (s dictStore) SaveDict(ctx context.Context, projectID int64, dict []byte, now time.Time) (int64, error) {
	res, err := s.db.wdb.ExecContext(ctx, `INSERT INTO event_dicts (project_id, created_at, dict) VALUES (?, ?, ?)`,
		projectID, us(now), dict)
	if err != nil {
		return 0, fmt.Errorf("sqlite: save dictionary: %w", err)
	}
	return res.LastInsertId()
}
