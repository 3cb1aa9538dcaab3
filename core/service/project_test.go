package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

func TestCreateProject(t *testing.T) {
	ctx := context.Background()
	t.Run("Created", func(t *testing.T) {
		svc, db := MustOpen(t, nil)
		p, err := svc.CreateProject(ctx, service.CreateProjectInput{Name: "shop", RateLimit: 60, RetentionDays: 7})
		if err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || len(p.Keys) != 1 || len(p.Keys[0].PublicKey) != 32 {
			t.Fatalf("got project %+v with keys %v, want an id and one key", p, p.Keys)
		}
		got, err := db.FindProjectByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "shop" || got.RateLimit != 60 || got.RetentionDays != 7 {
			t.Errorf("stored %+v, want shop, 60, 7", got)
		}
	})
	for _, c := range []struct {
		name  string
		in    service.CreateProjectInput
		field string
	}{
		{"NoName", service.CreateProjectInput{}, "name"},
		{"LongName", service.CreateProjectInput{Name: strings.Repeat("n", 201)}, "name"},
		{"NegativeRateLimit", service.CreateProjectInput{Name: "a", RateLimit: -1}, "rate_limit"},
		{"NegativeRetention", service.CreateProjectInput{Name: "a", RetentionDays: -1}, "retention_days"},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, db := MustOpen(t, nil)
			_, err := svc.CreateProject(ctx, c.in)
			wantField(t, "CreateProject", err, c.field)
			refusedBeforeStore(t, "CreateProject", c.field, func(svc *service.Service) error {
				_, err := svc.CreateProject(ctx, c.in)
				return err
			})
			if ps, _ := db.FindProjects(ctx); len(ps) != 0 {
				t.Errorf("a refused project was stored: %v", ps)
			}
		})
	}
	t.Run("NameInUse", func(t *testing.T) {
		svc, _ := MustOpen(t, nil)
		MustCreateProject(t, svc, "shop")
		_, err := svc.CreateProject(ctx, service.CreateProjectInput{Name: "shop"})
		wantCode(t, "CreateProject of a name in use", err, core.ECONFLICT)
	})
}

