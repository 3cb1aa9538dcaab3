package itest

import (
	"fmt"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// adminIssueTags: an issue's tag values (its events' tags plus level,
// environment and release) are listed with their counts once the counts
// are flushed; an unknown issue is 404.
func adminIssueTags(t *testing.T, c *admClient, ids map[string]int64) {
	path := fmt.Sprintf("/api/admin/issues/%d/tags", ids["delta"])
	var got struct {
		Tags []*core.IssueTag `json:"tags"`
	}
	want := map[string]string{"environment": "staging", "release": "web@2.0.0", "level": "warning"}
	WaitFor(t, 15*time.Second, "the tags of issue delta", func() bool {
		c.want(200, "GET", path, nil, &got)
		seen := 0
		for _, tg := range got.Tags {
			if want[tg.Key] == tg.Value && tg.Count == 1 {
				seen++
			}
		}
		return seen == len(want)
	})
	c.wantErr(404, "", "GET", "/api/admin/issues/999999/tags", nil)
}

// adminTokens: a project's API tokens for sentry-cli are created (the
// secret shown once), listed without it and revoked; bad scopes and
// unknown projects or tokens are refused. The project's source map
// bundles list is empty until sentry-cli uploads one (itest's source map
// tests do).
func adminTokens(t *testing.T, c *admClient, p *Project) {
	base := fmt.Sprintf("/api/admin/projects/%d/tokens", p.ID)
	var tok core.APIToken
	c.want(201, "POST", base, map[string]any{"name": "ci", "scopes": []string{core.ScopeReleases}}, &tok)
	if tok.Token == "" || tok.ID == 0 || tok.Name != "ci" {
		t.Fatalf("created token: %+v, want an id, the name and the secret", tok)
	}
	c.wantErr(400, "scopes", "POST", base, map[string]any{"name": "x", "scopes": []string{"org:admin"}})
	c.wantErr(404, "", "POST", "/api/admin/projects/999999/tokens", map[string]any{"name": "x"})
	var list struct {
		Tokens []*core.APIToken `json:"tokens"`
	}
	c.want(200, "GET", base, nil, &list)
	if len(list.Tokens) != 1 || list.Tokens[0].ID != tok.ID || list.Tokens[0].Token != "" {
		t.Fatalf("tokens: %+v, want the one created, without its secret", list.Tokens)
	}
	c.wantErr(404, "", "GET", "/api/admin/projects/999999/tokens", nil)
	c.want(204, "DELETE", fmt.Sprintf("%s/%d", base, tok.ID), nil, nil)
	c.wantErr(404, "", "DELETE", fmt.Sprintf("%s/%d", base, tok.ID), nil)

	var bundles struct {
		Bundles []map[string]any `json:"bundles"`
	}
	c.want(200, "GET", fmt.Sprintf("/api/admin/projects/%d/sourcemaps", p.ID), nil, &bundles)
	if len(bundles.Bundles) != 0 {
		t.Fatalf("bundles of a project nothing was uploaded to: %+v", bundles.Bundles)
	}
	c.wantErr(404, "", "GET", "/api/admin/projects/999999/sourcemaps", nil)
}

// adminUsers: the people who sign in to the web UI are created (with a
// generated password when none is given), listed, given a new password
// and deleted; bad input and unknown users are refused.
func adminUsers(t *testing.T, c *admClient) {
	var ada struct {
		core.User
		Password string `json:"password"`
	}
	c.want(201, "POST", "/api/admin/users", map[string]any{"email": "Ada@Example.com", "role": "admin", "password": "correct horse"}, &ada)
	if ada.ID == 0 || ada.Email != "ada@example.com" || ada.Password != "" {
		t.Fatalf("created user: %+v, want the email lower-cased and no password echoed", ada)
	}
	var bob struct {
		core.User
		Password string `json:"password"`
	}
	c.want(201, "POST", "/api/admin/users", map[string]any{"email": "bob@example.com", "role": "member"}, &bob)
	if len(bob.Password) < 10 {
		t.Fatalf("user created without a password: %+v, want a generated one", bob)
	}
	c.wantErr(409, "", "POST", "/api/admin/users", map[string]any{"email": "ada@example.com", "role": "member", "password": "another one!"})
	c.wantErr(400, "role", "POST", "/api/admin/users", map[string]any{"email": "eve@example.com", "role": "owner", "password": "correct horse"})
	c.wantErr(400, "password", "POST", "/api/admin/users", map[string]any{"email": "eve@example.com", "role": "member", "password": "short"})
	var list struct {
		Users []*core.User `json:"users"`
	}
	if code, _, _ := c.raw("GET", "/api/admin/users", ""); code != 401 {
		t.Fatalf("GET /api/admin/users without the admin key: %d, want 401", code)
	}
	c.want(200, "GET", "/api/admin/users", nil, &list)
	if len(list.Users) != 2 || list.Users[0].Email != "ada@example.com" || list.Users[1].Email != "bob@example.com" {
		t.Fatalf("users: %+v, want ada then bob", list.Users)
	}
	c.want(204, "PUT", fmt.Sprintf("/api/admin/users/%d/password", ada.ID), map[string]any{"password": "battery staple"}, nil)
	c.wantErr(400, "password", "PUT", fmt.Sprintf("/api/admin/users/%d/password", ada.ID), map[string]any{"password": "short"})
	c.wantErr(404, "", "PUT", "/api/admin/users/999999/password", map[string]any{"password": "battery staple"})
	c.want(204, "DELETE", fmt.Sprintf("/api/admin/users/%d", bob.ID), nil, nil)
	c.wantErr(404, "", "DELETE", fmt.Sprintf("/api/admin/users/%d", bob.ID), nil)
}
