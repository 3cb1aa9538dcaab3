package postgres_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
	"github.com/periscope-hq/periscope/core/storetest"
)

// TestReadOnlyDatabaseIsUnavailable: a write the database refuses because it
// cannot write (here: read-only, SQLSTATE 25006; a full disk is 53100) is an
// EUNAVAILABLE error, so the pipeline keeps the events instead of storing
// them as rejected; a write to an unreachable server is one too (issue 10.3).
func TestReadOnlyDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := mustOpen(t, u, postgres.WithMigrate())
	p := storetest.MustCreateProject(t, db, "ro")
	if err := db.ProbeWrite(ctx); err != nil {
		t.Fatalf("ProbeWrite on a writable database: %v", err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pu, _ := url.Parse(u)
	name := strings.TrimPrefix(pu.Path, "/")
	if _, err := conn.Exec(ctx, `ALTER DATABASE "`+name+`" SET default_transaction_read_only = on`); err != nil {
		t.Fatal(err)
	}
	ro := mustOpen(t, u) // new connections are read-only
	_, err = ro.WriteEvents(ctx, []*core.EventWrite{{Event: storetest.NewEvent(p.ID, "ro")}})
	if core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("WriteEvents on a read-only database: %v, want EUNAVAILABLE", err)
	}
	err = ro.WriteRejected(ctx, &core.RejectedEvent{ProjectID: p.ID, EventID: storetest.NewEventID(), Reason: "invalid event data: x"})
	if core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("WriteRejected on a read-only database: %v, want EUNAVAILABLE", err)
	}
	if err := ro.ProbeWrite(ctx); core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("ProbeWrite on a read-only database: %v, want EUNAVAILABLE", err)
	}
	ro.Close()
	_, err = ro.WriteEvents(ctx, []*core.EventWrite{{Event: storetest.NewEvent(p.ID, "ro")}})
	if core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("WriteEvents on a closed pool: %v, want EUNAVAILABLE", err)
	}
	// A refusal of the data stays what it was.
	if _, err := conn.Exec(ctx, `ALTER DATABASE "`+name+`" RESET default_transaction_read_only`); err != nil {
		t.Fatal(err)
	}
	_, err = db.WriteEvents(ctx, []*core.EventWrite{{Event: storetest.NewEvent(p.ID+1000, "ro")}})
	if core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("WriteEvents for an unknown project: %v, want ENOTFOUND", err)
	}
}