func TestUpdateProject(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	for _, c := range []struct {
		name  string
		upd   core.ProjectUpdate
		field string
	}{
		{"EmptyName", core.ProjectUpdate{Name: ptr("")}, "name"},
		{"NegativeRateLimit", core.ProjectUpdate{RateLimit: ptr(-1)}, "rate_limit"},
		{"NegativeRetention", core.ProjectUpdate{RetentionDays: ptr(-3)}, "retention_days"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.UpdateProject(ctx, p.ID, c.upd)
			wantField(t, "UpdateProject", err, c.field)
			refusedBeforeStore(t, "UpdateProject", c.field, func(svc *service.Service) error {
				_, err := svc.UpdateProject(ctx, p.ID, c.upd)
				return err
			})
			got, err := svc.FindProject(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "shop" || got.RateLimit != 0 || got.RetentionDays != 0 {
				t.Errorf("a refused update changed the project: %+v", got)
			}
		})
	}
	t.Run("Updated", func(t *testing.T) {
		got, err := svc.UpdateProject(ctx, p.ID, core.ProjectUpdate{Name: ptr("store"), RateLimit: ptr(10)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "store" || got.RateLimit != 10 {
			t.Errorf("got %+v, want store with rate limit 10", got)
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		_, err := svc.UpdateProject(ctx, p.ID+100, core.ProjectUpdate{Name: ptr("x")})
		wantCode(t, "UpdateProject of an unknown project", err, core.ENOTFOUND)
	})
}

func TestDeleteProject(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	extra, err := svc.CreateKey(ctx, p.ID, service.CreateKeyInput{Label: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := svc.DeleteProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].PublicKey != p.Keys[0].PublicKey || keys[1].PublicKey != extra.PublicKey {
		t.Errorf("DeleteProject returned keys %v, want the project's two keys", keys)
	}
	_, err = svc.FindProject(ctx, p.ID)
	wantCode(t, "FindProject after DeleteProject", err, core.ENOTFOUND)
	_, err = svc.DeleteProject(ctx, p.ID+100)
	wantCode(t, "DeleteProject of an unknown project", err, core.ENOTFOUND)
}

func TestProjectKeys(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustOpen(t, nil)
	p := MustCreateProject(t, svc, "shop")
	t.Run("CreateRefused", func(t *testing.T) {
		_, err := svc.CreateKey(ctx, p.ID, service.CreateKeyInput{RateLimit: -1})
		wantField(t, "CreateKey with a negative rate limit", err, "rate_limit")
		_, err = svc.CreateKey(ctx, p.ID, service.CreateKeyInput{Label: strings.Repeat("l", 201)})
		wantField(t, "CreateKey with a long label", err, "label")
		refusedBeforeStore(t, "CreateKey with a negative rate limit", "rate_limit", func(svc *service.Service) error {
			_, err := svc.CreateKey(ctx, p.ID, service.CreateKeyInput{RateLimit: -1})
			return err
		})
		refusedBeforeStore(t, "CreateKey with a long label", "label", func(svc *service.Service) error {
			_, err := svc.CreateKey(ctx, p.ID, service.CreateKeyInput{Label: strings.Repeat("l", 201)})
			return err
		})
		_, err = svc.CreateKey(ctx, p.ID+100, service.CreateKeyInput{})
		wantCode(t, "CreateKey of an unknown project", err, core.ENOTFOUND)
		if keys, _ := svc.FindKeys(ctx, p.ID); len(keys) != 1 {
			t.Errorf("refused keys were stored: %v", keys)
		}
	})
	k, err := svc.CreateKey(ctx, p.ID, service.CreateKeyInput{Label: "ci", RateLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if k.ProjectID != p.ID || k.Label != "ci" || k.RateLimit != 5 || len(k.PublicKey) != 32 {
		t.Fatalf("CreateKey: got %+v", k)
	}
	t.Run("UpdateRefused", func(t *testing.T) {
		_, err := svc.UpdateKey(ctx, p.ID, k.PublicKey, core.KeyUpdate{RateLimit: ptr(-2)})
		wantField(t, "UpdateKey with a negative rate limit", err, "rate_limit")
		_, err = svc.UpdateKey(ctx, p.ID, k.PublicKey, core.KeyUpdate{Label: ptr(strings.Repeat("l", 201))})
		wantField(t, "UpdateKey with a long label", err, "label")
		refusedBeforeStore(t, "UpdateKey with a negative rate limit", "rate_limit", func(svc *service.Service) error {
			_, err := svc.UpdateKey(ctx, p.ID, k.PublicKey, core.KeyUpdate{RateLimit: ptr(-2)})
			return err
		})
		refusedBeforeStore(t, "UpdateKey with a long label", "label", func(svc *service.Service) error {
			_, err := svc.UpdateKey(ctx, p.ID, k.PublicKey, core.KeyUpdate{Label: ptr(strings.Repeat("l", 201))})
			return err
		})
		_, err = svc.UpdateKey(ctx, p.ID+100, k.PublicKey, core.KeyUpdate{Label: ptr("x")})
		wantCode(t, "UpdateKey of an unknown project", err, core.ENOTFOUND)
	})
	t.Run("Update", func(t *testing.T) {
		got, err := svc.UpdateKey(ctx, p.ID, k.PublicKey, core.KeyUpdate{Label: ptr("deploy"), RateLimit: ptr(0)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Label != "deploy" || got.RateLimit != 0 {
			t.Errorf("UpdateKey: got %+v, want deploy with no rate limit", got)
		}
	})
	t.Run("Revoke", func(t *testing.T) {
		if err := svc.RevokeKey(ctx, p.ID, k.PublicKey); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindProject(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Keys) != 1 || got.Keys[0].PublicKey == k.PublicKey {
			t.Errorf("active keys after revoking %s: %v", k.PublicKey, got.Keys)
		}
		wantCode(t, "RevokeKey again", svc.RevokeKey(ctx, p.ID, k.PublicKey), core.ENOTFOUND)
	})
}
