package core

import (
	"context"
	"strings"
	"time"
)

// Scopes of an API token, in Sentry's vocabulary. ScopeReleases lets
// sentry-cli create releases and upload source maps; ScopeProjectRead
// lets it read what it needs of the project (chunk-upload options).
const (
	ScopeReleases     = "project:releases"
	ScopeProjectRead  = "project:read"
	ScopeProjectWrite = "project:write"
)

// KnownScope reports whether s is a scope a token can hold.
func KnownScope(s string) bool {
	return s == ScopeReleases || s == ScopeProjectRead || s == ScopeProjectWrite
}

// APIToken is a credential for the Sentry web API routes sentry-cli uses
// (source maps and releases), bound to one project. The secret is shown
// once when the token is created; the store keeps only its SHA-256 hash.
type APIToken struct {
	ID        int64      `json:"id"`
	ProjectID int64      `json:"project_id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// Hash is the hex SHA-256 of the secret; never serialized.
	Hash string `json:"-"`
	// Token is the secret, set only in the answer to its creation.
	Token string `json:"token,omitempty"`
}

// HasScope reports whether t holds scope s; project:write implies
// project:releases and project:read, as in Sentry.
func (t *APIToken) HasScope(s string) bool {
	for _, have := range t.Scopes {
		if have == s || have == ScopeProjectWrite {
			return true
		}
	}
	return false
}

// TokenStore keeps API tokens.
type TokenStore interface {
	// CreateToken stores t (ProjectID, Name, Scopes, Hash, CreatedAt) and
	// sets its ID; ENOTFOUND for an unknown project.
	CreateToken(ctx context.Context, t *APIToken) error
	// FindTokenByHash returns the unrevoked token whose secret hashes to
	// hash, or ENOTFOUND.
	FindTokenByHash(ctx context.Context, hash string) (*APIToken, error)
	// FindTokens lists a project's tokens, revoked ones included, by id;
	// ENOTFOUND for an unknown project.
	FindTokens(ctx context.Context, projectID int64) ([]*APIToken, error)
	// RevokeToken marks the project's token revoked at now; ENOTFOUND when
	// the project has no such unrevoked token.
	RevokeToken(ctx context.Context, projectID, id int64, now time.Time) error
}

// ProjectSlug is the slug of a project name, as Sentry makes one: lower
// case, runs of anything but letters and digits turned into one '-', no
// '-' at either end ("My Web App" → "my-web-app"). sentry-cli's
// SENTRY_PROJECT may name a project by its slug or its numeric id.
func ProjectSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}
