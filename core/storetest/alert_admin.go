package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var destinationAdminTests = []test{
	{"FindByIDAndUpdate", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		d := MustCreateDestination(t, s, p.ID, "hook")
		MustCreateDestination(t, s, p.ID, "taken")
		g := MustCreateDestination(t, s, 0, "everyone")

		got, err := s.FindDestinationByID(ctx, d.ID)
		must(t, "FindDestinationByID", err)
		if got.ID != d.ID || got.ProjectID != p.ID || got.Name != "hook" || got.Plugin != "webhook" || got.Config["url"] != "https://example.com/hook" {
			t.Errorf("FindDestinationByID = %+v, want %+v", got, d)
		}
		if got, err := s.FindDestinationByID(ctx, g.ID); err != nil || got.ProjectID != 0 {
			t.Errorf("FindDestinationByID(global) = %+v, %v", got, err)
		}
		_, err = s.FindDestinationByID(ctx, 424242)
		wantCode(t, "FindDestinationByID(unknown)", err, core.ENOTFOUND)

		name, when := "pager", `alert.kind == "regression"`
		up, err := s.UpdateDestination(ctx, d.ID, core.DestinationUpdate{Name: &name, When: &when,
			Config: map[string]any{"url": "https://example.com/other"}})
		must(t, "UpdateDestination", err)
		if up.Name != name || up.When != when || up.Config["url"] != "https://example.com/other" || up.Plugin != "webhook" || up.ID != d.ID {
			t.Errorf("UpdateDestination = %+v", up)
		}
		got, _ = s.FindDestinationByID(ctx, d.ID)
		if got.Name != name || got.When != when || got.Config["url"] != "https://example.com/other" || got.Config["timeout"] != nil {
			t.Errorf("after update, found %+v: want the new name, when and whole config", got)
		}
		// nil fields stay as they are.
		up, err = s.UpdateDestination(ctx, d.ID, core.DestinationUpdate{})
		must(t, "UpdateDestination(nothing)", err)
		if up.Name != name || up.When != when || up.Config["url"] != "https://example.com/other" {
			t.Errorf("an empty update changed %+v", up)
		}
		taken, empty := "taken", ""
		_, err = s.UpdateDestination(ctx, d.ID, core.DestinationUpdate{Name: &taken})
		wantCode(t, "UpdateDestination(name taken)", err, core.ECONFLICT)
		_, err = s.UpdateDestination(ctx, d.ID, core.DestinationUpdate{Name: &empty})
		wantCode(t, "UpdateDestination(no name)", err, core.EINVALID)
		_, err = s.UpdateDestination(ctx, 424242, core.DestinationUpdate{Name: &name})
		wantCode(t, "UpdateDestination(unknown)", err, core.ENOTFOUND)
	}},
	{"SyncConfigDestinations", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		api := MustCreateDestination(t, s, p.ID, "api-hook")
		ops := &core.Destination{Name: "ops", Plugin: "webhook", Config: map[string]any{"url": "https://ops.example.com"}}
		pager := &core.Destination{ProjectID: p.ID, Name: "pager", Plugin: "slack", When: `issue.level == "fatal"`}
		must(t, "SyncConfigDestinations", s.SyncConfigDestinations(ctx, []*core.Destination{ops, pager}))
		if ops.ID <= 0 || pager.ID <= 0 || ops.Source != "config" || ops.CreatedAt.IsZero() {
			t.Fatalf("synced %+v and %+v: want ids, source config and a creation time", ops, pager)
		}
		ds, err := s.FindDestinations(ctx, p.ID)
		must(t, "FindDestinations", err)
		if names := destNames(ds); names != "api-hook(api) ops(config) pager(config)" {
			t.Errorf("destinations of the project: %s", names)
		}
		// A new issue notifies the config destinations too.
		res := MustWrite(t, s, NewEvent(p.ID, "sync"))[0]
		alerts, err := s.FindAlerts(ctx, p.ID, 0)
		must(t, "FindAlerts", err)
		if len(alerts) != 1 || alerts[0].ID != res.AlertID || len(alerts[0].Notifications) != 3 {
			t.Fatalf("alerts %+v, want one with 3 notifications", alerts)
		}

		// Again, with ops changed, pager gone and mail new: ops keeps its id
		// and pending notification.
		ops2 := &core.Destination{Name: "ops", Plugin: "webhook", Config: map[string]any{"url": "https://ops2.example.com"}, When: `true`}
		mail := &core.Destination{Name: "mail", Plugin: "email", Config: map[string]any{"host": "smtp.example.com"}}
		must(t, "SyncConfigDestinations(again)", s.SyncConfigDestinations(ctx, []*core.Destination{ops2, mail}))
		if ops2.ID != ops.ID || !ops2.CreatedAt.Equal(ops.CreatedAt) {
			t.Errorf("ops re-synced as %+v, want id %d kept", ops2, ops.ID)
		}
		got, err := s.FindDestinationByID(ctx, ops.ID)
		must(t, "FindDestinationByID", err)
		if got.Config["url"] != "https://ops2.example.com" || got.When != "true" || got.Source != "config" {
			t.Errorf("ops after re-sync: %+v", got)
		}
		_, err = s.FindDestinationByID(ctx, pager.ID)
		wantCode(t, "FindDestinationByID(removed pager)", err, core.ENOTFOUND)
		alerts, _ = s.FindAlerts(ctx, p.ID, 0)
		if n := len(alerts[0].Notifications); n != 2 {
			t.Errorf("after removing pager the alert has %d notifications, want 2 (api-hook, ops)", n)
		}
		ds, _ = s.FindDestinations(ctx, p.ID)
		if names := destNames(ds); names != "api-hook(api) ops(config) mail(config)" {
			t.Errorf("destinations after re-sync: %s", names)
		}

		// Failures change nothing.
		clash := &core.Destination{ProjectID: p.ID, Name: api.Name, Plugin: "webhook"}
		wantCode(t, "SyncConfigDestinations(name of an api destination)",
			s.SyncConfigDestinations(ctx, []*core.Destination{clash}), core.ECONFLICT)
		wantCode(t, "SyncConfigDestinations(listed twice)", s.SyncConfigDestinations(ctx, []*core.Destination{
			{Name: "x", Plugin: "webhook"}, {Name: "x", Plugin: "slack"}}), core.EINVALID)
		wantCode(t, "SyncConfigDestinations(unknown project)", s.SyncConfigDestinations(ctx, []*core.Destination{
			{ProjectID: 424242, Name: "x", Plugin: "webhook"}}), core.ENOTFOUND)
		wantCode(t, "SyncConfigDestinations(no plugin)", s.SyncConfigDestinations(ctx, []*core.Destination{{Name: "x"}}), core.EINVALID)
		ds, _ = s.FindDestinations(ctx, p.ID)
		if names := destNames(ds); names != "api-hook(api) ops(config) mail(config)" {
			t.Errorf("destinations after failed syncs: %s", names)
		}

		must(t, "SyncConfigDestinations(none)", s.SyncConfigDestinations(ctx, nil))
		ds, _ = s.FindDestinations(ctx, p.ID)
		if names := destNames(ds); names != "api-hook(api)" {
			t.Errorf("destinations after syncing none: %s", names)
		}
	}},
}

