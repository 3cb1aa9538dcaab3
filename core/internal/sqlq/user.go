package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// UserCols are the columns ScanUser reads, in order.
const UserCols = `id, email, role, password_hash, created_at`

// ScanUser reads a row of UserCols.
func ScanUser(s Scanner) (*core.User, error) {
	var u core.User
	if err := s.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &u.CreatedAt); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUser inserts u at now and fills its ID and CreatedAt; a duplicate
// email (the dialect's unique violation) is ECONFLICT.
func CreateUser(ctx context.Context, c Conn, u *core.User, now time.Time) error {
	err := c.QueryRow(ctx, `INSERT INTO users (email, password_hash, role, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		u.Email, u.PasswordHash, u.Role, now).Scan(&u.ID)
	if err != nil && c.Dialect().Unique(err) {
		return core.Errorf(core.ECONFLICT, "a user with email %q already exists", u.Email)
	} else if err != nil {
		return fmt.Errorf("%s: create user: %w", c.Dialect().Name, err)
	}
	u.CreatedAt = now
	return nil
}

// FindUser returns the user matching col = v (col is "id" or "email"), or
// ENOTFOUND.
func FindUser(ctx context.Context, c Conn, col string, v any) (*core.User, error) {
	u, err := ScanUser(c.QueryRow(ctx, `SELECT `+UserCols+` FROM users WHERE `+col+` = ?`, v))
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "user %v not found", v)
	} else if err != nil {
		return nil, fmt.Errorf("%s: find user: %w", c.Dialect().Name, err)
	}
	return u, nil
}

// FindUsers returns every user, oldest first.
func FindUsers(ctx context.Context, c Conn) ([]*core.User, error) {
	us, err := Collect(ctx, c, `SELECT `+UserCols+` FROM users ORDER BY id`, nil, ScanUser)
	if err != nil {
		return nil, fmt.Errorf("%s: find users: %w", c.Dialect().Name, err)
	}
	return us, nil
}

// CountUsers returns how many users exist.
func CountUsers(ctx context.Context, c Conn) (int, error) {
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: count users: %w", c.Dialect().Name, err)
	}
	return n, nil
}

// SetUserPassword replaces a user's password hash; ENOTFOUND for an
// unknown user.
func SetUserPassword(ctx context.Context, c Conn, id int64, hash string) error {
	n, err := c.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
	if err != nil {
		return fmt.Errorf("%s: set password: %w", c.Dialect().Name, err)
	} else if n == 0 {
		return core.Errorf(core.ENOTFOUND, "user %d not found", id)
	}
	return nil
}

// DeleteUser removes a user; ENOTFOUND for an unknown one.
func DeleteUser(ctx context.Context, c Conn, id int64) error {
	n, err := c.Exec(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("%s: delete user: %w", c.Dialect().Name, err)
	} else if n == 0 {
		return core.Errorf(core.ENOTFOUND, "user %d not found", id)
	}
	return nil
}

// GetSession returns the data of an unexpired session, or ENOTFOUND.
func GetSession(ctx context.Context, c Conn, id string, now time.Time) ([]byte, error) {
	var data []byte
	err := c.QueryRow(ctx, `SELECT data FROM web_sessions WHERE id = ? AND expires_at > ?`, id, now).Scan(&data)
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "session not found")
	} else if err != nil {
		return nil, fmt.Errorf("%s: get session: %w", c.Dialect().Name, err)
	}
	return data, nil
}

// SetSession creates or replaces a session.
func SetSession(ctx context.Context, c Conn, id string, data []byte, expires time.Time) error {
	_, err := c.Exec(ctx, `INSERT INTO web_sessions (id, data, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`, id, data, expires)
	if err != nil {
		return fmt.Errorf("%s: set session: %w", c.Dialect().Name, err)
	}
	return nil
}

// DeleteSession removes a session, if it exists.
func DeleteSession(ctx context.Context, c Conn, id string) error {
	if _, err := c.Exec(ctx, `DELETE FROM web_sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("%s: delete session: %w", c.Dialect().Name, err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions expired at now.
func DeleteExpiredSessions(ctx context.Context, c Conn, now time.Time) (int64, error) {
	n, err := c.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at <= ?`, now)
	if err != nil {
		return 0, fmt.Errorf("%s: delete expired sessions: %w", c.Dialect().Name, err)
	}
	return n, nil
}

// AddActivity records a at now (unless a.CreatedAt is set) and fills its
// ID; ENOTFOUND for an unknown issue.
func AddActivity(ctx context.Context, c Conn, a *core.Activity, now time.Time) error {
	var one int
	if err := c.QueryRow(ctx, `SELECT 1 FROM issues WHERE id = ?`, a.IssueID).Scan(&one); IsNoRows(err) {
		return core.Errorf(core.ENOTFOUND, "issue %d not found", a.IssueID)
	} else if err != nil {
		return fmt.Errorf("%s: add activity: %w", c.Dialect().Name, err)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	err := c.QueryRow(ctx, `INSERT INTO issue_activity (issue_id, actor, action, detail, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		a.IssueID, a.Actor, a.Action, a.Detail, a.CreatedAt).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("%s: add activity: %w", c.Dialect().Name, err)
	}
	return nil
}

// FindActivity returns the newest limit activity rows of an issue, oldest
// first.
func FindActivity(ctx context.Context, c Conn, issueID int64, limit int) ([]*core.Activity, error) {
	if limit <= 0 {
		limit = 100
	}
	as, err := Collect(ctx, c, `SELECT id, issue_id, actor, action, detail, created_at FROM issue_activity
		WHERE issue_id = ? ORDER BY id DESC LIMIT ?`, []any{issueID, limit}, func(s Scanner) (*core.Activity, error) {
		var a core.Activity
		err := s.Scan(&a.ID, &a.IssueID, &a.Actor, &a.Action, &a.Detail, &a.CreatedAt)
		return &a, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: find activity: %w", c.Dialect().Name, err)
	}
	for i, j := 0, len(as)-1; i < j; i, j = i+1, j-1 {
		as[i], as[j] = as[j], as[i]
	}
	return as, nil
}

// CountIssues returns how many issues of a project have status ("" any).
func CountIssues(ctx context.Context, c Conn, projectID int64, status string) (int64, error) {
	q, args := `SELECT count(*) FROM issues WHERE project_id = ?`, []any{projectID}
	if status != "" {
		q, args = q+` AND status = ?`, append(args, status)
	}
	var n int64
	if err := c.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: count issues: %w", c.Dialect().Name, err)
	}
	return n, nil
}

// FindIssueTrends returns the hourly event counts at or after since of
// each issue in ids that has any, oldest first.
func FindIssueTrends(ctx context.Context, c Conn, ids []int64, since time.Time) (map[int64][]core.Bucket, error) {
	out := map[int64][]core.Bucket{}
	if len(ids) == 0 {
		return out, nil
	}
	cond, args := c.Dialect().In("issue_id", ids)
	err := c.Query(ctx, `SELECT issue_id, hour, count FROM issue_hourly WHERE `+cond+` AND hour >= ? ORDER BY issue_id, hour`,
		append(args, since), func(s Scanner) error {
			var id int64
			var b core.Bucket
			if err := s.Scan(&id, &b.Start, &b.Count); err != nil {
				return err
			}
			out[id] = append(out[id], b)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("%s: find issue trends: %w", c.Dialect().Name, err)
	}
	return out, nil
}

// CreateUser inserts u and fills its ID and CreatedAt (core.UserStore);
// ECONFLICT for a taken email.
func (s Store) CreateUser(ctx context.Context, u *core.User) error {
	return s.write(ctx, func(c Conn) error { return CreateUser(ctx, c, u, s.clock()) })
}

// FindUserByID returns the user, or ENOTFOUND.
func (s Store) FindUserByID(ctx context.Context, id int64) (*core.User, error) {
	return FindUser(ctx, s.read, "id", id)
}

// FindUserByEmail returns the user, or ENOTFOUND.
func (s Store) FindUserByEmail(ctx context.Context, email string) (*core.User, error) {
	return FindUser(ctx, s.read, "email", email)
}

// FindUsers returns every user (core.UserStore).
func (s Store) FindUsers(ctx context.Context) ([]*core.User, error) {
	return FindUsers(ctx, s.read)
}

// CountUsers counts the users.
func (s Store) CountUsers(ctx context.Context) (int, error) {
	return CountUsers(ctx, s.read)
}

// SetUserPassword sets the user's password hash; ENOTFOUND.
func (s Store) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return s.write(ctx, func(c Conn) error { return SetUserPassword(ctx, c, id, hash) })
}

// DeleteUser removes the user; ENOTFOUND.
func (s Store) DeleteUser(ctx context.Context, id int64) error {
	return s.write(ctx, func(c Conn) error { return DeleteUser(ctx, c, id) })
}

// GetSession returns the data of a session not expired at now
// (core.UserStore).
func (s Store) GetSession(ctx context.Context, id string, now time.Time) ([]byte, error) {
	return GetSession(ctx, s.read, id, now)
}

// SetSession stores a session's data until expires.
func (s Store) SetSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	return s.write(ctx, func(c Conn) error { return SetSession(ctx, c, id, data, expires) })
}

// DeleteSession removes a session.
func (s Store) DeleteSession(ctx context.Context, id string) error {
	return s.write(ctx, func(c Conn) error { return DeleteSession(ctx, c, id) })
}

// DeleteExpiredSessions removes the sessions expired at now and counts
// them.
func (s Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (n int64, err error) {
	err = s.write(ctx, func(c Conn) error {
		n, err = DeleteExpiredSessions(ctx, c, now)
		return err
	})
	return n, err
}

// AddActivity records a on its issue (core.UserStore).
func (s Store) AddActivity(ctx context.Context, a *core.Activity) error {
	return s.write(ctx, func(c Conn) error { return AddActivity(ctx, c, a, s.clock()) })
}

// FindActivity returns the issue's newest limit activities.
func (s Store) FindActivity(ctx context.Context, issueID int64, limit int) ([]*core.Activity, error) {
	return FindActivity(ctx, s.read, issueID, limit)
}

// CountIssues counts the project's issues with the status ("": any).
func (s Store) CountIssues(ctx context.Context, projectID int64, status string) (int64, error) {
	return CountIssues(ctx, s.read, projectID, status)
}

// FindIssueTrends returns the issues' events per hour since since.
func (s Store) FindIssueTrends(ctx context.Context, ids []int64, since time.Time) (map[int64][]core.Bucket, error) {
	return FindIssueTrends(ctx, s.read, ids, since)
}
