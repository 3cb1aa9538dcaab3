package itest

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

// adminTriage resolves, ignores, merges and deletes issues.
func adminTriage(t *testing.T, c *admClient, p *Project, dsn string, ids map[string]int64) {
	issue := func(title string) string { return fmt.Sprintf("/api/admin/issues/%d", ids[title]) }
	var is admIssue
	c.want(200, "PATCH", issue("beta"), map[string]any{"status": "resolved"}, &is)
	if is.Status != "resolved" || is.ResolvedAt == nil {
		t.Fatalf("resolved: %+v", is)
	}
	is = admIssue{}
	c.want(200, "PATCH", issue("beta"), map[string]any{"status": "unresolved"}, &is)
	if is.Status != "unresolved" || is.ResolvedAt != nil {
		t.Fatalf("unresolved: %+v", is)
	}
	c.wantErr(400, "status", "PATCH", issue("beta"), map[string]any{"status": "closed"})
	c.wantErr(400, "ignore_until", "PATCH", issue("beta"), map[string]any{"status": "ignored", "ignore_until": "2000-01-01T00:00:00Z"})
	c.wantErr(400, "ignore_count", "PATCH", issue("beta"), map[string]any{"ignore_count": 0})
	c.wantErr(404, "", "PATCH", "/api/admin/issues/999999", map[string]any{"status": "resolved"})
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	c.want(200, "PATCH", issue("delta"), map[string]any{"status": "ignored", "ignore_until": until}, &is)
	if is.Status != "ignored" {
		t.Fatalf("ignored until: %+v", is)
	}

	// Ignored until 2 more events: the first keeps it ignored, the second
	// brings it back.
	c.want(200, "PATCH", issue("gamma"), map[string]any{"status": "ignored", "ignore_count": 2}, &is)
	if is.Status != "ignored" || is.IgnoreCount != 3 {
		t.Fatalf("ignored for 2 more events: %+v", is)
	}
	sendMessage(t, dsn, "gamma")
	c.waitCounts(p.ID, map[string]int64{"alpha": 3, "beta": 1, "gamma": 2, "delta": 1, "rate limited key": 1})
	if c.want(200, "GET", issue("gamma"), nil, &is); is.Status != "ignored" {
		t.Fatalf("after 1 of 2 events: %s, want ignored", is.Status)
	}
	sendMessage(t, dsn, "gamma")
	c.waitCounts(p.ID, map[string]int64{"alpha": 3, "beta": 1, "gamma": 3, "delta": 1, "rate limited key": 1})
	if c.want(200, "GET", issue("gamma"), nil, &is); is.Status != "unresolved" {
		t.Fatalf("after 2 of 2 events: %s, want unresolved", is.Status)
	}

	// Merge beta and gamma into alpha: their fingerprints follow.
	merge := issue("alpha") + "/merge"
	c.wantErr(400, "issue_ids", "POST", merge, map[string]any{"issue_ids": []int64{}})
	c.wantErr(400, "issue_ids", "POST", merge, map[string]any{"issue_ids": []int64{ids["alpha"]}})
	c.wantErr(400, "issue_ids", "POST", merge, map[string]any{"issue_ids": "beta"})
	c.wantErr(404, "", "POST", merge, map[string]any{"issue_ids": []int64{999999}})
	c.wantErr(404, "", "POST", "/api/admin/issues/999999/merge", map[string]any{"issue_ids": []int64{ids["beta"]}})
	c.want(200, "POST", merge, map[string]any{"issue_ids": []int64{ids["beta"], ids["gamma"]}}, &is)
	if is.ID != ids["alpha"] || is.Count != 7 {
		t.Fatalf("merged: %+v, want alpha with 3+1+3 events", is)
	}
	c.wantErr(404, "", "GET", issue("beta"), nil)
	for _, msg := range []string{"beta", "gamma", "beta", "alpha"} {
		if code := sendMessage(t, dsn, msg); code != 200 {
			t.Fatalf("send %q after the merge: %d", msg, code)
		}
	}
	got := c.waitCounts(p.ID, map[string]int64{"alpha": 11, "delta": 1, "rate limited key": 1})
	var evs adminclient.EventPage
	c.want(200, "GET", fmt.Sprintf("/api/admin/issues/%d/events?limit=1000", got["alpha"].ID), nil, &evs)
	if len(evs.Events) != 11 {
		t.Errorf("the merged issue lists %d events, want 11", len(evs.Events))
	}

	c.want(204, "DELETE", issue("rate limited key"), nil, nil)
	c.wantErr(404, "", "GET", issue("rate limited key"), nil)
	c.wantErr(404, "", "DELETE", issue("rate limited key"), nil)
	c.waitCounts(p.ID, map[string]int64{"alpha": 11, "delta": 1})
}

