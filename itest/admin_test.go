package itest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

// TestAdminAPI is issue 6's story on both databases, through the real
// binary: every documented admin route answered with success and with its
// errors, a merged issue that keeps receiving the events of every
// fingerprint it absorbed, an issue ignored until N more events that comes
// back after the Nth, per-key rate limits and per-project stats, and a
// project deleted at once whose data is purged in the background.
func TestAdminAPI(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		c := newAdmClient(t, s)
		if code, _, _ := c.raw("GET", "/api/admin/projects", ""); code != 401 {
			t.Fatalf("GET /api/admin/projects without a key: %d, want 401", code)
		}

		p := adminProjects(t, c)
		dsn, ci := adminKeys(t, c, p)
		ids := adminIssues(t, c, p, dsn)
		adminEvents(t, c, p, ids)
		adminIssueTags(t, c, ids)
		adminTokens(t, c, p)
		adminUsers(t, c)
		adminTriage(t, c, p, dsn, ids)
		adminAlertsAndDestinations(t, c, p)
		adminStats(t, c, p, ci)
		doomed := adminDeleteProject(t, c, p)

		c.want(200, "GET", "/api/admin/stats", nil, nil)
		c.checkCoverage("GET /api/admin/openapi.json", "GET /api/admin/stats", "GET /api/admin/projects")

		// The deleted project's data is purged in the background, while the
		// server runs: watch the database until its issue and then its
		// key (the project row goes last, with its keys) are gone.
		st := openStoreOf(t, s, db)
		WaitFor(t, 20*time.Second, "the deleted project to be purged", func() bool {
			_, errIssue := st.FindIssueByID(context.Background(), doomed.issue)
			_, errKey := st.FindKey(context.Background(), doomed.key)
			return core.IsNotFound(errIssue) && core.IsNotFound(errKey)
		})
	})
}

