package service

import (
	"context"

	"github.com/periscope-hq/periscope/core"
)

// maxLabel bounds a key's label.
const maxLabel = 200

// CreateProjectInput is a new project's settable fields.
type CreateProjectInput struct {
	Name          string
	RateLimit     int // events per minute; 0: none
	RetentionDays int // 0: the server's default
	// GroupingConfig is one of core's grouping configurations; ""
	// takes the Service's DefaultGroupingConfig.
	GroupingConfig string
}

// CreateProject validates in (core.Project.Validate: EINVALID naming the
// field) and creates the project with its first key. A name in use is
// ECONFLICT.
func (s *Service) CreateProject(ctx context.Context, in CreateProjectInput) (*core.Project, error) {
	p := &core.Project{Name: in.Name, RateLimit: in.RateLimit, RetentionDays: in.RetentionDays, GroupingConfig: in.GroupingConfig}
	if p.GroupingConfig == "" {
		p.GroupingConfig = s.DefaultGroupingConfig
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.Store.CreateProject(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// FindProjects returns every project with its active keys, by id.
func (s *Service) FindProjects(ctx context.Context) ([]*core.Project, error) {
	return s.Store.FindProjects(ctx)
}

// FindProject returns the project with its active keys, or ENOTFOUND.
func (s *Service) FindProject(ctx context.Context, id int64) (*core.Project, error) {
	return s.Store.FindProjectByID(ctx, id)
}

// UpdateProject changes the fields of upd that are set: a name must not be
// empty, limits must not be negative, a grouping configuration must be
// known (EINVALID naming the field). A new grouping configuration keeps
// the previous one for the Service's GroupingTransition (upd's own is
// ignored). ENOTFOUND for an unknown project, ECONFLICT for a name in use.
func (s *Service) UpdateProject(ctx context.Context, id int64, upd core.ProjectUpdate) (*core.Project, error) {
	upd.GroupingTransition = s.GroupingTransition
	if upd.GroupingConfig != nil && *upd.GroupingConfig == "" {
		// "" is the default, stored as what it is now.
		upd.GroupingConfig = &s.DefaultGroupingConfig
	}
	if upd.Name != nil && *upd.Name == "" {
		return nil, core.FieldErrorf("name", "name must not be empty")
	}
	if err := nonNegative("rate_limit", upd.RateLimit); err != nil {
		return nil, err
	}
	if err := nonNegative("retention_days", upd.RetentionDays); err != nil {
		return nil, err
	}
	if g := upd.GroupingConfig; g != nil && *g != "" && !core.KnownGroupingConfig(*g) {
		return nil, core.FieldErrorf("grouping_config", "grouping_config %q is not %s or %s", *g, core.GroupingConfig2023, core.GroupingConfig2026)
	}
	return s.Store.UpdateProject(ctx, id, upd)
}

// DeleteProject hides the project at once (its keys stop working) and
// leaves its data to the background purge. It returns the keys the project
// had, revoked ones included, so that an adapter can drop them from its
// caches. ENOTFOUND for an unknown project.
func (s *Service) DeleteProject(ctx context.Context, id int64) ([]*core.ProjectKey, error) {
	keys, err := s.Store.FindKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.Store.ScheduleProjectDeletion(ctx, id); err != nil {
		return nil, err
	}
	return keys, nil
}

// FindKeys lists every key of a project, revoked ones included.
func (s *Service) FindKeys(ctx context.Context, projectID int64) ([]*core.ProjectKey, error) {
	return s.Store.FindKeys(ctx, projectID)
}

// CreateKeyInput is a new key's settable fields.
type CreateKeyInput struct {
	Label     string
	RateLimit int // events per minute; 0: none
}

// CreateKey adds a key to the project: EINVALID for a negative rate limit
// or a label over 200 bytes, ENOTFOUND for an unknown project.
func (s *Service) CreateKey(ctx context.Context, projectID int64, in CreateKeyInput) (*core.ProjectKey, error) {
	if in.RateLimit < 0 {
		return nil, core.FieldErrorf("rate_limit", "rate_limit must not be negative")
	}
	if len(in.Label) > maxLabel {
		return nil, core.FieldErrorf("label", "label must be at most 200 characters")
	}
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	k := &core.ProjectKey{Label: in.Label, RateLimit: in.RateLimit}
	if err := s.Store.CreateKey(ctx, projectID, k); err != nil {
		return nil, err
	}
	return k, nil
}

// UpdateKey changes a key's label or rate limit, validated as CreateKey
// does; ENOTFOUND for an unknown project or key.
func (s *Service) UpdateKey(ctx context.Context, projectID int64, publicKey string, upd core.KeyUpdate) (*core.ProjectKey, error) {
	if err := nonNegative("rate_limit", upd.RateLimit); err != nil {
		return nil, err
	}
	if upd.Label != nil && len(*upd.Label) > maxLabel {
		return nil, core.FieldErrorf("label", "label must be at most 200 characters")
	}
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	return s.Store.UpdateKey(ctx, projectID, publicKey, upd)
}

// RevokeKey revokes an active key of the project, or answers ENOTFOUND.
func (s *Service) RevokeKey(ctx context.Context, projectID int64, publicKey string) error {
	return s.Store.RevokeKey(ctx, projectID, publicKey)
}
