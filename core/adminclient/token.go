package adminclient

import (
	"context"
	"strconv"

	"github.com/periscope-hq/periscope/core"
)

// TokenInput is the body of CreateToken.
type TokenInput struct {
	Name   string   `json:"name,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
}

// TokenList is the answer of ListTokens.
type TokenList struct {
	Tokens []*core.APIToken `json:"tokens"`
}

// CreateToken creates an API token for sentry-cli; the answer holds its
// secret (Token), which the server never shows again.
func (c *Client) CreateToken(ctx context.Context, project int64, in TokenInput) (*core.APIToken, error) {
	var t core.APIToken
	return &t, c.Do(ctx, "POST", projectPath(project)+"/tokens", in, &t)
}

// ListTokens lists a project's API tokens, revoked ones included.
func (c *Client) ListTokens(ctx context.Context, project int64) ([]*core.APIToken, error) {
	var out TokenList
	return out.Tokens, c.Do(ctx, "GET", projectPath(project)+"/tokens", nil, &out)
}

// RevokeToken revokes an API token: sentry-cli with it is refused.
func (c *Client) RevokeToken(ctx context.Context, project, id int64) error {
	return c.Do(ctx, "DELETE", projectPath(project)+"/tokens/"+strconv.FormatInt(id, 10), nil, nil)
}
