package adminclient

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// Project is a project as the admin API answers it: the stored fields,
// each key's DSN, and the retention that applies.
type Project struct {
	core.Project
	// EffectiveRetentionDays is RetentionDays when set, else the server's
	// default; 0 keeps events forever.
	EffectiveRetentionDays int `json:"effective_retention_days"`
}

// ProjectInput is the body of CreateProject.
type ProjectInput struct {
	Name          string `json:"name"`
	RateLimit     int    `json:"rate_limit,omitempty"`
	RetentionDays int    `json:"retention_days,omitempty"`
	// GroupingConfig is a Sentry grouping configuration; "" takes the
	// server's grouping.default_config.
	GroupingConfig string `json:"grouping_config,omitempty"`
}

// KeyInput is the body of CreateKey.
type KeyInput struct {
	Label     string `json:"label"`
	RateLimit int    `json:"rate_limit"`
}

// CreateProject creates a project with its first key (EINVALID names the
// bad field).
func (c *Client) CreateProject(ctx context.Context, in ProjectInput) (*Project, error) {
	var p Project
	return &p, c.Do(ctx, "POST", "/api/admin/projects", in, &p)
}

// ListProjects lists every project, oldest first.
func (c *Client) ListProjects(ctx context.Context) ([]*Project, error) {
	var out ProjectList
	return out.Projects, c.Do(ctx, "GET", "/api/admin/projects", nil, &out)
}

// GetProject returns a project or ENOTFOUND.
func (c *Client) GetProject(ctx context.Context, id int64) (*Project, error) {
	var p Project
	return &p, c.Do(ctx, "GET", projectPath(id), nil, &p)
}

// UpdateProject changes the non-nil fields of upd.
func (c *Client) UpdateProject(ctx context.Context, id int64, upd core.ProjectUpdate) (*Project, error) {
	var p Project
	return &p, c.Do(ctx, "PATCH", projectPath(id), upd, &p)
}

// Deletion is the answer of DeleteProject: Status is "deleting" while the
// data is purged in the background.
type Deletion struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// DeleteProject deletes a project: its keys stop at once, its data goes in
// the background.
func (c *Client) DeleteProject(ctx context.Context, id int64) (*Deletion, error) {
	var d Deletion
	return &d, c.Do(ctx, "DELETE", projectPath(id), nil, &d)
}

// ListKeys lists a project's keys, revoked ones included.
func (c *Client) ListKeys(ctx context.Context, project int64) ([]*core.ProjectKey, error) {
	var out KeyList
	return out.Keys, c.Do(ctx, "GET", projectPath(project)+"/keys", nil, &out)
}

// CreateKey creates another key for a project.
func (c *Client) CreateKey(ctx context.Context, project int64, in KeyInput) (*core.ProjectKey, error) {
	var k core.ProjectKey
	return &k, c.Do(ctx, "POST", projectPath(project)+"/keys", in, &k)
}

// UpdateKey changes the non-nil fields of upd.
func (c *Client) UpdateKey(ctx context.Context, project int64, key string, upd core.KeyUpdate) (*core.ProjectKey, error) {
	var k core.ProjectKey
	return &k, c.Do(ctx, "PATCH", keyPath(project, key), upd, &k)
}

// RevokeKey revokes a key: events sent with it are refused.
func (c *Client) RevokeKey(ctx context.Context, project int64, key string) error {
	return c.Do(ctx, "DELETE", keyPath(project, key), nil, nil)
}

// ProjectStats is the answer of GetProjectStats.
type ProjectStats struct {
	ProjectID int64            `json:"project_id"`
	From      time.Time        `json:"from"`
	To        time.Time        `json:"to"`
	Hours     []core.HourStats `json:"hours"`
	Total     core.HourStats   `json:"total"`
}

// GetProjectStats returns a project's counters per hour over [from, to)
// (RFC 3339; "" for the server's default of the last 24 hours).
func (c *Client) GetProjectStats(ctx context.Context, project int64, from, to string) (*ProjectStats, error) {
	q := query{}
	q.str("from", from)
	q.str("to", to)
	var s ProjectStats
	return &s, c.Do(ctx, "GET", q.on(projectPath(project)+"/stats"), nil, &s)
}

func projectPath(id int64) string { return fmt.Sprintf("/api/admin/projects/%d", id) }

func keyPath(project int64, key string) string {
	return projectPath(project) + "/keys/" + url.PathEscape(key)
}
