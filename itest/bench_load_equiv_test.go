package itest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
)

// TestBenchLoadMatchesWriter shows that BenchmarkIssueListing's bulk loader
// (loadBulk) leaves every table the listing and search read (issues, issue_tags,
// issue_text, issue_hourly, stats_hourly, issue_fingerprints, alerts, and the
// events' columns other than their bodies) exactly as writing every event
// through WriteEvents does (replayWriter, with the same events), on a small
// dataset, and that its event bodies read back.
func TestBenchLoadMatchesWriter(t *testing.T) {
	data := benchData{events: 3000, groups: 40, now: time.Date(2026, 12, 5, 9, 30, 0, 123456789, time.UTC)}
	forEachDB(t, func(t *testing.T, db DB) {
		ref, bulk := db, db
		if db.Name == "postgres" {
			bulk.PostgresURL = pgtest.URL(t)
		}
		dir := t.TempDir()
		refPath, bulkPath := filepath.Join(dir, "ref.db"), filepath.Join(dir, "bulk.db")
		bulkID := data.loadBulk(t, bulk, bulkPath)
		refID := data.replayWriter(t, ref, refPath, bulk, bulkPath)
		if refID != bulkID {
			t.Fatalf("project id %d, want %d", bulkID, refID)
		}
		want, got := dumpBench(t, ref, refPath), dumpBench(t, bulk, bulkPath)
		for table, w := range want {
			g := got[table]
			if len(w) == 0 {
				t.Errorf("%s: the writer left no rows", table)
			}
			if len(g) != len(w) {
				t.Errorf("%s: %d rows, want %d", table, len(g), len(w))
			}
			for i := range min(len(g), len(w)) {
				if g[i] != w[i] {
					t.Errorf("%s row %d:\n got %s\nwant %s", table, i, g[i], w[i])
					break
				}
			}
		}
		// A bulk event's body reads back through the store.
		ctx := context.Background()
		st, err := data.openStore(ctx, bulk, bulkPath)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		id := fmt.Sprintf("%016x%016x", uint64(bulkID), uint64(data.events))
		e, err := st.FindEventByID(ctx, bulkID, id)
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Payload) != bulkPayload {
			t.Errorf("event %s payload %s", id, e.Payload)
		}
	})
}

// benchTables are the rows compared, in a stable order.
var benchTables = map[string]string{
	"issues": `SELECT id, project_id, fingerprint, title, culprit, level, platform, status, first_seen, last_seen, count,
		resolved_at, ignore_until, ignore_count, last_event_id, environment, release, created_at FROM issues ORDER BY id`,
	"issue_tags":         `SELECT issue_id, key, value, project_id, count, last_seen FROM issue_tags ORDER BY issue_id, key, value`,
	"issue_text":         `SELECT issue_id, text FROM issue_text ORDER BY issue_id`,
	"issue_hourly":       `SELECT issue_id, hour, count FROM issue_hourly ORDER BY issue_id, hour`,
	"stats_hourly":       `SELECT project_id, hour, accepted, rejected, rate_limited, stored FROM stats_hourly ORDER BY project_id, hour`,
	"issue_fingerprints": `SELECT project_id, hash, issue_id, created_at, config FROM issue_fingerprints ORDER BY project_id, hash`,
	"alerts":             `SELECT id, project_id, issue_id, kind, event_id, created_at FROM alerts ORDER BY id`,
	"events":             `SELECT ` + eventCols[:strings.LastIndex(eventCols, ",")] + ` FROM events ORDER BY project_id, event_id`,
}

// dumpBench reads benchTables as text rows.
func dumpBench(t *testing.T, db DB, path string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	if db.Name == "postgres" {
		conn, err := pgx.Connect(ctx, db.PostgresURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for table, q := range benchTables {
			rows, err := conn.Query(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					t.Fatal(err)
				}
				out[table] = append(out[table], fmt.Sprint(vals...))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	sdb, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	for table, q := range benchTables {
		rows, err := sdb.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], fmt.Sprintf("%q", vals))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}