func adminProjects(t *testing.T, c *admClient) *Project {
	var p Project
	c.want(201, "POST", "/api/admin/projects", map[string]any{"name": "web"}, &p)
	c.wantErr(409, "", "POST", "/api/admin/projects", map[string]any{"name": "web"})
	c.wantErr(400, "name", "POST", "/api/admin/projects", map[string]any{"name": 5})
	c.wantErr(400, "name", "POST", "/api/admin/projects", map[string]any{"rate_limit": 3})
	c.wantErr(400, "colour", "POST", "/api/admin/projects", map[string]any{"name": "x", "colour": "red"})
	var other Project
	c.want(201, "POST", "/api/admin/projects", map[string]any{"name": "api"}, &other)

	var got Project
	c.want(200, "PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID), map[string]any{"name": "frontend", "retention_days": 30}, &got)
	if got.Name != "frontend" || got.RetentionDays != 30 || got.RateLimit != 0 {
		t.Fatalf("PATCH project: %+v", got)
	}
	c.want(200, "GET", fmt.Sprintf("/api/admin/projects/%d", p.ID), nil, &got)
	if got.Name != "frontend" || got.RetentionDays != 30 {
		t.Fatalf("GET after PATCH: %+v", got)
	}
	c.wantErr(409, "", "PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID), map[string]any{"name": "api"})
	c.wantErr(400, "retention_days", "PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID), map[string]any{"retention_days": -1})
	c.wantErr(400, "name", "PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID), map[string]any{"name": ""})
	c.wantErr(404, "", "PATCH", "/api/admin/projects/999999", map[string]any{"name": "x"})
	c.wantErr(404, "", "GET", "/api/admin/projects/999999", nil)
	c.wantErr(404, "", "GET", "/api/admin/projects/abc", nil)
	var list adminclient.ProjectList
	c.want(200, "GET", "/api/admin/projects", nil, &list)
	if len(list.Projects) != 2 || list.Projects[0].Name != "frontend" {
		t.Fatalf("projects: %+v", list.Projects)
	}
	c.want(202, "DELETE", fmt.Sprintf("/api/admin/projects/%d", other.ID), nil, nil)
	return &p
}

// adminKeys returns the project's default DSN and a second key, "ci",
// limited to one event per minute.
func adminKeys(t *testing.T, c *admClient, p *Project) (string, string) {
	base := fmt.Sprintf("/api/admin/projects/%d/keys", p.ID)
	var ci, extra core.ProjectKey
	c.want(201, "POST", base, map[string]any{"label": "ci"}, &ci)
	c.want(201, "POST", base, nil, &extra)
	c.wantErr(400, "rate_limit", "POST", base, map[string]any{"rate_limit": -5})
	c.wantErr(400, "label", "POST", base, map[string]any{"label": strings.Repeat("x", 201)})
	c.wantErr(404, "", "POST", "/api/admin/projects/999999/keys", map[string]any{"label": "x"})

	c.want(200, "PATCH", base+"/"+ci.PublicKey, map[string]any{"rate_limit": 1}, &ci)
	if ci.RateLimit != 1 || ci.Label != "ci" {
		t.Fatalf("PATCH key: %+v", ci)
	}
	c.wantErr(400, "rate_limit", "PATCH", base+"/"+ci.PublicKey, map[string]any{"rate_limit": "many"})
	c.wantErr(404, "", "PATCH", base+"/"+strings.Repeat("0", 32), map[string]any{"rate_limit": 1})

	c.want(204, "DELETE", base+"/"+extra.PublicKey, nil, nil)
	c.wantErr(404, "", "DELETE", base+"/"+extra.PublicKey, nil)
	if code := sendMessage(t, extra.DSN, "after revoke"); code != 403 {
		t.Fatalf("ingest with a revoked key: %d, want 403", code)
	}

	var keys adminclient.KeyList
	c.want(200, "GET", base, nil, &keys)
	if len(keys.Keys) != 3 || keys.Keys[2].PublicKey != extra.PublicKey || keys.Keys[2].RevokedAt == nil || keys.Keys[0].DSN == "" {
		t.Fatalf("keys: %+v, want 3 with the last revoked", keys.Keys)
	}
	c.wantErr(404, "", "GET", "/api/admin/projects/999999/keys", nil)

	// The per-key limit applies at once: one event a minute.
	if code := sendMessage(t, ci.DSN, "rate limited key"); code != 200 {
		t.Fatalf("first event with a 1/min key: %d", code)
	}
	if code := sendMessage(t, ci.DSN, "rate limited key"); code != 429 {
		t.Fatalf("second event with a 1/min key: %d, want 429", code)
	}
	return p.Keys[0].DSN, ci.PublicKey
}

// adminIssues sends events and checks the listing's filters, sorts and
// pages. It returns the issue ids by title.
func adminIssues(t *testing.T, c *admClient, p *Project, dsn string) map[string]int64 {
	for _, msg := range []string{"alpha", "alpha", "alpha", "beta", "gamma"} {
		if code := sendMessage(t, dsn, msg); code != 200 {
			t.Fatalf("send %q: %d", msg, code)
		}
	}
	m := dsnRE.FindStringSubmatch(dsn)
	env := fmt.Sprintf(`{"event_id":"%s","dsn":%q}
{"type":"event"}
{"message":"delta","level":"warning","environment":"staging","release":"web@2.0.0","platform":"python"}
{"type":"attachment","length":11,"filename":"trace.txt","content_type":"text/plain"}
hello world
`, strings.Repeat("d", 32), m[0])
	if code := sendEnvelope(t, dsn, []byte(env)); code != 200 {
		t.Fatalf("envelope with an attachment: %d", code)
	}
	got := c.waitCounts(p.ID, map[string]int64{"alpha": 3, "beta": 1, "gamma": 1, "delta": 1, "rate limited key": 1})
	ids := map[string]int64{}
	for title, is := range got {
		ids[title] = is.ID
	}

	issues := fmt.Sprintf("/api/admin/projects/%d/issues", p.ID)
	titles := func(query string) []string {
		var out adminclient.IssuePage
		c.want(200, "GET", issues+"?"+query, nil, &out)
		var ts []string
		for _, is := range out.Issues {
			ts = append(ts, is.Title)
		}
		return ts
	}
	for q, want := range map[string]string{
		"sort=count&limit=1":                              "alpha",
		"query=GAM":                                       "gamma",
		"environment=staging":                             "delta",
		"release=web@2.0.0":                               "delta",
		"level=warning":                                   "delta",
		"status=unresolved&query=alp":                     "alpha",
		"status=resolved":                                 "",
		"last_seen_to=2000-01-01T00:00:00Z":               "",
		"first_seen_from=2000-01-01T00:00:00Z&query=beta": "beta",
	} {
		if got := strings.Join(titles(q), ","); got != want {
			t.Errorf("issues?%s: %q, want %q", q, got, want)
		}
	}
	// Cursor pages cover every issue once.
	seen := map[int64]bool{}
	cursor := ""
	for page := 0; ; page++ {
		var out adminclient.IssuePage
		c.want(200, "GET", issues+"?sort=first_seen&limit=2&cursor="+cursor, nil, &out)
		for _, is := range out.Issues {
			if seen[is.ID] {
				t.Fatalf("issue %d on two pages", is.ID)
			}
			seen[is.ID] = true
		}
		if cursor = out.NextCursor; cursor == "" || page > 5 {
			break
		}
	}
	if len(seen) != 5 {
		t.Errorf("pages of 2 showed %d issues, want 5", len(seen))
	}
	c.wantErr(400, "status", "GET", issues+"?status=open", nil)
	c.wantErr(400, "sort", "GET", issues+"?sort=title", nil)
	c.wantErr(400, "limit", "GET", issues+"?limit=0", nil)
	c.wantErr(400, "last_seen_from", "GET", issues+"?last_seen_from=yesterday", nil)
	c.wantErr(400, "stauts", "GET", issues+"?stauts=resolved", nil)
	c.wantErr(400, "cursor", "GET", issues+"?cursor=garbage", nil)
	c.wantErr(404, "", "GET", "/api/admin/projects/999999/issues", nil)

	var is admIssue
	c.want(200, "GET", fmt.Sprintf("/api/admin/issues/%d", ids["alpha"]), nil, &is)
	var h24, d30 int64
	for _, b := range is.Stats.Hours {
		h24 += b.Count
	}
	for _, b := range is.Stats.Days {
		d30 += b.Count
	}
	if is.Count != 3 || len(is.Stats.Hours) != 24 || len(is.Stats.Days) != 30 || h24 != 3 || d30 != 3 {
		t.Errorf("issue detail: count %d, %d hours summing to %d, %d days summing to %d; want 3, 24, 3, 30, 3",
			is.Count, len(is.Stats.Hours), h24, len(is.Stats.Days), d30)
	}
	c.wantErr(404, "", "GET", "/api/admin/issues/999999", nil)
	return ids
}

func adminEvents(t *testing.T, c *admClient, p *Project, ids map[string]int64) {
	alpha := fmt.Sprintf("/api/admin/issues/%d/events", ids["alpha"])
	var page adminclient.EventPage
	c.want(200, "GET", alpha, nil, &page)
	if len(page.Events) != 3 || page.Events[0].Timestamp.Before(page.Events[2].Timestamp) {
		t.Fatalf("events of alpha: %+v, want 3 newest first", page.Events)
	}
	newest := page.Events[0].EventID
	c.want(200, "GET", alpha+"?limit=2", nil, &page)
	if len(page.Events) != 2 || page.NextCursor == "" {
		t.Fatalf("first page of 2: %d events, cursor %q", len(page.Events), page.NextCursor)
	}
	c.want(200, "GET", alpha+"?limit=2&cursor="+page.NextCursor, nil, &page)
	if len(page.Events) != 1 || page.NextCursor != "" {
		t.Fatalf("second page of 2: %d events, cursor %q", len(page.Events), page.NextCursor)
	}
	c.wantErr(400, "limit", "GET", alpha+"?limit=5000", nil)
	c.wantErr(404, "", "GET", "/api/admin/issues/999999/events", nil)

	var latest StoredEvent
	c.want(200, "GET", alpha+"/latest", nil, &latest)
	if latest.EventID != newest || latest.IssueID != ids["alpha"] || !bytes.Contains(latest.Payload, []byte(`"alpha"`)) {
		t.Errorf("latest event: %s of issue %d, payload %s; want %s of %d", latest.EventID, latest.IssueID, latest.Payload, newest, ids["alpha"])
	}
	c.wantErr(404, "", "GET", "/api/admin/issues/999999/events/latest", nil)

	var fps adminclient.FingerprintList
	c.want(200, "GET", fmt.Sprintf("/api/admin/issues/%d/fingerprints", ids["alpha"]), nil, &fps)
	if len(fps.Fingerprints) != 1 || len(fps.Fingerprints[0].Hash) != 32 || fps.Fingerprints[0].Config == "" {
		t.Errorf("fingerprints of issue alpha: %+v, want its one hash with its configuration", fps.Fingerprints)
	}
	c.wantErr(404, "", "GET", "/api/admin/issues/999999/fingerprints", nil)

	ev := fmt.Sprintf("/api/admin/projects/%d/events/%s", p.ID, strings.Repeat("d", 32))
	var full StoredEvent
	c.want(200, "GET", ev, nil, &full)
	if full.Data.Environment != "staging" || !bytes.Contains(full.Payload, []byte(`"delta"`)) || len(full.Attachments) != 1 || full.Attachments[0].Size != 11 {
		t.Fatalf("event delta: data %+v, payload %s, attachments %+v", full.Data, full.Payload, full.Attachments)
	}
	dashed := fmt.Sprintf("/api/admin/projects/%d/events/%s-%s-%s-%s-%s", p.ID, strings.Repeat("d", 8), "dddd", "dddd", "dddd", strings.Repeat("d", 12))
	c.want(200, "GET", dashed, nil, nil)
	c.wantErr(404, "", "GET", fmt.Sprintf("/api/admin/projects/%d/events/%s", p.ID, strings.Repeat("e", 32)), nil)

	var g adminclient.EventGrouping
	c.want(200, "GET", ev+"/grouping", nil, &g)
	if g.DecidedBy == "" || len(g.Hash) != 32 || g.IssueID != ids["delta"] {
		t.Errorf("grouping: %+v", g)
	}
	c.wantErr(404, "", "GET", fmt.Sprintf("/api/admin/projects/%d/events/%s/grouping", p.ID, strings.Repeat("e", 32)), nil)

	att := fmt.Sprintf("%s/attachments/%d", ev, full.Attachments[0].ID)
	code, body, h := c.raw("GET", att, c.s.Admin)
	if code != 200 || string(body) != "hello world" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || h.Get("Content-Type") != "text/plain" {
		t.Errorf("attachment download: %d %q %v", code, body, h)
	}
	if code, _, _ := c.raw("GET", fmt.Sprintf("%s/attachments/%d", ev, full.Attachments[0].ID+1000), c.s.Admin); code != 404 {
		t.Errorf("unknown attachment: %d, want 404", code)
	}
}
