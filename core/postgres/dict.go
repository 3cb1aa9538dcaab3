package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// dictStore keeps the event body dictionaries (dbutil.Codec) in
// event_dicts. Every node trains its own when it needs one; a body names
// the dictionary it was compressed with, so another node's reads find it.
type dictStore struct{ db *DB }

var _ dbutil.DictStore = dictStore{}

func (s dictStore) LoadDict(ctx context.Context, id int64) ([]byte, error) {
	var dict []byte
	err := s.db.pool.QueryRow(ctx, `SELECT dict FROM event_dicts WHERE id = $1`, id).Scan(&dict)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "dictionary %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: load dictionary: %w", err)
	}
	return dict, nil
}

func (s dictStore) LatestDict(ctx context.Context, projectID int64) (int64, []byte, error) {
	var id int64
	var dict []byte
	err := s.db.pool.QueryRow(ctx, `SELECT id, dict FROM event_dicts WHERE project_id = $1 ORDER BY id DESC LIMIT 1`,
		projectID).Scan(&id, &dict)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, nil
	} else if err != nil {
		return 0, nil, fmt.Errorf("postgres: find dictionary: %w", err)
	}
	return id, dict, nil
}

func (s dictStore) SaveDict(ctx context.Context, projectID int64, dict []byte, now time.Time) (int64, error) {
	var id int64
	err := s.db.pool.QueryRow(ctx, `INSERT INTO event_dicts (project_id, created_at, dict) VALUES ($1, $2, $3) RETURNING id`,
		projectID, now, dict).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: save dictionary: %w", err)
	}
	return id, nil
}
