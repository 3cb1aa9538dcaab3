package postgres

import (
	"context"
	"github.com/jackc/pgx/v5"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CreateUser implements core.UserStore.
func (db *DB) CreateUser(ctx context.Context, u *core.User) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		return sqlq.CreateUser(ctx, conn{tx}, u, db.clock(), isUnique)
	})
}

// FindUserByID implements core.UserStore.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*core.User, error) {
	return sqlq.FindUser(ctx, conn{db.pool}, "id", id)
}

// FindUserByEmail implements core.UserStore.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*core.User, error) {
	return sqlq.FindUser(ctx, conn{db.pool}, "email", email)
}

// FindUsers implements core.UserStore.
func (db *DB) FindUsers(ctx context.Context) ([]*core.User, error) {
	return sqlq.FindUsers(ctx, conn{db.pool})
}

// CountUsers implements core.UserStore.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	return sqlq.CountUsers(ctx, conn{db.pool})
}

// SetUserPassword implements core.UserStore.
func (db *DB) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		return sqlq.SetUserPassword(ctx, conn{tx}, id, hash)
	})
}

// DeleteUser implements core.UserStore.
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		return sqlq.DeleteUser(ctx, conn{tx}, id)
	})
}

// GetSession implements core.UserStore.
func (db *DB) GetSession(ctx context.Context, id string, now time.Time) ([]byte, error) {
	return sqlq.GetSession(ctx, conn{db.pool}, id, now)
}

// SetSession implements core.UserStore.
func (db *DB) SetSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		return sqlq.SetSession(ctx, conn{tx}, id, data, expires)
	})
}

// DeleteSession implements core.UserStore.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		return sqlq.DeleteSession(ctx, conn{tx}, id)
	})
}

// DeleteExpiredSessions implements core.UserStore.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (n int64, err error) {
	err = db.tx(ctx, func(tx pgx.Tx) error {
		n, err = sqlq.DeleteExpiredSessions(ctx, conn{tx}, now)
		return err
	})
	return n, err
}

// AddActivity implements core.UserStore.
func (db *DB) AddActivity(ctx context.Context, a *core.Activity) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		return sqlq.AddActivity(ctx, conn{tx}, a, db.clock())
	})
}

// FindActivity implements core.UserStore.
func (db *DB) FindActivity(ctx context.Context, issueID int64, limit int) ([]*core.Activity, error) {
	return sqlq.FindActivity(ctx, conn{db.pool}, issueID, limit)
}

// CountIssues implements core.UserStore.
func (db *DB) CountIssues(ctx context.Context, projectID int64, status string) (int64, error) {
	return sqlq.CountIssues(ctx, conn{db.pool}, projectID, status)
}

// FindIssueTrends implements core.UserStore.
func (db *DB) FindIssueTrends(ctx context.Context, ids []int64, since time.Time) (map[int64][]core.Bucket, error) {
	return sqlq.FindIssueTrends(ctx, conn{db.pool}, ids, since)
}

// FindTagCounts implements core.UserStore.
func (db *DB) FindTagCounts(ctx context.Context, issueID int64, limit int) ([]core.TagCount, error) {
	return sqlq.FindTagCounts(ctx, conn{db.pool}, `SELECT t->>0, t->>1, count(*)
		FROM (SELECT tags FROM events WHERE issue_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?) e, jsonb_array_elements(e.tags) t
		GROUP BY 1, 2`, issueID, limit)
}
