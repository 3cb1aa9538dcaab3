package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// groupingConfigTests: a project's Sentry grouping configuration is kept,
// and changing it records the previous one and until when both run.
var groupingConfigTests = []test{
	{"CreateKeepsConfig", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := &core.Project{Name: "py", GroupingConfig: core.GroupingConfig2026}
		must(t, "CreateProject", s.CreateProject(ctx, p))
		got, err := s.FindProjectByID(ctx, p.ID)
		must(t, "FindProjectByID", err)
		if got.GroupingConfig != core.GroupingConfig2026 || got.PreviousGroupingConfig != "" || got.GroupingTransitionUntil != nil {
			t.Errorf("got config %q previous %q until %v", got.GroupingConfig, got.PreviousGroupingConfig, got.GroupingTransitionUntil)
		}
		bad := &core.Project{Name: "bad", GroupingConfig: "newstyle:1999-01-01"}
		wantCode(t, "CreateProject(unknown config)", s.CreateProject(ctx, bad), core.EINVALID)
	}},
	{"ChangeStartsTransition", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := &core.Project{Name: "web", GroupingConfig: core.GroupingConfig2023}
		must(t, "CreateProject", s.CreateProject(ctx, p))
		cfg := core.GroupingConfig2026
		before := time.Now()
		got, err := s.UpdateProject(ctx, p.ID, core.ProjectUpdate{GroupingConfig: &cfg, GroupingTransition: 30 * 24 * time.Hour})
		must(t, "UpdateProject", err)
		for _, q := range []*core.Project{got, mustFind(t, s, p.ID)} {
			if q.GroupingConfig != cfg || q.PreviousGroupingConfig != core.GroupingConfig2023 || q.GroupingTransitionUntil == nil {
				t.Fatalf("after change: config %q previous %q until %v", q.GroupingConfig, q.PreviousGroupingConfig, q.GroupingTransitionUntil)
			}
			if d := q.GroupingTransitionUntil.Sub(before); d < 30*24*time.Hour-time.Minute || d > 30*24*time.Hour+time.Minute {
				t.Errorf("transition ends %v after the change, want 30 days", d)
			}
		}
		// Setting the same configuration again changes nothing.
		again, err := s.UpdateProject(ctx, p.ID, core.ProjectUpdate{GroupingConfig: &cfg, GroupingTransition: time.Hour})
		must(t, "UpdateProject(same)", err)
		if again.PreviousGroupingConfig != core.GroupingConfig2023 || !again.GroupingTransitionUntil.Equal(*got.GroupingTransitionUntil) {
			t.Errorf("same config restarted the transition: previous %q until %v", again.PreviousGroupingConfig, again.GroupingTransitionUntil)
		}
		// Other updates leave the configuration alone.
		name := "web2"
		other, err := s.UpdateProject(ctx, p.ID, core.ProjectUpdate{Name: &name})
		must(t, "UpdateProject(name)", err)
		if other.GroupingConfig != cfg || other.PreviousGroupingConfig != core.GroupingConfig2023 {
			t.Errorf("a rename changed the config: %q / %q", other.GroupingConfig, other.PreviousGroupingConfig)
		}
		// No transition period: the old configuration is dropped at once.
		old := core.GroupingConfig2023
		back, err := s.UpdateProject(ctx, p.ID, core.ProjectUpdate{GroupingConfig: &old})
		must(t, "UpdateProject(back)", err)
		if back.GroupingConfig != old || back.PreviousGroupingConfig != "" || back.GroupingTransitionUntil != nil {
			t.Errorf("without a period: config %q previous %q until %v", back.GroupingConfig, back.PreviousGroupingConfig, back.GroupingTransitionUntil)
		}
		bad := "legacy:2019-03-12"
		_, err = s.UpdateProject(ctx, p.ID, core.ProjectUpdate{GroupingConfig: &bad})
		wantCode(t, "UpdateProject(unknown config)", err, core.EINVALID)
	}},
	{"EndTransition", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := &core.Project{Name: "end", GroupingConfig: core.GroupingConfig2023}
		must(t, "CreateProject", s.CreateProject(ctx, p))
		soon := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		_, err := s.UpdateProject(ctx, p.ID, core.ProjectUpdate{GroupingTransitionUntil: &soon})
		wantCode(t, "UpdateProject(until without a transition)", err, core.EINVALID)
		cfg := core.GroupingConfig2026
		_, err = s.UpdateProject(ctx, p.ID, core.ProjectUpdate{GroupingConfig: &cfg, GroupingTransition: 30 * 24 * time.Hour})
		must(t, "UpdateProject(config)", err)
		// A shorter transition keeps the previous configuration until then.
		got, err := s.UpdateProject(ctx, p.ID, core.ProjectUpdate{GroupingTransitionUntil: &soon})
		must(t, "UpdateProject(shorter)", err)
		for _, q := range []*core.Project{got, mustFind(t, s, p.ID)} {
			if q.PreviousGroupingConfig != core.GroupingConfig2023 || q.GroupingTransitionUntil == nil || !q.GroupingTransitionUntil.Equal(soon) {
				t.Errorf("shortened: previous %q until %v, want %s until %v", q.PreviousGroupingConfig, q.GroupingTransitionUntil, core.GroupingConfig2023, soon)
			}
		}
		// An end in the past ends it now: the old configuration is dropped.
		past := time.Now().Add(-time.Minute)
		got, err = s.UpdateProject(ctx, p.ID, core.ProjectUpdate{GroupingTransitionUntil: &past})
		must(t, "UpdateProject(end)", err)
		for _, q := range []*core.Project{got, mustFind(t, s, p.ID)} {
			if q.GroupingConfig != cfg || q.PreviousGroupingConfig != "" || q.GroupingTransitionUntil != nil {
				t.Errorf("ended: config %q previous %q until %v", q.GroupingConfig, q.PreviousGroupingConfig, q.GroupingTransitionUntil)
			}
		}
	}},
}

func mustFind(t *testing.T, s core.Store, id int64) *core.Project {
	t.Helper()
	p, err := s.FindProjectByID(context.Background(), id)
	must(t, "FindProjectByID", err)
	return p
}
