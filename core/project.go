package core

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Project is one application sending events. ID is numeric so that every
// SDK's DSN parser accepts it as the DSN's last path segment.
type Project struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// RateLimit is the project's accepted events per minute; 0 means none.
	RateLimit int `json:"rate_limit"`
	// RetentionDays bounds how long events are kept; 0 means the global default.
	RetentionDays int `json:"retention_days"`
	// GroupingConfig is the Sentry grouping configuration the project's
	// events are grouped with (GroupingConfigs); "" means the server's
	// grouping.default_config.
	GroupingConfig string `json:"grouping_config"`
	// PreviousGroupingConfig is the configuration before the last change,
	// kept while GroupingTransitionUntil is in the future: until then an
	// event whose new hash is unknown joins the issue its old hash names.
	PreviousGroupingConfig  string     `json:"previous_grouping_config,omitempty"`
	GroupingTransitionUntil *time.Time `json:"grouping_transition_until,omitempty"`
	// Keys are the project's active (unrevoked) keys, oldest first. Filled by
	// FindProjectByID, FindProjects and CreateProject.
	Keys []*ProjectKey `json:"keys"`
}

// Validate reports the first problem with p's user-settable fields.
func (p *Project) Validate() error {
	if p.Name == "" {
		return FieldErrorf("name", "name is required")
	} else if len(p.Name) > 200 {
		return FieldErrorf("name", "name must be at most 200 characters")
	} else if p.RateLimit < 0 {
		return FieldErrorf("rate_limit", "rate_limit must not be negative")
	} else if p.RetentionDays < 0 {
		return FieldErrorf("retention_days", "retention_days must not be negative")
	} else if p.GroupingConfig != "" && !KnownGroupingConfig(p.GroupingConfig) {
		return FieldErrorf("grouping_config", "grouping_config %q is not %s or %s", p.GroupingConfig, GroupingConfig2023, GroupingConfig2026)
	}
	return nil
}

// The Sentry grouping configurations Periscope implements (package rules
// holds what differs between them).
const (
	GroupingConfig2023 = "newstyle:2023-01-11"
	GroupingConfig2026 = "newstyle:2026-01-20"
)

// KnownGroupingConfig reports whether id is one of the configurations.
func KnownGroupingConfig(id string) bool {
	return id == GroupingConfig2023 || id == GroupingConfig2026
}

// InGroupingTransition reports whether, at now, events are grouped with
// the previous configuration as well (see PreviousGroupingConfig).
func (p *Project) InGroupingTransition(now time.Time) bool {
	return p.PreviousGroupingConfig != "" && p.GroupingTransitionUntil != nil && now.Before(*p.GroupingTransitionUntil)
}

// GroupingSettings are the grouping fields of a project that processing an
// event needs (see Project.GroupingConfig); ingestion copies them into
// every Accepted event from its cached key lookup.
type GroupingSettings struct {
	Config   string    // "" means the grouper's default configuration
	Previous string    // the configuration before the last change, or ""
	Until    time.Time // the end of the transition; zero: none
}

// Grouping returns p's grouping settings.
func (p *Project) Grouping() GroupingSettings {
	g := GroupingSettings{Config: p.GroupingConfig, Previous: p.PreviousGroupingConfig}
	if p.GroupingTransitionUntil != nil {
		g.Until = *p.GroupingTransitionUntil
	}
	return g
}

// InTransition reports whether, at now, events are grouped with Previous
// as well as Config.
func (g GroupingSettings) InTransition(now time.Time) bool {
	return g.Previous != "" && g.Previous != g.Config && now.Before(g.Until)
}

// ProjectKey is a DSN key: 32 lowercase hex characters generated from
// crypto/rand. A revoked key is kept (RevokedAt set) so that ingestion can
// tell "revoked" from "never existed".
type ProjectKey struct {
	PublicKey string     `json:"public_key"`
	ProjectID int64      `json:"project_id"`
	Label     string     `json:"label"`
	RateLimit int        `json:"rate_limit"` // events per minute; 0 means none
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// DSN is filled by the HTTP layer from the configured public URL; it is
	// never stored.
	DSN string `json:"dsn,omitempty"`
}

