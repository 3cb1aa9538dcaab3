package sqlite_test

import (
	"context"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/storetest"
)

// TestFullDatabaseIsUnavailable: a write that fails because the database
// cannot grow (SQLITE_FULL, as on a full disk) is an EUNAVAILABLE error, not
// a refusal of the data, for events and rejected events alike; once there is
// room again the same writes succeed (issue 10.3).
func TestFullDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, sqlite.WithMigrate())
	p := storetest.MustCreateProject(t, db, "full")
	cur, err := db.LimitPagesForTest(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LimitPagesForTest(ctx, cur); err != nil {
		t.Fatal(err)
	}
	var batch []*core.EventWrite
	for range 200 {
		batch = append(batch, &core.EventWrite{Event: storetest.NewEvent(p.ID, "full")})
	}
	_, err = db.WriteEvents(ctx, batch)
	if core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("WriteEvents on a full database: %v, want EUNAVAILABLE", err)
	}
	r := &core.RejectedEvent{ProjectID: p.ID, EventID: storetest.NewEventID(), Reason: "invalid event data: x", Payload: make([]byte, 64<<10)}
	for i := range r.Payload {
		r.Payload[i] = byte(i * 7919 >> 3) // incompressible enough to need pages
	}
	if err := db.WriteRejected(ctx, r); core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("WriteRejected on a full database: %v, want EUNAVAILABLE", err)
	}
	if _, err := db.LimitPagesForTest(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	if _, err := db.WriteEvents(ctx, batch); err != nil {
		t.Fatalf("WriteEvents once there is room: %v", err)
	}
}
