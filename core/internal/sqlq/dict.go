package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// DictStore keeps the event body dictionaries (dbutil.Codec) in
// event_dicts. Every Postgres node trains its own when it needs one; a
// body names the dictionary it was compressed with, so another node's
// reads find it.
type DictStore struct {
	// Read loads dictionaries.
	Read Conn
	// Save inserts them, outside any transaction of the caller's: in
	// SQLite the writer connection, whose mutex the caller holds.
	Save Conn
}

var _ dbutil.DictStore = DictStore{}

// LoadDict returns the dictionary with the id, or ENOTFOUND.
func (s DictStore) LoadDict(ctx context.Context, id int64) ([]byte, error) {
	var dict []byte
	err := s.Read.QueryRow(ctx, `SELECT dict FROM event_dicts WHERE id = ?`, id).Scan(&dict)
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "dictionary %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("%s: load dictionary: %w", s.Read.Dialect().Name, err)
	}
	return dict, nil
}

// LatestDict returns the project's newest dictionary, or id 0 when it has
// none.
func (s DictStore) LatestDict(ctx context.Context, projectID int64) (int64, []byte, error) {
	var id int64
	var dict []byte
	err := s.Read.QueryRow(ctx, `SELECT id, dict FROM event_dicts WHERE project_id = ? ORDER BY id DESC LIMIT 1`,
		projectID).Scan(&id, &dict)
	if IsNoRows(err) {
		return 0, nil, nil
	} else if err != nil {
		return 0, nil, fmt.Errorf("%s: find dictionary: %w", s.Read.Dialect().Name, err)
	}
	return id, dict, nil
}

// SaveDict stores a new dictionary of the project and returns its id.
func (s DictStore) SaveDict(ctx context.Context, projectID int64, dict []byte, now time.Time) (int64, error) {
	id, err := s.Save.Insert(ctx, `INSERT INTO event_dicts (project_id, created_at, dict) VALUES (?, ?, ?)`, projectID, now, dict)
	if err != nil {
		return 0, fmt.Errorf("%s: save dictionary: %w", s.Save.Dialect().Name, err)
	}
	return id, nil
}