func adminAlertsAndDestinations(t *testing.T, c *admClient, p *Project) {
	var alerts adminclient.AlertPage
	base := fmt.Sprintf("/api/admin/projects/%d/alerts", p.ID)
	c.want(200, "GET", base+"?kind=new_issue", nil, &alerts)
	if len(alerts.Alerts) == 0 {
		t.Fatal("no new-issue alerts")
	}
	c.wantErr(400, "kind", "GET", base+"?kind=bogus", nil)
	var ack core.Alert
	c.want(200, "POST", fmt.Sprintf("/api/admin/alerts/%d/acknowledge", alerts.Alerts[0].ID), nil, &ack)
	if ack.AcknowledgedAt == nil {
		t.Error("acknowledged alert has no acknowledged_at")
	}
	c.wantErr(404, "", "POST", "/api/admin/alerts/999999/acknowledge", nil)

	hook := &hookReceiver{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	dests := fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", p.ID)
	var d core.Destination
	c.want(201, "POST", dests, map[string]any{"name": "hook", "plugin": "webhook", "config": map[string]any{"url": srv.URL + "/hook"}}, &d)
	c.wantErr(400, "plugin", "POST", dests, map[string]any{"name": "x", "plugin": 5})
	c.wantErr(409, "", "POST", dests, map[string]any{"name": "hook", "plugin": "webhook", "config": map[string]any{"url": srv.URL + "/hook"}})
	var list adminclient.DestinationList
	c.want(200, "GET", dests, nil, &list)
	if len(list.Destinations) != 1 {
		t.Errorf("destinations: %+v", list.Destinations)
	}
	c.wantErr(404, "", "GET", "/api/admin/projects/999999/alert_notification_destinations", nil)
	one := fmt.Sprintf("%s/%d", dests, d.ID)
	c.want(200, "GET", one, nil, nil)
	c.want(200, "PATCH", one, map[string]any{"name": "renamed hook"}, &d)
	if d.Name != "renamed hook" {
		t.Errorf("PATCH destination: %+v", d)
	}
	c.wantErr(400, "name", "PATCH", one, map[string]any{"name": 7})
	c.want(200, "POST", one+"/test", nil, nil)
	if hook.count() != 1 {
		t.Errorf("the test notification made %d requests, want 1", hook.count())
	}
	c.wantErr(404, "", "POST", dests+"/999999/test", nil)
	c.want(204, "DELETE", one, nil, nil)
	c.wantErr(404, "", "GET", one, nil)
	c.wantErr(404, "", "DELETE", one, nil)
}

func adminStats(t *testing.T, c *admClient, p *Project, ciKey string) {
	var st adminclient.ProjectStats
	base := fmt.Sprintf("/api/admin/projects/%d/stats", p.ID)
	c.want(200, "GET", base, nil, &st)
	// 1 (ci) + 5 + 1 (envelope) + 2 (gamma) + 4 (after the merge) = 13
	// accepted and stored; 1 rate limited; 1 refused with the revoked key.
	tot := st.Total
	if tot.Accepted != 13 || tot.Stored != 13 || tot.RateLimited != 1 || tot.Rejected != 1 || tot.RejectedBy["forbidden"] != 1 || len(st.Hours) == 0 {
		t.Errorf("stats: %+v, want 13 accepted and stored, 1 rate limited, 1 rejected as forbidden", st)
	}
	c.want(200, "GET", base+"?from="+time.Now().Add(-48*time.Hour).UTC().Format(time.RFC3339)+"&to="+time.Now().Add(-47*time.Hour).UTC().Format(time.RFC3339), nil, &st)
	if st.Total.Accepted != 0 || len(st.Hours) != 0 {
		t.Errorf("stats of an hour two days ago: %+v", st)
	}
	c.wantErr(400, "from", "GET", base+"?from=noon", nil)
	c.wantErr(400, "from", "GET", base+"?from=2025-01-01T00:00:00Z&to=2024-01-01T00:00:00Z", nil)
	c.wantErr(404, "", "GET", "/api/admin/projects/999999/stats", nil)
	_ = ciKey
}

// deletedProject is what remains to check of a deleted project.
type deletedProject struct {
	issue int64
	key   string
}

// adminDeleteProject deletes a project with data.
func adminDeleteProject(t *testing.T, c *admClient, p *Project) deletedProject {
	var doomed Project
	c.want(201, "POST", "/api/admin/projects", map[string]any{"name": "doomed"}, &doomed)
	sendMessage(t, doomed.Keys[0].DSN, "doomed error")
	got := c.waitCounts(doomed.ID, map[string]int64{"doomed error": 1})
	var del adminclient.Deletion
	c.want(202, "DELETE", fmt.Sprintf("/api/admin/projects/%d", doomed.ID), nil, &del)
	if del.ID != doomed.ID || del.Status != "deleting" {
		t.Errorf("DELETE project: %+v", del)
	}
	c.wantErr(404, "", "GET", fmt.Sprintf("/api/admin/projects/%d", doomed.ID), nil)
	c.wantErr(404, "", "GET", fmt.Sprintf("/api/admin/projects/%d/issues", doomed.ID), nil)
	c.wantErr(404, "", "GET", fmt.Sprintf("/api/admin/issues/%d", got["doomed error"].ID), nil)
	c.wantErr(404, "", "DELETE", fmt.Sprintf("/api/admin/projects/%d", doomed.ID), nil)
	if code := sendMessage(t, doomed.Keys[0].DSN, "after delete"); code != 403 {
		t.Errorf("ingest into a deleted project: %d, want 403", code)
	}
	// The name is free at once.
	c.want(201, "POST", "/api/admin/projects", map[string]any{"name": "doomed"}, nil)
	var list adminclient.ProjectList
	c.want(200, "GET", "/api/admin/projects", nil, &list)
	for _, q := range list.Projects {
		if q.ID == doomed.ID {
			t.Errorf("the deleted project is still listed")
		}
	}
	return deletedProject{issue: got["doomed error"].ID, key: doomed.Keys[0].PublicKey}
}
