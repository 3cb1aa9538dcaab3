package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory, unmounted
// in Cleanup. It needs root: otherwise the test is skipped, loudly, or fails
// when CI is set.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("this test must run in CI: it mounts a tmpfs and needs root")
		}
		t.Skip("SKIPPED: this test mounts a tmpfs and needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes path until its filesystem is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 16<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

// diskState is the free space of dir and the size of each file in it.
func diskState(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return err.Error()
	}
	out := fmt.Sprintf("free %d KiB", st.Bavail*uint64(st.Bsize)>>10)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			out += fmt.Sprintf(", %s %d KiB", e.Name(), info.Size()>>10)
		}
	}
	return out
}

// TestFullDiskWALDoesNotHoldTheDisk: when the WAL has filled the disk, the
// store must free that space by itself (issue 10.3: "after space was freed
// the WAL filled it again and writing never resumed"). Copying the WAL into
// the database file needs room for the database file to grow, which a full
// disk does not have, so nothing would ever cut the WAL; the store keeps
// that room in reserve. A reader holding its snapshot makes the WAL grow
// (no checkpoint can pass it) until the disk is full; once the reader is
// done, the failed batch must fit again. Then, with the disk full of
// something else, writes fail with EUNAVAILABLE until space is freed, and
// then succeed without reopening the store. Nothing committed is lost.
func TestFullDiskWALDoesNotHoldTheDisk(t *testing.T) {
	ctx := context.Background()
	// The disk holds the empty database, the 4 MiB reserve and less than
	// 4 MiB of WAL, so the reserve covers every page the WAL adds.
	dir := mountTmpfs(t, 8<<20)
	path := filepath.Join(dir, "periscope.db")
	db := mustOpenPath(t, path, sqlite.WithMigrate())
	p := storetest.MustCreateProject(t, db, "full")
	stored := 0
	batchOf := func(n int) []*core.EventWrite {
		var b []*core.EventWrite
		for i := range n {
			b = append(b, &core.EventWrite{Event: storetest.NewEvent(p.ID, fmt.Sprintf("h%d", i%20))})
		}
		return b
	}

	reader, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	pin, err := reader.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if _, err := pin.ExecContext(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	if err := pin.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var b []*core.EventWrite
	for round := 0; ; round++ {
		if round > 1000 {
			t.Fatalf("the disk never filled: %s", diskState(dir))
		}
		b = batchOf(20)
		if _, err = db.WriteEvents(ctx, b); err != nil {
			break
		}
		stored += len(b)
	}
	if core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("write on a full disk: %v, want EUNAVAILABLE", err)
	}
	t.Logf("full of WAL after %d events: %s", stored, diskState(dir))
	if _, err := pin.ExecContext(ctx, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	pin.Close()
	// The pipeline retries the same batch, with backoff.
	for retry := 0; ; retry++ {
		if _, err = db.WriteEvents(ctx, b); err == nil {
			break
		}
		if retry == 5 {
			t.Fatalf("the WAL keeps the disk full: the failed batch never fits again: %v; %s", err, diskState(dir))
		}
		time.Sleep(100 * time.Millisecond)
	}
	stored += len(b)
	t.Logf("the WAL freed the disk: %s", diskState(dir))

	// Now the disk is full of something else.
	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	// Small events compress to a few bytes and may still fit in pages the
	// WAL already has; incompressible ones need new pages, which the disk
	// no longer has. Writing goes on until a batch needs them.
	bigBatchOf := func(n int) []*core.EventWrite {
		b := batchOf(n)
		for _, w := range b {
			noise := make([]byte, 16<<10)
			rand.Read(noise)
			w.Event.Payload = json.RawMessage(`"` + hex.EncodeToString(noise) + `"`)
		}
		return b
	}
	for round := 0; ; round++ {
		if round > 1000 {
			t.Fatalf("writes never failed on a disk full of a filler: %s", diskState(dir))
		}
		b = bigBatchOf(20)
		if _, err = db.WriteEvents(ctx, b); err != nil {
			break
		}
		stored += len(b)
	}
	if core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("write on a disk full of a filler: %v, want EUNAVAILABLE; %s", err, diskState(dir))
	}
	for range 3 {
		if _, err := db.WriteEvents(ctx, b); core.ErrorCode(err) != core.EUNAVAILABLE {
			t.Fatalf("write on a disk full of a filler: %v, want EUNAVAILABLE; %s", err, diskState(dir))
		}
		fill(t, filler) // whatever the store freed is taken too
	}
	if err := db.ProbeWrite(ctx); core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("ProbeWrite on a full disk: %v, want EUNAVAILABLE", err)
	}
	t.Logf("full of a filler: %s", diskState(dir))
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := db.ProbeWrite(ctx); err != nil {
		t.Fatalf("ProbeWrite once space is freed: %v; %s", err, diskState(dir))
	}
	if _, err := db.WriteEvents(ctx, b); err != nil {
		t.Fatalf("write once space is freed: %v; %s", err, diskState(dir))
	}
	stored += len(b)
	t.Logf("resumed: %s", diskState(dir))
	if n, err = db.CountEventsForTest(ctx); err != nil {
		t.Fatal(err)
	}
	if n != stored {
		t.Fatalf("%d events stored, want %d", n, stored)
	}
}
