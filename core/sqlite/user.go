package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CreateUser implements core.UserStore.
func (db *DB) CreateUser(ctx context.Context, u *core.User) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.CreateUser(ctx, conn{tx}, u, db.clock(), isUnique)
	})
}

// FindUserByID implements core.UserStore.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*core.User, error) {
	return sqlq.FindUser(ctx, conn{db.rdb}, "id", id)
}

// FindUserByEmail implements core.UserStore.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*core.User, error) {
	return sqlq.FindUser(ctx, conn{db.rdb}, "email", email)
}

// FindUsers implements core.UserStore.
func (db *DB) FindUsers(ctx context.Context) ([]*core.User, error) {
	return sqlq.FindUsers(ctx, conn{db.rdb})
}

// CountUsers implements core.UserStore.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	return sqlq.CountUsers(ctx, conn{db.rdb})
}

// SetUserPassword implements core.UserStore.
func (db *DB) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.SetUserPassword(ctx, conn{tx}, id, hash)
	})
}

// DeleteUser implements core.UserStore.
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.DeleteUser(ctx, conn{tx}, id)
	})
}

// GetSession implements core.UserStore.
func (db *DB) GetSession(ctx context.Context, id string, now time.Time) ([]byte, error) {
	return sqlq.GetSession(ctx, conn{db.rdb}, id, now)
}

// SetSession implements core.UserStore.
func (db *DB) SetSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.SetSession(ctx, conn{tx}, id, data, expires)
	})
}

// DeleteSession implements core.UserStore.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.DeleteSession(ctx, conn{tx}, id)
	})
}

// DeleteExpiredSessions implements core.UserStore.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (n int64, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		n, err = sqlq.DeleteExpiredSessions(ctx, conn{tx}, now)
		return err
	})
	return n, err
}

// AddActivity implements core.UserStore.
func (db *DB) AddActivity(ctx context.Context, a *core.Activity) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.AddActivity(ctx, conn{tx}, a, db.clock())
	})
}

// FindActivity implements core.UserStore.
func (db *DB) FindActivity(ctx context.Context, issueID int64, limit int) ([]*core.Activity, error) {
	return sqlq.FindActivity(ctx, conn{db.rdb}, issueID, limit)
}

// CountIssues implements core.UserStore.
func (db *DB) CountIssues(ctx context.Context, projectID int64, status string) (int64, error) {
	return sqlq.CountIssues(ctx, conn{db.rdb}, projectID, status)
}

// FindIssueTrends implements core.UserStore.
func (db *DB) FindIssueTrends(ctx context.Context, ids []int64, since time.Time) (map[int64][]core.Bucket, error) {
	return sqlq.FindIssueTrends(ctx, conn{db.rdb}, ids, since)
}

// FindTagCounts implements core.UserStore.
func (db *DB) FindTagCounts(ctx context.Context, issueID int64, limit int) ([]core.TagCount, error) {
	return sqlq.FindTagCounts(ctx, conn{db.rdb}, `SELECT json_extract(t.value, '$[0]'), json_extract(t.value, '$[1]'), count(*)
		FROM (SELECT tags FROM events WHERE issue_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?) e, json_each(e.tags) t
		GROUP BY 1, 2`, issueID, limit)
}
