package itest

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/periscope-hq/periscope/core"
)

// TestFaultSpoolReplaysAfterKill9: in the default mode (ingest.ack:
// spooled) an event answered 200 is on disk in the spool even when the
// database has not got it. The database is blocked (SQLite: another
// connection holds the write lock; Postgres: the events table is locked),
// events keep being acknowledged, the server is killed with -9: the
// acknowledged events are not in the database, and the restarted server
// stores every one of them from the spool before it serves, each counted
// once on its issue (issue 10.7).
func TestFaultSpoolReplaysAfterKill9(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("spool")
		lc := startLoad(s, p, 8, cleanPayload)
		WaitFor(t, 20*time.Second, "load", func() bool { return len(lc.Acked()) >= 300 })

		release := blockWrites(t, s, db)
		blockedAt := len(lc.Acked())
		// What the writer had in flight may still commit; past that,
		// every 200 comes from the spool alone.
		WaitFor(t, 20*time.Second, "events acknowledged while the database is blocked", func() bool {
			return len(lc.Acked()) >= blockedAt+500
		})
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-s.exited
		lc.Stop()
		acked := lc.Acked()
		t.Logf("%d events answered 200 (%d while the database was blocked); answers %v", len(acked), len(acked)-blockedAt, lc.Statuses())
		release()

		store := openStoreOf(t, s, db)
		missing := 0
		for _, id := range acked {
			if _, err := store.FindEventByID(context.Background(), p.ID, id); err != nil {
				missing++
			}
		}
		t.Logf("after kill -9: %d acknowledged events not in the database", missing)
		if missing == 0 {
			t.Fatal("every acknowledged event reached the database before kill -9: the test did not exercise the spool's replay")
		}

		s.Start() // ready only once the spool is replayed
		if !strings.Contains(s.Logs(), "spool: replayed") {
			t.Errorf("the restarted server does not say it replayed the spool:\n%s", tail(s.Logs(), 20))
		}
		checkStoredIn(t, store, p.ID, acked)
		checkIssueCounts(t, store, p.ID)
		s.Stop()
		if s.exitErr != nil {
			t.Fatalf("exit: %v\n%s", s.exitErr, s.Logs())
		}
		// A clean stop leaves nothing to replay.
		if segs, _ := filepath.Glob(filepath.Join(s.Dir, "data", "spool", "*.spool")); len(segs) != 0 {
			t.Errorf("spool segments left after a clean stop: %v", segs)
		}
	})
}

// blockWrites stops the server's database writes until release is called:
// on SQLite a connection of the test holds the write lock (the writer waits
// for it, then retries), on Postgres a transaction holds an EXCLUSIVE lock
// on the events table (inserts wait).
func blockWrites(t *testing.T, s *Server, db DB) (release func()) {
	t.Helper()
	ctx := context.Background()
	if db.Name == "postgres" {
		conn, err := pgx.Connect(ctx, db.PostgresURL)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE events IN EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}
		return func() { tx.Rollback(ctx); conn.Close(ctx) }
	}
	raw, err := sql.Open("sqlite", filepath.Join(s.Dir, "data", "periscope.db")+"?_pragma=busy_timeout(20000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	return func() { conn.ExecContext(ctx, `ROLLBACK`); conn.Close(); raw.Close() }
}

// checkIssueCounts fails t when an issue of the project counts other than
// the events stored for it: a replayed event must not be counted twice.
func checkIssueCounts(t *testing.T, store core.Store, projectID int64) {
	t.Helper()
	ctx := context.Background()
	issues, _, err := store.FindIssues(ctx, core.IssueFilter{ProjectID: projectID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, is := range issues {
		var n int64
		cursor := ""
		for {
			evs, next, err := store.FindEvents(ctx, core.EventFilter{IssueID: is.ID, Limit: 500, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			n += int64(len(evs))
			if next == "" {
				break
			}
			cursor = next
		}
		if n != is.Count {
			t.Errorf("issue %d counts %d events, %d are stored", is.ID, is.Count, n)
		}
		total += n
	}
	t.Logf("%d issues, %d events, each counted once", len(issues), total)
}

// TestFaultSpoolDiskFull: the spool on its own small filesystem (a tmpfs,
// mounted when running as root) fills up under load: events are refused
// with 503 and Retry-After, never 500, nothing acknowledged is lost, and
// once space is freed the server accepts again by itself (issue 10.7 with
// 10.3's rules for a full disk).
func TestFaultSpoolDiskFull(t *testing.T) {
	t.Parallel()
	mnt := mountTmpfs(t, 2<<20)
	s := NewServer(t, DB{Name: "sqlite"}, "ingest:\n  spool_dir: "+mnt+"\n")
	s.Start()
	p := s.CreateProject("spoolfull")
	lc := startLoad(s, p, 8, cleanPayload)
	WaitFor(t, 20*time.Second, "load", func() bool { return len(lc.Acked()) >= 200 })
	free := keepDiskFull(t, mnt)
	before := lc.Statuses()
	WaitFor(t, 20*time.Second, "503s while the spool's disk is full", func() bool {
		return lc.Statuses()[503] > before[503]+20
	})
	if got := readyStatus(s); got != 503 {
		t.Errorf("/readyz while the spool's disk is full: %d, want 503", got)
	}
	ackedWhileFull := len(lc.Acked())
	free()
	WaitFor(t, 30*time.Second, "/readyz after space returned", func() bool { return readyStatus(s) == 200 })
	WaitFor(t, 30*time.Second, "events accepted again", func() bool { return len(lc.Acked()) > ackedWhileFull+200 })
	lc.StopAndCheckRefusals(t)
	if !strings.Contains(s.Logs(), "the spool cannot be written") {
		t.Errorf("the log does not say the spool could not be written:\n%s", tail(s.Logs(), 20))
	}
	s.Stop()
	if s.exitErr != nil {
		t.Fatalf("exit: %v\n%s", s.exitErr, s.Logs())
	}
	checkAllStored(t, s, DB{Name: "sqlite"}, p.ID, lc.Acked())
}
