package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// tokenPrefix starts every API token secret, so a leaked one is
// recognizable (and never mistaken for a DSN key).
const tokenPrefix = "psc_"

// CreateTokenInput is a new API token's settable fields.
type CreateTokenInput struct {
	Name   string
	Scopes []string // each a core scope; empty: project:releases
}

// HashToken returns the hex SHA-256 of a token secret, what the store
// keeps.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken creates an API token for the project and returns it with
// its secret (Token), which is never shown again. EINVALID for an unknown
// scope or a name over 200 characters, ENOTFOUND for an unknown project.
func (s *Service) CreateToken(ctx context.Context, projectID int64, in CreateTokenInput) (*core.APIToken, error) {
	if len(in.Name) > maxLabel {
		return nil, core.FieldErrorf("name", "name must be at most %d characters", maxLabel)
	}
	scopes := []string{}
	for _, sc := range in.Scopes {
		for _, one := range strings.FieldsFunc(sc, func(r rune) bool { return r == ',' || r == ' ' }) {
			if !core.KnownScope(one) {
				return nil, core.FieldErrorf("scopes", "scope %q is not one of %s, %s, %s", one, core.ScopeReleases, core.ScopeProjectRead, core.ScopeProjectWrite)
			}
			scopes = append(scopes, one)
		}
	}
	if len(scopes) == 0 {
		scopes = []string{core.ScopeReleases}
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	secret := tokenPrefix + hex.EncodeToString(b[:])
	t := &core.APIToken{ProjectID: projectID, Name: in.Name, Scopes: scopes, Hash: HashToken(secret), CreatedAt: s.now().UTC()}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return nil, err
	}
	t.Token = secret
	return t, nil
}

// FindTokens lists a project's tokens (never their secrets); ENOTFOUND for
// an unknown project.
func (s *Service) FindTokens(ctx context.Context, projectID int64) ([]*core.APIToken, error) {
	return s.Store.FindTokens(ctx, projectID)
}

// RevokeToken revokes a project's token; ENOTFOUND when there is no such
// active token.
func (s *Service) RevokeToken(ctx context.Context, projectID, id int64) error {
	return s.Store.RevokeToken(ctx, projectID, id, s.now().UTC())
}

// AuthenticateToken returns the active token whose secret is secret;
// EUNAUTHORIZED when there is none (a wrong or revoked token).
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*core.APIToken, error) {
	if secret == "" {
		return nil, core.Errorf(core.EUNAUTHORIZED, "an API token is required (Authorization: Bearer; SENTRY_AUTH_TOKEN for sentry-cli)")
	}
	t, err := s.Store.FindTokenByHash(ctx, HashToken(secret))
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, core.Errorf(core.EUNAUTHORIZED, "invalid or revoked API token")
	}
	return t, err
}

// TokenProject returns the project ref names (its numeric id or its slug,
// core.ProjectSlug) when token t belongs to it and holds scope; EFORBIDDEN
// otherwise (also for a project that does not exist, so a token learns
// nothing of other projects).
func (s *Service) TokenProject(ctx context.Context, t *core.APIToken, ref, scope string) (*core.Project, error) {
	if !t.HasScope(scope) {
		return nil, core.Errorf(core.EFORBIDDEN, "this API token lacks the %s scope", scope)
	}
	p, err := s.Store.FindProjectByID(ctx, t.ProjectID)
	if err != nil {
		return nil, err
	}
	if ref == "" || ref == strconv.FormatInt(p.ID, 10) || ref == core.ProjectSlug(p.Name) || ref == p.Name {
		return p, nil
	}
	return nil, core.Errorf(core.EFORBIDDEN, "this API token is not valid for project %q (it belongs to project %q, id %d)", ref, core.ProjectSlug(p.Name), p.ID)
}