func destNames(ds []*core.Destination) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += " "
		}
		s += d.Name + "(" + d.Source + ")"
	}
	return s
}

var alertAdminTests = []test{
	{"FindAlertPage", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		MustCreateDestination(t, s, p.ID, "hook")
		var res []core.WriteResult
		for _, h := range []string{"a1", "a2", "a3"} {
			res = append(res, MustWrite(t, s, NewEvent(p.ID, h))[0])
		}
		resolved := core.StatusResolved
		_, err := s.UpdateIssue(ctx, res[0].IssueID, core.IssueUpdate{Status: &resolved})
		must(t, "UpdateIssue", err)
		reg := MustWrite(t, s, NewEvent(p.ID, "a1"))[0]
		if !reg.Regressed || reg.AlertID == 0 {
			t.Fatalf("second event of a resolved issue: %+v, want a regression alert", reg)
		}

		page := func(f core.AlertFilter) ([]*core.Alert, string) {
			t.Helper()
			f.ProjectID = p.ID
			as, next, err := s.FindAlertPage(ctx, f)
			must(t, fmt.Sprintf("FindAlertPage(%+v)", f), err)
			return as, next
		}
		all, next := page(core.AlertFilter{})
		if len(all) != 4 || next != "" || all[0].ID != reg.AlertID || all[3].ID != res[0].AlertID {
			t.Fatalf("all alerts: %d (next %q), want 4 newest first", len(all), next)
		}
		for _, a := range all {
			if len(a.Notifications) != 1 || a.Notifications[0].AttemptLog != nil {
				t.Errorf("alert %d: notifications %+v, want one without attempts", a.ID, a.Notifications)
			}
		}
		if as, _ := page(core.AlertFilter{Kind: core.AlertRegression}); len(as) != 1 || as[0].ID != reg.AlertID || as[0].Kind != core.AlertRegression {
			t.Errorf("kind regression: %+v", as)
		}
		if as, _ := page(core.AlertFilter{IssueID: res[0].IssueID}); len(as) != 2 {
			t.Errorf("alerts of issue %d: %d, want 2", res[0].IssueID, len(as))
		}
		if as, _ := page(core.AlertFilter{Since: time.Now().Add(time.Hour)}); len(as) != 0 {
			t.Errorf("alerts since the future: %d", len(as))
		}
		if as, _ := page(core.AlertFilter{Since: all[0].CreatedAt}); len(as) == 0 || as[0].ID != reg.AlertID {
			t.Errorf("alerts since the newest one's time: %+v", as)
		}
		first, next := page(core.AlertFilter{Limit: 3})
		if len(first) != 3 || next == "" {
			t.Fatalf("page of 3: %d, next %q", len(first), next)
		}
		rest, next2 := page(core.AlertFilter{Limit: 3, Cursor: next})
		if len(rest) != 1 || next2 != "" || rest[0].ID != res[0].AlertID {
			t.Errorf("second page: %+v, next %q", rest, next2)
		}

		// Attempts are listed, oldest first.
		ns := claim(t, s, time.Now().Add(time.Second), 10)
		var n *core.Notification
		for _, c := range ns {
			if c.AlertID == reg.AlertID {
				n = c
			}
		}
		if n == nil {
			t.Fatalf("the regression's notification was not claimed")
		}
		at := time.Now().UTC().Truncate(time.Microsecond)
		must(t, "RecordAttempt", s.RecordAttempt(ctx, n.ID, core.Attempt{At: at, Err: "503", NextAt: at}))
		must(t, "RecordAttempt", s.RecordAttempt(ctx, n.ID, core.Attempt{At: at.Add(time.Second)}))
		as, _ := page(core.AlertFilter{Kind: core.AlertRegression})
		got := as[0].Notifications[0]
		if got.State != core.NotificationDelivered || got.Attempts != 2 || len(got.AttemptLog) != 2 ||
			got.AttemptLog[0].Error != "503" || !got.AttemptLog[0].At.Equal(at) ||
			got.AttemptLog[1].Error != "" || !got.AttemptLog[1].At.Equal(at.Add(time.Second)) {
			t.Errorf("delivered notification: %+v, attempts %+v", got, got.AttemptLog)
		}

		_, _, err = s.FindAlertPage(ctx, core.AlertFilter{ProjectID: 424242})
		wantCode(t, "FindAlertPage(unknown project)", err, core.ENOTFOUND)
		_, _, err = s.FindAlertPage(ctx, core.AlertFilter{ProjectID: p.ID, Kind: "loud"})
		wantCode(t, "FindAlertPage(bad kind)", err, core.EINVALID)
		_, _, err = s.FindAlertPage(ctx, core.AlertFilter{ProjectID: p.ID, Cursor: "nonsense"})
		wantCode(t, "FindAlertPage(bad cursor)", err, core.EINVALID)
	}},
	{"Acknowledge", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		MustCreateDestination(t, s, p.ID, "hook")
		res := MustWrite(t, s, NewEvent(p.ID, "ack"))[0]
		at := time.Now().UTC().Truncate(time.Microsecond)
		a, err := s.AcknowledgeAlert(ctx, res.AlertID, at)
		must(t, "AcknowledgeAlert", err)
		if a.ID != res.AlertID || a.AcknowledgedAt == nil || !a.AcknowledgedAt.Equal(at) || len(a.Notifications) != 1 {
			t.Errorf("acknowledged: %+v", a)
		}
		a, err = s.AcknowledgeAlert(ctx, res.AlertID, at.Add(time.Hour))
		must(t, "AcknowledgeAlert(again)", err)
		if a.AcknowledgedAt == nil || !a.AcknowledgedAt.Equal(at) {
			t.Errorf("acknowledging again moved the time to %v, want %v kept", a.AcknowledgedAt, at)
		}
		as, _, _ := s.FindAlertPage(ctx, core.AlertFilter{ProjectID: p.ID})
		if len(as) != 1 || as[0].AcknowledgedAt == nil {
			t.Errorf("listed: %+v", as)
		}
		_, err = s.AcknowledgeAlert(ctx, 424242, at)
		wantCode(t, "AcknowledgeAlert(unknown)", err, core.ENOTFOUND)
	}},
}
