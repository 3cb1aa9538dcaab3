package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
	"github.com/periscope-hq/periscope/core/storetest"
)

func TestAlertRoutes(t *testing.T) {
	s, _ := mustNotifyServer(t)
	ctx := context.Background()
	d := storetest.MustCreateDestination(t, s.Store, s.Project.ID, "hook")
	var res []core.WriteResult
	for _, h := range []string{"aa", "bb", "cc"} {
		res = append(res, storetest.MustWrite(t, s.Store, storetest.NewEvent(s.Project.ID, h))[0])
	}
	resolved := core.StatusResolved
	if _, err := s.Store.UpdateIssue(ctx, res[0].IssueID, core.IssueUpdate{Status: &resolved}); err != nil {
		t.Fatal(err)
	}
	reg := storetest.MustWrite(t, s.Store, storetest.NewEvent(s.Project.ID, "aa"))[0]
	// One failed attempt on the regression's notification.
	ns, err := s.Store.ClaimNotifications(ctx, time.Now().Add(time.Second), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.AlertID == reg.AlertID {
			if err := s.Store.RecordAttempt(ctx, n.ID, core.Attempt{At: time.Now(), Err: "503 Service Unavailable", NextAt: time.Now().Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
	}

	base := fmt.Sprintf("/api/admin/projects/%d/alerts", s.Project.ID)
	get := func(query string) adminclient.AlertPage {
		t.Helper()
		code, body := s.Admin(t, "GET", base+query, nil)
		var p adminclient.AlertPage
		if err := json.Unmarshal(body, &p); code != 200 || err != nil {
			t.Fatalf("GET %s: %d %s", query, code, body)
		}
		return p
	}
	all := get("")
	if len(all.Alerts) != 4 || all.NextCursor != "" || all.Alerts[0].ID != reg.AlertID || all.Alerts[0].Kind != core.AlertRegression {
		t.Fatalf("alerts %+v", all)
	}
	n := all.Alerts[0].Notifications
	if len(n) != 1 || n[0].DestinationID != d.ID || n[0].State != core.NotificationPending || n[0].Attempts != 1 ||
		n[0].LastError != "503 Service Unavailable" || len(n[0].AttemptLog) != 1 || n[0].AttemptLog[0].Error != "503 Service Unavailable" {
		t.Errorf("the regression's notifications: %+v", n)
	}
	if p := get("?kind=regression"); len(p.Alerts) != 1 {
		t.Errorf("kind=regression: %d alerts", len(p.Alerts))
	}
	if p := get(fmt.Sprintf("?issue_id=%d", res[0].IssueID)); len(p.Alerts) != 2 {
		t.Errorf("issue_id: %d alerts, want 2", len(p.Alerts))
	}
	if p := get("?since=" + url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))); len(p.Alerts) != 0 {
		t.Errorf("since the future: %d alerts", len(p.Alerts))
	}
	first := get("?limit=3")
	if len(first.Alerts) != 3 || first.NextCursor == "" {
		t.Fatalf("page of 3: %+v", first)
	}
	if rest := get("?limit=3&cursor=" + url.QueryEscape(first.NextCursor)); len(rest.Alerts) != 1 || rest.Alerts[0].ID != res[0].AlertID {
		t.Errorf("second page: %+v", rest)
	}

	for _, c := range []struct {
		path  string
		code  int
		field string
	}{
		{base + "?kind=loud", 400, "kind"},
		{base + "?since=yesterday", 400, "since"},
		{base + "?limit=0", 400, "limit"},
		{base + "?issue_id=x", 400, "issue_id"},
		{base + "?cursor=garbage", 400, "cursor"},
		{"/api/admin/projects/4242/alerts", 404, ""},
	} {
		code, body := s.Admin(t, "GET", c.path, nil)
		if code != c.code {
			t.Errorf("GET %s: %d, want %d: %s", c.path, code, c.code, body)
		} else if e := errorBody(t, body); e.Field != c.field {
			t.Errorf("GET %s: error %+v, want field %q", c.path, e, c.field)
		}
	}

	code, body := s.Admin(t, "POST", fmt.Sprintf("/api/admin/alerts/%d/acknowledge", reg.AlertID), nil)
	var acked core.Alert
	if json.Unmarshal(body, &acked); code != 200 || acked.ID != reg.AlertID || acked.AcknowledgedAt == nil {
		t.Fatalf("acknowledge: %d %s", code, body)
	}
	if p := get("?kind=regression"); p.Alerts[0].AcknowledgedAt == nil || !p.Alerts[0].AcknowledgedAt.Equal(*acked.AcknowledgedAt) {
		t.Errorf("listed after acknowledge: %+v", p.Alerts[0])
	}
	if code, _ := s.Admin(t, "POST", "/api/admin/alerts/4242/acknowledge", nil); code != 404 {
		t.Errorf("acknowledge unknown: %d, want 404", code)
	}
}
