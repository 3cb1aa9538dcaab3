package service_test

import (
	"context"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// fakeNotifier stands in for the plugin host in these unit tests: it
// refuses a config whose url is "bad" and records what it was given.
type fakeNotifier struct {
	validated []core.Destination
	sent      []*core.Destination
	sentTo    []*core.Project
}

func (f *fakeNotifier) ValidateDestination(_ context.Context, d *core.Destination) error {
	f.validated = append(f.validated, *d)
	if d.Config["url"] == "bad" {
		return core.FieldErrorf("config.url", "url must be an http or https URL")
	}
	return nil
}

func (f *fakeNotifier) SendTest(_ context.Context, d *core.Destination, p *core.Project) error {
	f.sent, f.sentTo = append(f.sent, d), append(f.sentTo, p)
	return nil
}

func TestCreateDestination(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		in    service.DestinationInput
		field string
	}{
		{"NoPlugin", service.DestinationInput{Name: "ops"}, "plugin"},
		{"PluginPath", service.DestinationInput{Name: "ops", Plugin: "/tmp/evil"}, "plugin"},
		{"PluginUppercase", service.DestinationInput{Name: "ops", Plugin: "Webhook"}, "plugin"},
		{"NoName", service.DestinationInput{Plugin: "webhook"}, "name"},
		{"MaskOnCreate", service.DestinationInput{Name: "ops", Plugin: "webhook", Config: map[string]any{"url": "https://h.example.com", "secret": service.SecretMask}}, "config.secret"},
		{"PluginRefuses", service.DestinationInput{Name: "ops", Plugin: "webhook", Config: map[string]any{"url": "bad"}}, "config.url"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := &fakeNotifier{}
			svc, db := MustOpen(t, n)
			p := MustCreateProject(t, svc, "shop")
			_, err := svc.CreateDestination(ctx, p.ID, c.in)
			wantField(t, "CreateDestination", err, c.field)
			if ds, _ := db.FindDestinations(ctx, p.ID); len(ds) != 0 {
				t.Errorf("a refused destination was stored: %v", ds)
			}
		})
	}
	t.Run("UnknownProject", func(t *testing.T) {
		svc, _ := MustOpen(t, &fakeNotifier{})
		_, err := svc.CreateDestination(ctx, 42, service.DestinationInput{Name: "ops", Plugin: "webhook"})
		wantCode(t, "CreateDestination of an unknown project", err, core.ENOTFOUND)
	})
	t.Run("Created", func(t *testing.T) {
		n := &fakeNotifier{}
		svc, db := MustOpen(t, n)
		p := MustCreateProject(t, svc, "shop")
		d, err := svc.CreateDestination(ctx, p.ID, service.DestinationInput{Name: "ops", Plugin: "webhook",
			Config: map[string]any{"url": "https://h.example.com", "secret": "s3"}, When: `kind == "new_issue"`})
		if err != nil {
			t.Fatal(err)
		}
		if d.ID == 0 || d.Source != "api" || d.ProjectID != p.ID || d.Config["secret"] != service.SecretMask {
			t.Errorf("answered %+v, want an api destination of the project with its secret masked", d)
		}
		if len(n.validated) != 1 || n.validated[0].Config["secret"] != "s3" {
			t.Errorf("the plugin checked %v, want the destination with its secret", n.validated)
		}
		stored, err := db.FindDestinationByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Config["secret"] != "s3" || stored.When != `kind == "new_issue"` {
			t.Errorf("stored %+v, want the secret itself and the when filter", stored)
		}
		_, err = svc.CreateDestination(ctx, p.ID, service.DestinationInput{Name: "ops", Plugin: "webhook"})
		wantCode(t, "CreateDestination of a name in use", err, core.ECONFLICT)
	})
	t.Run("NoNotifierStoresWithoutCheck", func(t *testing.T) {
		svc, _ := MustOpen(t, nil)
		p := MustCreateProject(t, svc, "shop")
		d, err := svc.CreateDestination(ctx, p.ID, service.DestinationInput{Name: "ops", Plugin: "webhook"})
		if err != nil {
			t.Fatal(err)
		}
		if d.Config == nil {
			t.Errorf("a destination without config answered a nil config, want {}")
		}
	})
}

