package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
	"github.com/periscope-hq/periscope/core/storetest"
)

// mustIssues writes one event for each hash into the project and returns
// the issue ids, in order.
func mustIssues(tb testing.TB, s core.Store, projectID int64, hashes ...string) []int64 {
	tb.Helper()
	evs := make([]*core.Event, len(hashes))
	for i, h := range hashes {
		evs[i] = storetest.NewEvent(projectID, h)
	}
	var ids []int64
	for _, r := range storetest.MustWrite(tb, s, evs...) {
		ids = append(ids, r.IssueID)
	}
	return ids
}

func TestFindIssues(t *testing.T) {
	ctx := context.Background()
	svc, db := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	ids := mustIssues(t, db, p.ID, "alpha", "beta")
	for _, c := range []struct {
		name  string
		f     core.IssueFilter
		field string
	}{
		{"Status", core.IssueFilter{ProjectID: p.ID, Status: "open"}, "status"},
		{"Level", core.IssueFilter{ProjectID: p.ID, Level: "critical"}, "level"},
		{"Sort", core.IssueFilter{ProjectID: p.ID, Sort: "title"}, "sort"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := svc.FindIssues(ctx, c.f)
			wantField(t, "FindIssues", err, c.field)
			refusedBeforeStore(t, "FindIssues", c.field, func(svc *service.Service) error {
				_, _, err := svc.FindIssues(ctx, c.f)
				return err
			})
		})
	}
	t.Run("Page", func(t *testing.T) {
		got, _, err := svc.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Status: core.StatusUnresolved, Sort: "first_seen", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids) {
			t.Errorf("got %d issues, want %d", len(got), len(ids))
		}
	})
	t.Run("EmptyPageIsNotNil", func(t *testing.T) {
		other := MustCreateProject(t, svc, "empty")
		got, _, err := svc.FindIssues(ctx, core.IssueFilter{ProjectID: other.ID, Limit: 10})
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("got %v, %v; want an empty, non-nil page", got, err)
		}
	})
	t.Run("UnknownProject", func(t *testing.T) {
		_, _, err := svc.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID + 100, Limit: 10})
		wantCode(t, "FindIssues of an unknown project", err, core.ENOTFOUND)
	})
}

