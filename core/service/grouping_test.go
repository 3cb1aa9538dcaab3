package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// TestProjectGroupingConfig: a project created without a grouping
// configuration gets the service's default; an unknown one is refused
// naming grouping_config; a change keeps the previous configuration for
// the service's transition, whatever the caller's update says.
func TestProjectGroupingConfig(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustOpen(t, nil)
	svc.DefaultGroupingConfig, svc.GroupingTransition = core.GroupingConfig2026, 72*time.Hour

	p, err := svc.CreateProject(ctx, service.CreateProjectInput{Name: "new"})
	if err != nil {
		t.Fatal(err)
	}
	if p.GroupingConfig != core.GroupingConfig2026 {
		t.Errorf("default: grouping_config %q, want %q", p.GroupingConfig, core.GroupingConfig2026)
	}
	old, err := svc.CreateProject(ctx, service.CreateProjectInput{Name: "old", GroupingConfig: core.GroupingConfig2023})
	if err != nil {
		t.Fatal(err)
	}
	if old.GroupingConfig != core.GroupingConfig2023 {
		t.Errorf("named: grouping_config %q, want %q", old.GroupingConfig, core.GroupingConfig2023)
	}

	refusedBeforeStore(t, "CreateProject with an unknown grouping config", "grouping_config", func(svc *service.Service) error {
		_, err := svc.CreateProject(ctx, service.CreateProjectInput{Name: "x", GroupingConfig: "legacy:2019-03-12"})
		return err
	})
	refusedBeforeStore(t, "UpdateProject to an unknown grouping config", "grouping_config", func(svc *service.Service) error {
		_, err := svc.UpdateProject(ctx, old.ID, core.ProjectUpdate{GroupingConfig: ptr("nope")})
		return err
	})

	up, err := svc.UpdateProject(ctx, old.ID, core.ProjectUpdate{GroupingConfig: ptr(core.GroupingConfig2026), GroupingTransition: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if up.GroupingConfig != core.GroupingConfig2026 || up.PreviousGroupingConfig != core.GroupingConfig2023 || up.GroupingTransitionUntil == nil {
		t.Fatalf("after the change: %+v, want 2026 with 2023 kept for a transition", up)
	}
	// The stores take the transition's start from their own clock.
	if d := time.Until(*up.GroupingTransitionUntil); d < 71*time.Hour || d > 73*time.Hour {
		t.Errorf("transition ends in %v, want the service's 72h, not the caller's 1h", d)
	}
}
