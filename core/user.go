package core

import (
	"context"
	"time"
)

// User roles: an admin manages projects, keys, destinations and users; a
// member triages issues.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// User is a person who signs in to the web UI. Email is lower-case and
// unique; PasswordHash is a bcrypt hash and never leaves the server.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
	CreatedAt    time.Time `json:"created_at"`
	PasswordHash string    `json:"-"`
}

// Activity is one thing a person did to an issue: Action is "resolve",
// "unresolve", "ignore", "merge" ...; Detail says more ("until 2026-01-02",
// "merged #12, #13"); Actor is the user's email ("" for the admin API).
type Activity struct {
	ID        int64     `json:"id"`
	IssueID   int64     `json:"issue_id"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Detail    string    `json:"detail"`
	CreatedAt time.Time `json:"created_at"`
}

// UserStore keeps users, browser sessions and issue activity, and answers
// the summaries the web UI's lists show.
type UserStore interface {
	// CreateUser stores u (Email, Role, PasswordHash set) and fills ID and
	// CreatedAt; ECONFLICT when the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns the user or ENOTFOUND.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByEmail returns the user with that (lower-case) email or
	// ENOTFOUND.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// FindUsers returns every user, oldest first.
	FindUsers(ctx context.Context) ([]*User, error)
	// SetUserPassword replaces the user's password hash; ENOTFOUND for an
	// unknown user.
	SetUserPassword(ctx context.Context, id int64, hash string) error
	// DeleteUser removes the user; ENOTFOUND for an unknown one.
	DeleteUser(ctx context.Context, id int64) error
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int, error)

	// GetSession returns the data of the session whose id is the given
	// hash, or ENOTFOUND when there is none or it expired before now.
	GetSession(ctx context.Context, id string, now time.Time) ([]byte, error)
	// SetSession creates or replaces a session.
	SetSession(ctx context.Context, id string, data []byte, expires time.Time) error
	// DeleteSession removes a session; no error when there is none.
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions removes the sessions expired before now and
	// returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	// CountIssues returns how many issues of the project have the status
	// ("" counts every issue).
	CountIssues(ctx context.Context, projectID int64, status string) (int64, error)
	// FindIssueTrends returns, for each issue of ids with events since
	// the hour of since, its events per hour, oldest first (hours without
	// events left out), in one query.
	FindIssueTrends(ctx context.Context, ids []int64, since time.Time) (map[int64][]Bucket, error)

	// AddActivity records a; it fills ID. ENOTFOUND for an unknown issue.
	AddActivity(ctx context.Context, a *Activity) error
	// FindActivity returns the issue's activity, oldest first, at most
	// limit rows (the newest ones).
	FindActivity(ctx context.Context, issueID int64, limit int) ([]*Activity, error)
}
