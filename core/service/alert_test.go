package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/storetest"
)

func TestAlerts(t *testing.T) {
	ctx := context.Background()
	svc, db := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	storetest.MustCreateDestination(t, db, p.ID, "ops")
	res := storetest.MustWrite(t, db, storetest.NewEvent(p.ID, "alpha"))
	if res[0].AlertID == 0 {
		t.Fatal("a new issue raised no alert")
	}
	alerts, _, err := svc.FindAlerts(ctx, core.AlertFilter{ProjectID: p.ID, Limit: 10})
	if err != nil || len(alerts) != 1 || alerts[0].ID != res[0].AlertID {
		t.Fatalf("FindAlerts: got %v, %v; want alert %d", alerts, err, res[0].AlertID)
	}
	none, _, err := svc.FindAlerts(ctx, core.AlertFilter{ProjectID: p.ID, Kind: core.AlertRegression, Limit: 10})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("FindAlerts of no regression: got %v, %v; want an empty, non-nil page", none, err)
	}
	a, err := svc.AcknowledgeAlert(ctx, res[0].AlertID)
	if err != nil {
		t.Fatal(err)
	}
	if a.AcknowledgedAt == nil || !a.AcknowledgedAt.Equal(now) {
		t.Errorf("acknowledged at %v, want %v (the service's clock)", a.AcknowledgedAt, now)
	}
	_, err = svc.AcknowledgeAlert(ctx, res[0].AlertID+100)
	wantCode(t, "AcknowledgeAlert of an unknown alert", err, core.ENOTFOUND)
}

func TestFindProjectStats(t *testing.T) {
	ctx := context.Background()
	svc, db := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	hour := now.Truncate(time.Hour)
	if err := db.AddStats(ctx, []core.StatsDelta{
		{ProjectID: p.ID, Hour: hour, Accepted: 3, Rejected: map[string]int64{"invalid": 1}},
		{ProjectID: p.ID, Hour: hour.Add(-2 * time.Hour), Accepted: 4, RateLimited: 2},
	}); err != nil {
		t.Fatal(err)
	}
	t.Run("DefaultRange", func(t *testing.T) {
		st, err := svc.FindProjectStats(ctx, core.StatsFilter{ProjectID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !st.To.Equal(hour.Add(time.Hour)) || !st.From.Equal(hour.Add(-23*time.Hour)) {
			t.Errorf("range %v..%v, want the 24 hours ending with this one", st.From, st.To)
		}
		if st.Total.Accepted != 7 || st.Total.RateLimited != 2 || st.Total.Rejected != 1 || st.Total.RejectedBy["invalid"] != 1 {
			t.Errorf("total %+v, want 7 accepted, 2 rate limited, 1 rejected as invalid", st.Total)
		}
	})
	for _, c := range []struct {
		name     string
		from, to time.Time
	}{
		{"FromAfterTo", hour, hour.Add(-time.Hour)},
		{"FromIsTo", hour, hour},
		{"TooLong", hour.Add(-32 * 24 * time.Hour), hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.FindProjectStats(ctx, core.StatsFilter{ProjectID: p.ID, From: c.from, To: c.to})
			wantField(t, "FindProjectStats", err, "from")
		})
	}
	t.Run("UnknownProject", func(t *testing.T) {
		_, err := svc.FindProjectStats(ctx, core.StatsFilter{ProjectID: p.ID + 100})
		wantCode(t, "FindProjectStats of an unknown project", err, core.ENOTFOUND)
	})
}
