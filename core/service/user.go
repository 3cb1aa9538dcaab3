package service

import (
	"context"
	"crypto/rand"
	"errors"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/periscope-hq/periscope/core"
)

// MinPasswordLength is the shortest password CreateUser and SetPassword
// accept.
const MinPasswordLength = 10

// bcryptCost is the bcrypt work factor of new password hashes.
var bcryptCost = bcrypt.DefaultCost

// dummyHash is compared against when the email is unknown, so that a wrong
// email costs as long as a wrong password. It is a constant (a bcrypt hash
// of "periscope-dummy-password" at bcryptCost, checked by
// TestDummyHashCost) rather than hashed at start-up: hashing it took every
// periscope process, each CLI command too, about a second of CPU before
// main (several under the race detector).
var dummyHash = []byte("$2a$10$41xGerBJk02goOrkzDk9V.CneWTwNBLg0G1HjaV.LysjgEwgrZxLG")

// CreateUserInput is what a new user needs. Password "" is refused: callers
// that want one made up call GeneratePassword first.
type CreateUserInput struct {
	Email    string `json:"email"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// NormalizeEmail trims and lower-cases an email address; EINVALID naming
// "email" when it is not one.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if e == "" || err != nil || a.Address != e {
		return "", core.FieldErrorf("email", "email must be an address like name@example.com")
	}
	return e, nil
}

func checkPassword(pw string) error {
	if len(pw) < MinPasswordLength {
		return core.FieldErrorf("password", "password must be at least %d characters", MinPasswordLength)
	}
	if len(pw) > 72 {
		return core.FieldErrorf("password", "password must be at most 72 bytes (bcrypt's limit)")
	}
	return nil
}

// CreateUser creates a user with a bcrypt hash of the password. Email must
// be an address, Role admin or member, Password at least
// MinPasswordLength: each EINVALID naming the field; ECONFLICT for a taken
// email.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*core.User, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if in.Role != core.RoleAdmin && in.Role != core.RoleMember {
		return nil, core.FieldErrorf("role", "role must be admin or member")
	}
	if err := checkPassword(in.Password); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcryptCost)
	if err != nil {
		return nil, err
	}
	u := &core.User{Email: email, Role: in.Role, PasswordHash: string(hash)}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// FindUsers returns every user, oldest first (never nil).
func (s *Service) FindUsers(ctx context.Context) ([]*core.User, error) {
	return s.Store.FindUsers(ctx)
}

// FindUser returns the user with that id, or ENOTFOUND.
func (s *Service) FindUser(ctx context.Context, id int64) (*core.User, error) {
	return s.Store.FindUserByID(ctx, id)
}

// FindUserByEmail returns the user with that email (any case), or
// ENOTFOUND.
func (s *Service) FindUserByEmail(ctx context.Context, email string) (*core.User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, core.Errorf(core.ENOTFOUND, "user %q not found", email)
	}
	return s.Store.FindUserByEmail(ctx, e)
}

// DeleteUser deletes a user; ENOTFOUND for an unknown one. The sessions of
// a deleted user stop working at their next request (the web UI looks the
// user up on every request).
func (s *Service) DeleteUser(ctx context.Context, id int64) error {
	return s.Store.DeleteUser(ctx, id)
}

// SetPassword replaces a user's password (EINVALID naming "password" when
// too short; ENOTFOUND for an unknown user).
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return err
	}
	return s.Store.SetUserPassword(ctx, id, string(hash))
}

// Authenticate returns the user whose email and password these are, or
// EUNAUTHORIZED (the same error, after the same bcrypt work, whether the
// email or the password is wrong).
func (s *Service) Authenticate(ctx context.Context, email, password string) (*core.User, error) {
	bad := core.Errorf(core.EUNAUTHORIZED, "wrong email or password")
	u, err := s.FindUserByEmail(ctx, email)
	if core.IsNotFound(err) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)); errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return nil, bad
	} else if err != nil {
		return nil, bad
	}
	return u, nil
}

// GeneratePassword returns a random password of 20 letters and digits.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// RecordActivity notes that actor did action (with detail) to an issue.
func (s *Service) RecordActivity(ctx context.Context, issueID int64, actor, action, detail string) error {
	return s.Store.AddActivity(ctx, &core.Activity{IssueID: issueID, Actor: actor, Action: action, Detail: detail, CreatedAt: s.now()})
}

// FindActivity returns the newest 100 activity rows of an issue, oldest
// first.
func (s *Service) FindActivity(ctx context.Context, issueID int64) ([]*core.Activity, error) {
	return s.Store.FindActivity(ctx, issueID, 100)
}

// CountOpenIssues returns how many unresolved issues the project has.
func (s *Service) CountOpenIssues(ctx context.Context, projectID int64) (int64, error) {
	return s.Store.CountIssues(ctx, projectID, core.StatusUnresolved)
}

// FindIssueTrends returns the last 24 hours of each issue's events per
// hour, zeros included, oldest first: one query for a whole page.
func (s *Service) FindIssueTrends(ctx context.Context, ids []int64) (map[int64][]core.Bucket, error) {
	now := s.now()
	raw, err := s.Store.FindIssueTrends(ctx, ids, now.Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]core.Bucket, len(ids))
	for _, id := range ids {
		out[id] = histogram(raw[id], now).Hours
	}
	return out, nil
}
