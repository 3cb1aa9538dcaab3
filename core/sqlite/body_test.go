package sqlite_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/storetest"
)

// TestEventBodies: a project's events are compressed with a dictionary
// trained from its first ones (body version 2 naming it, components inside
// the body); events written with the encoding before it (version 1,
// components in their column) stay readable beside them, also after a
// restart, whose codec starts empty.
func TestEventBodies(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := sqlite.Open(ctx, path, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	p := storetest.MustCreateProject(t, db, "web")
	events := storetest.WriteManyEvents(t, db, p.ID, 200)
	var dicts int
	if err := db.QueryRowForTest(ctx, `SELECT count(*) FROM event_dicts WHERE project_id = ?`, []any{p.ID}, &dicts); err != nil || dicts != 1 {
		t.Fatalf("%d dictionaries (%v), want 1", dicts, err)
	}
	var body []byte
	var comps string
	last := events[len(events)-1]
	if err := db.QueryRowForTest(ctx, `SELECT body, grouping_components FROM events WHERE event_id = ?`, []any{last.EventID}, &body, &comps); err != nil {
		t.Fatal(err)
	}
	if body[0] != 2 || body[1] == 0 || comps != "" {
		t.Errorf("last body starts % x and the column holds %q: want version 2 with a dictionary, components in the body", body[:2], comps)
	}
	// The old encoding: rewrite some events as the previous version stored
	// them.
	for _, e := range events[:5] {
		old := dbutil.EncodeBody(e.Payload, nil)
		if err := db.ExecForTest(ctx, `UPDATE events SET body = ?, grouping_components = ? WHERE event_id = ?`,
			old, string(e.Grouping.Components), e.EventID); err != nil {
			t.Fatal(err)
		}
	}
	storetest.CheckEventsReadBack(t, db, events)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpenPath(t, path)
	storetest.CheckEventsReadBack(t, db, events)
	// Writing goes on with the stored dictionary, not a new one.
	events = append(events, storetest.WriteManyEvents(t, db, p.ID, 100)...)
	if err := db.QueryRowForTest(ctx, `SELECT count(*) FROM event_dicts WHERE project_id = ?`, []any{p.ID}, &dicts); err != nil || dicts != 1 {
		t.Errorf("%d dictionaries after a restart (%v), want 1", dicts, err)
	}
	storetest.CheckEventsReadBack(t, db, events)
}

// TestDictionaryNotSaved: a dictionary that cannot be saved is logged and
// costs no event.
func TestDictionaryNotSaved(t *testing.T) {
	logs := &storetest.LogBuffer{}
	db := mustOpen(t, sqlite.WithMigrate(), sqlite.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	if err := db.ExecForTest(context.Background(), `CREATE TRIGGER no_dicts BEFORE INSERT ON event_dicts
		BEGIN SELECT RAISE(ABORT, 'no dictionaries today'); END`); err != nil {
		t.Fatal(err)
	}
	storetest.DictionaryNotSaved(t, db, logs)
}
