package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/storetest"
	"github.com/periscope-hq/periscope/migrations"
)

// mustOpen opens a database file in a fresh temp dir (a nested one, to
// check that Open creates it) and closes it at the end of the test.
func mustOpen(tb testing.TB, opts ...sqlite.Option) *sqlite.DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "data", "periscope.db"), opts...)
}

func mustOpenPath(tb testing.TB, path string, opts ...sqlite.Option) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path, opts...)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// TestStore runs the conformance suite, each test on a copy of one
// database migrated once (migrating a new file per test took most of the
// suite's time); WithMigrate then finds nothing to do.
func TestStore(t *testing.T) {
	template := filepath.Join(t.TempDir(), "migrated.db")
	db, err := sqlite.Open(context.Background(), template, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(tb testing.TB) core.Store {
		path := filepath.Join(tb.TempDir(), "data", "periscope.db")
		copyDatabase(tb, template, path)
		return mustOpenPath(tb, path, sqlite.WithMigrate())
	})
}

// copyDatabase copies the closed database file from (and its WAL, if one
// was left) to the path to, creating its folder.
func copyDatabase(tb testing.TB, from, to string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		tb.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(from + suffix)
		if suffix != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, data, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := sqlite.Open(ctx, path, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	p := storetest.MustCreateProject(t, db, "web")
	res := storetest.MustWrite(t, db, storetest.NewEvent(p.ID, "aaaa"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpenPath(t, path)
	got, err := db.FindProjectByID(ctx, p.ID)
	if err != nil || got.Keys[0].PublicKey != p.Keys[0].PublicKey {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	// The fingerprint cache starts empty: the lookup must find the issue.
	r := storetest.MustWrite(t, db, storetest.NewEvent(p.ID, "aaaa"))[0]
	if r.IssueID != res[0].IssueID || r.NewIssue {
		t.Fatalf("after reopen, same hash: %+v, want issue %d", r, res[0].IssueID)
	}
}

func TestSchemaTooNewIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := sqlite.Open(ctx, path, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	latest := migrations.Latest(migrations.SQLite)
	if err := db.ForceSchemaVersionForTest(ctx, latest+3); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlite.Open(ctx, path)
	var tn *migrations.TooNewError
	if !errors.As(err, &tn) || tn.Database != latest+3 || tn.Binary != latest {
		t.Fatalf("Open on a newer schema: %v, want a TooNewError naming %d and %d", err, latest+3, latest)
	}
	if !strings.Contains(err.Error(), "version") || core.ErrorCode(err) != core.ECONFLICT {
		t.Errorf("error %q (code %s)", err, core.ErrorCode(err))
	}
	_, err = sqlite.Open(ctx, path, sqlite.WithMigrate())
	if !errors.As(err, &tn) {
		t.Fatalf("Open(WithMigrate) on a newer schema: %v, want a TooNewError", err)
	}
}

func TestPendingMigrations(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	var pe *migrations.PendingError
	if err := db.Ping(ctx); !errors.As(err, &pe) || pe.Database != 0 {
		t.Fatalf("Ping before migrating: %v, want a PendingError at version 0", err)
	}
	if v, bin, err := db.SchemaVersion(ctx); err != nil || v != 0 || bin != migrations.Latest(migrations.SQLite) {
		t.Fatalf("SchemaVersion = %d, %d, %v", v, bin, err)
	}
	if pending, err := db.Pending(ctx); err != nil || len(pending) != countMigrations(t) {
		t.Fatalf("Pending = %v, %v; want every migration", pending, err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after Migrate: %v", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if pending, err := db.Pending(ctx); err != nil || len(pending) != 0 {
		t.Fatalf("Pending after Migrate = %v, %v; want none", pending, err)
	}
	if v, _, _ := db.SchemaVersion(ctx); v != migrations.Latest(migrations.SQLite) {
		t.Fatalf("SchemaVersion after Migrate = %d", v)
	}
}

func TestOpenRejectsMemoryPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ":memory:"); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("Open(:memory:) = %v, want EINVALID", err)
	}
}

func TestPingAfterCloseFails(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.Ping(context.Background()); err == nil {
		t.Fatal("Ping after Close: got nil error")
	}
}

func BenchmarkWriteEvents(b *testing.B) {
	storetest.BenchmarkWriteEvents(b, mustOpen(b, sqlite.WithMigrate()))
}

// countMigrations is how many migration files the binary embeds (versions
// may have gaps, so it can be below the latest version).
func countMigrations(t *testing.T) int {
	t.Helper()
	ms, err := migrations.List(migrations.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func TestTagCountsFlush(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	storetest.TagCountsFlush(t, func(tb testing.TB, clock core.Clock) core.Store {
		return mustOpenPath(tb, path, sqlite.WithMigrate(), sqlite.WithClock(clock))
	})
}