func TestFindIssueOfDeletedProject(t *testing.T) {
	ctx := context.Background()
	svc, db := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	id := mustIssues(t, db, p.ID, "alpha")[0]
	if _, err := svc.FindIssue(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeleteProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err := svc.FindIssue(ctx, id)
	wantCode(t, "FindIssue of a project being deleted", err, core.ENOTFOUND)
	if want := fmt.Sprintf("issue %d not found", id); core.ErrorMessage(err) != want {
		t.Errorf("FindIssue of a project being deleted says %q, want %q", core.ErrorMessage(err), want)
	}
	_, err = svc.UpdateIssue(ctx, id, core.IssueUpdate{Status: ptr(core.StatusResolved)})
	wantCode(t, "UpdateIssue of a project being deleted", err, core.ENOTFOUND)
}

func TestUpdateIssue(t *testing.T) {
	ctx := context.Background()
	svc, db := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	id := mustIssues(t, db, p.ID, "alpha")[0]
	past, future := now.Add(-time.Minute), now.Add(time.Hour)
	for _, c := range []struct {
		name  string
		upd   core.IssueUpdate
		field string
	}{
		{"UnknownStatus", core.IssueUpdate{Status: ptr("closed")}, "status"},
		{"IgnoreCountZero", core.IssueUpdate{IgnoreCount: ptr(int64(0))}, "ignore_count"},
		{"IgnoreUntilPast", core.IssueUpdate{IgnoreUntil: &past}, "ignore_until"},
		{"IgnoreUntilNow", core.IssueUpdate{IgnoreUntil: ptr(now)}, "ignore_until"},
		{"IgnoreWithResolved", core.IssueUpdate{Status: ptr(core.StatusResolved), IgnoreUntil: &future}, "status"},
		{"CountWithUnresolved", core.IssueUpdate{Status: ptr(core.StatusUnresolved), IgnoreCount: ptr(int64(3))}, "status"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.UpdateIssue(ctx, id, c.upd)
			wantField(t, "UpdateIssue", err, c.field)
			refusedBeforeStore(t, "UpdateIssue", c.field, func(svc *service.Service) error {
				_, err := svc.UpdateIssue(ctx, id, c.upd)
				return err
			})
			if iss, _ := db.FindIssueByID(ctx, id); iss.Status != core.StatusUnresolved {
				t.Errorf("a refused update changed the status to %s", iss.Status)
			}
		})
	}
	t.Run("Resolve", func(t *testing.T) {
		iss, err := svc.UpdateIssue(ctx, id, core.IssueUpdate{Status: ptr(core.StatusResolved)})
		if err != nil {
			t.Fatal(err)
		}
		if iss.Status != core.StatusResolved {
			t.Errorf("status %s, want resolved", iss.Status)
		}
	})
	t.Run("IgnoreUntil", func(t *testing.T) {
		iss, err := svc.UpdateIssue(ctx, id, core.IssueUpdate{Status: ptr(core.StatusIgnored), IgnoreUntil: &future})
		if err != nil {
			t.Fatal(err)
		}
		if iss.Status != core.StatusIgnored || iss.IgnoreUntil == nil || !iss.IgnoreUntil.Equal(future) {
			t.Errorf("got status %s until %v, want ignored until %v", iss.Status, iss.IgnoreUntil, future)
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		_, err := svc.UpdateIssue(ctx, id+100, core.IssueUpdate{Status: ptr(core.StatusResolved)})
		wantCode(t, "UpdateIssue of an unknown issue", err, core.ENOTFOUND)
	})
}

func TestMergeAndDeleteIssues(t *testing.T) {
	ctx := context.Background()
	svc, db := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	ids := mustIssues(t, db, p.ID, "alpha", "beta", "gamma")
	_, err := svc.MergeIssues(ctx, ids[0], nil)
	wantField(t, "MergeIssues of nothing", err, "issue_ids")
	refusedBeforeStore(t, "MergeIssues of nothing", "issue_ids", func(svc *service.Service) error {
		_, err := svc.MergeIssues(ctx, ids[0], []int64{})
		return err
	})
	_, err = svc.MergeIssues(ctx, ids[0]+100, ids[1:2])
	wantCode(t, "MergeIssues into an unknown issue", err, core.ENOTFOUND)

	merged, err := svc.MergeIssues(ctx, ids[0], ids[1:2])
	if err != nil {
		t.Fatal(err)
	}
	if merged.ID != ids[0] || merged.Count != 2 {
		t.Errorf("merged issue %d with count %d, want %d with 2", merged.ID, merged.Count, ids[0])
	}
	if _, err := svc.FindIssue(ctx, ids[1]); !core.IsNotFound(err) {
		t.Errorf("the merged-away issue: %v, want ENOTFOUND", err)
	}

	if err := svc.DeleteIssue(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	_, err = svc.FindIssue(ctx, ids[2])
	wantCode(t, "FindIssue after DeleteIssue", err, core.ENOTFOUND)
	wantCode(t, "DeleteIssue again", svc.DeleteIssue(ctx, ids[2]), core.ENOTFOUND)
}

func TestIssueEvents(t *testing.T) {
	ctx := context.Background()
	svc, db := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	first, second := storetest.NewEvent(p.ID, "alpha"), storetest.NewEvent(p.ID, "alpha")
	id := storetest.MustWrite(t, db, first, second)[0].IssueID

	evs, _, err := svc.FindEvents(ctx, core.EventFilter{IssueID: id, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("got %d events, want 2", len(evs))
	}
	latest, err := svc.FindLatestEvent(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if latest.EventID != second.EventID || len(latest.Payload) == 0 {
		t.Errorf("latest event %s (payload %d bytes), want %s in full", latest.EventID, len(latest.Payload), second.EventID)
	}
	ev, err := svc.FindEvent(ctx, p.ID, first.EventID)
	if err != nil || ev.EventID != first.EventID {
		t.Errorf("FindEvent: got %v, %v", ev, err)
	}
	_, err = svc.FindEvent(ctx, p.ID+100, first.EventID)
	wantCode(t, "FindEvent of an unknown project", err, core.ENOTFOUND)
	_, _, err = svc.FindEvents(ctx, core.EventFilter{IssueID: id + 100, Limit: 10})
	wantCode(t, "FindEvents of an unknown issue", err, core.ENOTFOUND)
	_, err = svc.FindLatestEvent(ctx, id+100)
	wantCode(t, "FindLatestEvent of an unknown issue", err, core.ENOTFOUND)
	_, err = svc.FindAttachment(ctx, p.ID, first.EventID, 1)
	wantCode(t, "FindAttachment of an event without attachments", err, core.ENOTFOUND)
}

func TestFindIssueStats(t *testing.T) {
	ctx := context.Background()
	svc, db := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	ev := storetest.NewEvent(p.ID, "alpha")
	ev.Timestamp, ev.Received = now.Add(-90*time.Minute), now.Add(-90*time.Minute)
	id := storetest.MustWrite(t, db, ev)[0].IssueID
	st, err := svc.FindIssueStats(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var hours, days int64
	for _, b := range st.Hours {
		hours += b.Count
	}
	for _, b := range st.Days {
		days += b.Count
	}
	if len(st.Hours) != 24 || len(st.Days) != 30 || hours != 1 || days != 1 {
		t.Errorf("got %d hours counting %d and %d days counting %d, want 24 and 30 counting 1 each", len(st.Hours), hours, len(st.Days), days)
	}
	if want := now.Truncate(time.Hour).Add(-23 * time.Hour); !st.Hours[0].Start.Equal(want) {
		t.Errorf("first hour %v, want %v (the clock of the service)", st.Hours[0].Start, want)
	}
}
