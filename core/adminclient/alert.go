package adminclient

import (
	"context"
	"fmt"

	"github.com/periscope-hq/periscope/core"
)

// ListAlerts returns one page of f.ProjectID's alerts, newest first, each
// with its notifications.
func (c *Client) ListAlerts(ctx context.Context, f core.AlertFilter) (*AlertPage, error) {
	q := query{}
	q.str("kind", f.Kind)
	q.int("issue_id", f.IssueID)
	q.time("since", f.Since)
	q.int("limit", int64(f.Limit))
	q.str("cursor", f.Cursor)
	var p AlertPage
	return &p, c.Do(ctx, "GET", q.on(projectPath(f.ProjectID)+"/alerts"), nil, &p)
}

// AcknowledgeAlert marks an alert acknowledged and returns it.
func (c *Client) AcknowledgeAlert(ctx context.Context, id int64) (*core.Alert, error) {
	var a core.Alert
	return &a, c.Do(ctx, "POST", fmt.Sprintf("/api/admin/alerts/%d/acknowledge", id), nil, &a)
}

// DestinationInput is the body of CreateDestination and UpdateDestination;
// nil fields are not sent (on update: left as they are).
type DestinationInput struct {
	Name   *string        `json:"name,omitempty"`
	Plugin *string        `json:"plugin,omitempty"`
	Config map[string]any `json:"config,omitempty"`
	When   *string        `json:"when,omitempty"`
}

// ListDestinations lists the destinations a project's alerts go to,
// configured ones (ProjectID 0) included; secrets are masked.
func (c *Client) ListDestinations(ctx context.Context, project int64) ([]*core.Destination, error) {
	var out DestinationList
	return out.Destinations, c.Do(ctx, "GET", destinationPath(project, 0), nil, &out)
}

// CreateDestination adds a destination to a project.
func (c *Client) CreateDestination(ctx context.Context, project int64, in DestinationInput) (*core.Destination, error) {
	var d core.Destination
	return &d, c.Do(ctx, "POST", destinationPath(project, 0), in, &d)
}

// GetDestination returns a destination or ENOTFOUND.
func (c *Client) GetDestination(ctx context.Context, project, id int64) (*core.Destination, error) {
	var d core.Destination
	return &d, c.Do(ctx, "GET", destinationPath(project, id), nil, &d)
}

// UpdateDestination changes the non-nil fields of in.
func (c *Client) UpdateDestination(ctx context.Context, project, id int64, in DestinationInput) (*core.Destination, error) {
	var d core.Destination
	return &d, c.Do(ctx, "PATCH", destinationPath(project, id), in, &d)
}

// DeleteDestination removes a destination.
func (c *Client) DeleteDestination(ctx context.Context, project, id int64) error {
	return c.Do(ctx, "DELETE", destinationPath(project, id), nil, nil)
}

// TestResult is the answer of TestDestination.
type TestResult struct {
	Delivered     bool  `json:"delivered"`
	DestinationID int64 `json:"destination_id"`
}

// TestDestination sends a test notification through a destination; a
// failed delivery is an error.
func (c *Client) TestDestination(ctx context.Context, project, id int64) (*TestResult, error) {
	var r TestResult
	return &r, c.Do(ctx, "POST", destinationPath(project, id)+"/test", nil, &r)
}

// destinationPath is the collection path when id is 0.
func destinationPath(project, id int64) string {
	p := projectPath(project) + "/alert_notification_destinations"
	if id != 0 {
		p += fmt.Sprintf("/%d", id)
	}
	return p
}
