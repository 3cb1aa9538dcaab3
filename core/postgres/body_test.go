package postgres_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
	"github.com/periscope-hq/periscope/core/storetest"
)

// TestEventBodies: a project's events are compressed with a dictionary
// trained from its first ones (body version 2 naming it, components inside
// the body); events written with the encoding before it (version 1,
// components in their column) stay readable beside them, also from
// another node, whose codec starts empty.
func TestEventBodies(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := mustOpen(t, url, postgres.WithMigrate())
	p := storetest.MustCreateProject(t, db, "web")
	events := storetest.WriteManyEvents(t, db, p.ID, 200)
	var dicts int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM event_dicts WHERE project_id = $1`, p.ID).Scan(&dicts); err != nil || dicts != 1 {
		t.Fatalf("%d dictionaries (%v), want 1", dicts, err)
	}
	var body []byte
	var comps string
	last := events[len(events)-1]
	if err := db.Pool().QueryRow(ctx, `SELECT body, grouping_components FROM events WHERE event_id = $1`, last.EventID).Scan(&body, &comps); err != nil {
		t.Fatal(err)
	}
	if body[0] != 2 || body[1] == 0 || comps != "" {
		t.Errorf("last body starts % x and the column holds %q: want version 2 with a dictionary, components in the body", body[:2], comps)
	}
	for _, e := range events[:5] {
		old := dbutil.EncodeBody(e.Payload, nil)
		if _, err := db.Pool().Exec(ctx, `UPDATE events SET body = $1, grouping_components = $2 WHERE event_id = $3`,
			old, string(e.Grouping.Components), e.EventID); err != nil {
			t.Fatal(err)
		}
	}
	storetest.CheckEventsReadBack(t, db, events)
	other := mustOpen(t, url)
	storetest.CheckEventsReadBack(t, other, events)
	events = append(events, storetest.WriteManyEvents(t, other, p.ID, 100)...)
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM event_dicts WHERE project_id = $1`, p.ID).Scan(&dicts); err != nil || dicts != 1 {
		t.Errorf("%d dictionaries after another node wrote (%v), want 1", dicts, err)
	}
	storetest.CheckEventsReadBack(t, db, events)
}

// TestDictionaryNotSaved: a dictionary that cannot be saved is logged and
// costs no event.
func TestDictionaryNotSaved(t *testing.T) {
	logs := &storetest.LogBuffer{}
	db := mustOpen(t, pgtest.URL(t), postgres.WithMigrate(), postgres.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	if _, err := db.Pool().Exec(context.Background(), `
		CREATE FUNCTION no_dicts() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'no dictionaries today'; END $$;
		CREATE TRIGGER no_dicts BEFORE INSERT ON event_dicts FOR EACH ROW EXECUTE FUNCTION no_dicts();`); err != nil {
		t.Fatal(err)
	}
	storetest.DictionaryNotSaved(t, db, logs)
}
