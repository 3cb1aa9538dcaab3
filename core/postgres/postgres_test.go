package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
	"github.com/periscope-hq/periscope/core/storetest"
	"github.com/periscope-hq/periscope/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// mustOpen opens a store on url and closes it at the end of the test.
func mustOpen(tb testing.TB, url string, opts ...postgres.Option) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), url, opts...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestStore runs the conformance suite, each test on a copy of one
// database migrated once (migrating an empty database per test took most
// of the suite's time); WithMigrate then finds nothing to do.
func TestStore(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) core.Store {
		return mustOpen(tb, pgtest.URLFromTemplate(tb, "migrated", migrate), postgres.WithMigrate())
	})
}

// migrate migrates the database at url to the latest schema.
func migrate(url string) error {
	db, err := postgres.Open(context.Background(), url, postgres.WithMigrate())
	if err != nil {
		return err
	}
	db.Close()
	return nil
}

func TestSchemaTooNewIsRefused(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := mustOpen(t, url, postgres.WithMigrate())
	latest := migrations.Latest(migrations.Postgres)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', now())`, latest+3); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(ctx, url)
	var tn *migrations.TooNewError
	if !errors.As(err, &tn) || tn.Database != latest+3 || tn.Binary != latest {
		t.Fatalf("Open on a newer schema: %v, want a TooNewError naming %d and %d", err, latest+3, latest)
	}
	if !strings.Contains(err.Error(), "version") || core.ErrorCode(err) != core.ECONFLICT {
		t.Errorf("error %q (code %s)", err, core.ErrorCode(err))
	}
	if err := db.Migrate(ctx); !errors.As(err, &tn) {
		t.Errorf("Migrate on a newer schema: %v, want a TooNewError", err)
	}
}

func TestPendingMigrations(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, pgtest.URL(t))
	var pe *migrations.PendingError
	if err := db.Ping(ctx); !errors.As(err, &pe) || pe.Database != 0 {
		t.Fatalf("Ping before migrating: %v, want a PendingError at version 0", err)
	}
	if pending, err := db.Pending(ctx); err != nil || len(pending) != countMigrations(t) {
		t.Fatalf("Pending = %v, %v; want every migration", pending, err)
	}
	// Several nodes starting at once migrate once.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after Migrate: %v", err)
	}
	if v, bin, err := db.SchemaVersion(ctx); err != nil || v != bin {
		t.Fatalf("SchemaVersion = %d, %d, %v", v, bin, err)
	}
}

func TestUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open on a closed port: got nil error")
	}
}

func TestPingAfterCloseFails(t *testing.T) {
	db, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.Ping(context.Background()); err == nil {
		t.Fatal("Ping after Close: got nil error")
	}
}

func BenchmarkWriteEvents(b *testing.B) {
	storetest.BenchmarkWriteEvents(b, mustOpen(b, pgtest.URL(b), postgres.WithMigrate()))
}

// countMigrations is how many migration files the binary embeds (versions
// may have gaps, so it can be below the latest version).
func countMigrations(t *testing.T) int {
	t.Helper()
	ms, err := migrations.List(migrations.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func TestTagCountsFlush(t *testing.T) {
	url := pgtest.URL(t)
	storetest.TagCountsFlush(t, func(tb testing.TB, clock core.Clock) core.Store {
		return mustOpen(tb, url, postgres.WithMigrate(), postgres.WithClock(clock))
	})
}