func TestChangeDestination(t *testing.T) {
	ctx := context.Background()
	n := &fakeNotifier{}
	svc, db := MustOpen(t, n)
	p := MustCreateProject(t, svc, "shop")
	other := MustCreateProject(t, svc, "blog")
	d, err := svc.CreateDestination(ctx, p.ID, service.DestinationInput{Name: "ops", Plugin: "webhook",
		Config: map[string]any{"url": "https://h.example.com", "secret": "s3"}})
	if err != nil {
		t.Fatal(err)
	}
	fromConfig := &core.Destination{ProjectID: p.ID, Name: "pager", Plugin: "webhook", Config: map[string]any{"url": "https://p.example.com"}, Source: "config"}
	if err := db.SyncConfigDestinations(ctx, []*core.Destination{fromConfig}); err != nil {
		t.Fatal(err)
	}

	t.Run("Find", func(t *testing.T) {
		got, err := svc.FindDestination(ctx, p.ID, d.ID)
		if err != nil || got.Config["secret"] != service.SecretMask {
			t.Errorf("got %v, %v; want the destination with its secret masked", got, err)
		}
		_, err = svc.FindDestination(ctx, other.ID, d.ID)
		wantCode(t, "FindDestination through another project", err, core.ENOTFOUND)
		all, err := svc.FindDestinations(ctx, p.ID)
		if err != nil || len(all) != 2 {
			t.Fatalf("FindDestinations: got %v, %v; want 2", all, err)
		}
		for _, x := range all {
			if x.Config["secret"] != nil && x.Config["secret"] != service.SecretMask {
				t.Errorf("FindDestinations answered a secret: %v", x.Config)
			}
		}
	})
	t.Run("UpdateKeepsMaskedSecret", func(t *testing.T) {
		up, err := svc.UpdateDestination(ctx, p.ID, d.ID, core.DestinationUpdate{Name: ptr("ops-2"),
			Config: map[string]any{"url": "https://h2.example.com", "secret": service.SecretMask}})
		if err != nil {
			t.Fatal(err)
		}
		if up.Name != "ops-2" || up.Config["secret"] != service.SecretMask {
			t.Errorf("answered %+v", up)
		}
		stored, _ := db.FindDestinationByID(ctx, d.ID)
		if stored.Config["secret"] != "s3" || stored.Config["url"] != "https://h2.example.com" {
			t.Errorf("stored %v, want the new url and the kept secret", stored.Config)
		}
	})
	t.Run("UpdateRefused", func(t *testing.T) {
		_, err := svc.UpdateDestination(ctx, p.ID, d.ID, core.DestinationUpdate{Config: map[string]any{"url": "bad"}})
		wantField(t, "UpdateDestination the plugin refuses", err, "config.url")
		_, err = svc.UpdateDestination(ctx, p.ID, d.ID, core.DestinationUpdate{Config: map[string]any{"url": "https://x", "token": service.SecretMask}})
		wantField(t, "UpdateDestination with a mask and nothing stored", err, "config.token")
		_, err = svc.UpdateDestination(ctx, p.ID, fromConfig.ID, core.DestinationUpdate{Name: ptr("x")})
		wantCode(t, "UpdateDestination of a config.yaml destination", err, core.ECONFLICT)
		_, err = svc.UpdateDestination(ctx, other.ID, d.ID, core.DestinationUpdate{Name: ptr("x")})
		wantCode(t, "UpdateDestination through another project", err, core.ENOTFOUND)
		if stored, _ := db.FindDestinationByID(ctx, d.ID); stored.Config["url"] != "https://h2.example.com" || stored.Name != "ops-2" {
			t.Errorf("a refused update changed the destination: %+v", stored)
		}
	})
	t.Run("Test", func(t *testing.T) {
		if err := svc.TestDestination(ctx, p.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if len(n.sent) != 1 || n.sent[0].Config["secret"] != "s3" || n.sentTo[0].ID != p.ID {
			t.Errorf("sent %v to %v, want the unmasked destination to the project", n.sent, n.sentTo)
		}
		plain, _ := MustOpen(t, nil)
		q := MustCreateProject(t, plain, "x")
		dq, err := plain.CreateDestination(ctx, q.ID, service.DestinationInput{Name: "ops", Plugin: "webhook"})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, "TestDestination without a notifier", plain.TestDestination(ctx, q.ID, dq.ID), core.EINTERNAL)
	})
	t.Run("Delete", func(t *testing.T) {
		wantCode(t, "DeleteDestination of a config.yaml destination", svc.DeleteDestination(ctx, p.ID, fromConfig.ID), core.ECONFLICT)
		wantCode(t, "DeleteDestination through another project", svc.DeleteDestination(ctx, other.ID, d.ID), core.ENOTFOUND)
		if err := svc.DeleteDestination(ctx, p.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		_, err := svc.FindDestination(ctx, p.ID, d.ID)
		wantCode(t, "FindDestination after DeleteDestination", err, core.ENOTFOUND)
	})
}