// ProjectUpdate holds the fields of a project that may change; nil leaves a
// field as it is.
type ProjectUpdate struct {
	Name          *string `json:"name"`
	RateLimit     *int    `json:"rate_limit"`
	RetentionDays *int    `json:"retention_days"`
	// GroupingConfig changes the grouping configuration. When it differs
	// from the current one, the current one becomes PreviousGroupingConfig
	// for GroupingTransition (0: no transition, the old hashes are no
	// longer consulted).
	GroupingConfig     *string       `json:"grouping_config"`
	GroupingTransition time.Duration `json:"-"`
	// GroupingTransitionUntil moves the end of the transition in progress
	// (applied after GroupingConfig); a time not after now ends it at once.
	// Without a transition in progress it is EINVALID.
	GroupingTransitionUntil *time.Time `json:"grouping_transition_until"`
}

// ApplyGroupingConfig sets p's configuration from upd at now (the part of
// UpdateProject every store shares). It returns EINVALID naming
// grouping_transition_until when upd moves the end of a transition that is
// not in progress.
func (p *Project) ApplyGroupingConfig(upd ProjectUpdate, now time.Time) error {
	if upd.GroupingConfig != nil && *upd.GroupingConfig != p.GroupingConfig {
		p.PreviousGroupingConfig, p.GroupingTransitionUntil = "", nil
		if upd.GroupingTransition > 0 {
			until := now.Add(upd.GroupingTransition)
			p.PreviousGroupingConfig, p.GroupingTransitionUntil = p.GroupingConfig, &until
		}
		p.GroupingConfig = *upd.GroupingConfig
	}
	if upd.GroupingTransitionUntil == nil {
		return nil
	}
	if !p.InGroupingTransition(now) {
		return FieldErrorf("grouping_transition_until", "project %d has no grouping transition in progress", p.ID)
	}
	if until := *upd.GroupingTransitionUntil; until.After(now) {
		p.GroupingTransitionUntil = &until
	} else {
		p.PreviousGroupingConfig, p.GroupingTransitionUntil = "", nil
	}
	return nil
}

// ProjectStore keeps projects and their keys.
type ProjectStore interface {
	// CreateProject inserts p, sets p.ID and p.CreatedAt, and creates one key
	// for it (appended to p.Keys) in the same transaction. A duplicate name is
	// ECONFLICT; an invalid project is EINVALID.
	CreateProject(ctx context.Context, p *Project) error

	// FindProjectByID returns the project with its active keys, or ENOTFOUND.
	FindProjectByID(ctx context.Context, id int64) (*Project, error)

	// FindProjects returns every project with its active keys, by id.
	FindProjects(ctx context.Context) ([]*Project, error)

	// UpdateProject changes the given fields and returns the project, or
	// ENOTFOUND; a duplicate name is ECONFLICT.
	UpdateProject(ctx context.Context, id int64, upd ProjectUpdate) (*Project, error)

	// DeleteProject removes the project, its keys and everything stored for
	// it, or returns ENOTFOUND.
	DeleteProject(ctx context.Context, id int64) error

	// CreateKey adds a new key (PublicKey generated when empty) to the
	// project, or returns ENOTFOUND for an unknown project.
	CreateKey(ctx context.Context, projectID int64, k *ProjectKey) error

	// RevokeKey marks the key revoked. ENOTFOUND when the project has no such
	// active key.
	RevokeKey(ctx context.Context, projectID int64, publicKey string) error

	// FindKey returns the key, revoked or not, or ENOTFOUND. Ingestion calls
	// it for every request that misses its cache.
	FindKey(ctx context.Context, publicKey string) (*ProjectKey, error)
}

// DSN returns the DSN of key k under publicURL (scheme and host, e.g.
// "http://127.0.0.1:8000"): http://<public_key>@127.0.0.1:8000/<project id>.
// Any path in publicURL is kept as the DSN's prefix.
func DSN(publicURL string, k *ProjectKey) string {
	scheme, rest, ok := strings.Cut(strings.TrimRight(publicURL, "/"), "://")
	if !ok || rest == "" {
		return ""
	}
	return scheme + "://" + k.PublicKey + "@" + rest + "/" + strconv.FormatInt(k.ProjectID, 10)
}
