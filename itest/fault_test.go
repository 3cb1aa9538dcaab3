package itest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/core/sqlite"
)

// The fault-injection suite (issue 10): the real binary under load from a
// client that records every acknowledged event id, and a fault: kill -9, a
// full disk, bad text in events. Each test checks that no acknowledged
// event is lost.

// TestFaultKill9LosesNothingAcknowledged: kill -9 at full load with the
// default configuration loses no event answered 200 (issue 10.7: 205 on
// SQLite and 7,011 on Postgres with the former default, ack: accepted).
func TestFaultKill9LosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		// FAULT_KILL9_CONFIG (e.g. "ingest: {ack: accepted}") shows what
		// another configuration loses; unset, the defaults are tested.
		s := StartServer(t, db, os.Getenv("FAULT_KILL9_CONFIG"))
		p := s.CreateProject("kill9")
		lc := startLoad(s, p, 16, cleanPayload)
		WaitFor(t, 20*time.Second, "load", func() bool { return len(lc.Acked()) >= 500 })
		time.Sleep(time.Second) // at full load
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-s.exited
		lc.Stop()
		acked := lc.Acked()
		t.Logf("%d events answered 200 before kill -9; answers %v", len(acked), lc.Statuses())
		// With ack: spooled (the default) an acknowledged event may be in
		// the spool only: the restart stores it before it is ready.
		s.Start()
		checkAllStored(t, s, db, p.ID, acked)
	})
}

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory and unmounts
// it in Cleanup. It needs root: otherwise the test is skipped, loudly, or
// fails when CI is set (CI must run it).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the disk-full test must run in CI: it mounts a tmpfs and needs root")
		}
		t.Skip("SKIPPED: the disk-full test mounts a tmpfs and needs root; run the itest as root (CI does)")
	}
	// Not t.TempDir: its parent is private to root, and a Postgres
	// tablespace in the tmpfs is used by the postgres user.
	dir, err := os.MkdirTemp("", "periscope-itest-tmpfs-")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		os.Remove(dir)
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
			return
		}
		os.Remove(dir)
	})
	return dir
}

// keepDiskFull fills the filesystem of dir with a file and keeps it full,
// as another process filling the disk would: whatever space is freed (the
// server cutting its WAL) is taken again within milliseconds. The returned
// func stops and deletes the file, freeing the space.
func keepDiskFull(t *testing.T, dir string) (free func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 16<<10)
	write := func() error {
		for {
			if _, err := f.Write(chunk); err != nil {
				if errors.Is(err, syscall.ENOSPC) {
					return nil
				}
				return err
			}
		}
	}
	if err := write(); err != nil { // full when keepDiskFull returns
		t.Fatalf("fill disk: %v", err)
	}
	stop, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			case <-time.After(2 * time.Millisecond):
			}
			if err := write(); err != nil {
				done <- err
				return
			}
		}
	}()
	var once sync.Once
	free = func() {
		once.Do(func() {
			close(stop)
			if err := <-done; err != nil {
				t.Errorf("fill disk: %v", err)
			}
			f.Close()
			if err := os.Remove(path); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(free)
	return free
}

// TestFaultDiskFullLosesNothing: with the SQLite file on a small tmpfs
// that fills up under load, no acknowledged event is lost (issue 10.3:
// 146 lost with ack: committed, 22,608 with accepted); while full, events
// are refused with 503 (or 429) and Retry-After, never 500, and /readyz is
// not ready (10.9); once space is freed, the server resumes by itself.
// TestFaultPostgresDiskFullLosesNothing is the same on Postgres.
func TestFaultDiskFullLosesNothing(t *testing.T) {
	t.Parallel()
	forEachAck(t, func(t *testing.T, config string) {
		mnt := mountTmpfs(t, 24<<20)
		path := filepath.Join(mnt, "periscope.db")
		s := NewServer(t, DB{Name: "sqlite"}, config+"database:\n  sqlite:\n    path: "+path+"\n")
		s.Start()
		p, acked := fillDiskUnderLoad(t, s, mnt)
		store, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		checkStoredIn(t, store, p.ID, acked)
	})
}

// forEachAck runs fn with the config text of each ingest.ack mode: with
// "accepted", the events answered 200 are still queued when the disk fills
// and must be stored once it has room.
func forEachAck(t *testing.T, fn func(t *testing.T, config string)) {
	for _, ack := range []string{"spooled", "committed", "accepted"} {
		t.Run(ack, func(t *testing.T) { fn(t, "ingest:\n  ack: "+ack+"\n") })
	}
}

// fillDiskUnderLoad puts server s, whose database is on the filesystem
// mounted at mnt, under load, fills the disk and keeps it full until the
// server refuses events and reports not-ready, frees the space, and waits
// until the server takes events again. It stops the load and the server
// and returns the project and the events acknowledged.
func fillDiskUnderLoad(t *testing.T, s *Server, mnt string) (*Project, []string) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", tail(s.Logs(), 40))
		}
	})
	p := s.CreateProject("full")
	lc := startLoad(s, p, 8, cleanPayload)
	WaitFor(t, 20*time.Second, "load", func() bool { return len(lc.Acked()) >= 300 })
	t.Logf("loaded: %s", diskState(mnt))
	freeDisk := keepDiskFull(t, mnt)
	t.Logf("filled: %s", diskState(mnt))
	WaitFor(t, 30*time.Second, "/readyz to report the full disk", func() bool { return readyStatus(s) == 503 })
	before := lc.Statuses()
	WaitFor(t, 20*time.Second, "refusals while the disk is full", func() bool {
		st := lc.Statuses()
		return st[503]+st[429] > before[503]+before[429]+20
	})
	time.Sleep(time.Second)
	if got := readyStatus(s); got != 503 {
		t.Errorf("/readyz while full: %d, want 503", got)
	}
	ackedWhileFull := len(lc.Acked())
	t.Logf("refusing: %s", diskState(mnt))
	freeDisk()
	t.Logf("freed: %s", diskState(mnt))
	WaitFor(t, 30*time.Second, "/readyz after space returned", func() bool { return readyStatus(s) == 200 })
	t.Logf("ready again: %s", diskState(mnt))
	WaitFor(t, 30*time.Second, "events accepted again", func() bool { return len(lc.Acked()) > ackedWhileFull+100 })
	lc.StopAndCheckRefusals(t)
	// A full disk is not the events' fault: none may end as rejected.
	var stats struct {
		Pipeline map[string]int64 `json:"pipeline"`
	}
	s.Do("GET", "/api/admin/stats", nil, &stats)
	if r := stats.Pipeline["rejected"]; r != 0 {
		t.Errorf("%d events kept as rejected, want 0: the full disk was blamed on the events", r)
	}
	s.Stop()
	if s.exitErr != nil {
		t.Fatalf("exit: %v\n%s", s.exitErr, s.Logs())
	}
	// Whichever filled first, the spool or the database (in spooled mode
	// both live on the small disk, and which one the disk refuses first is
	// a matter of timing), the log says that it stopped and that it
	// resumed.
	logs := s.Logs()
	stopped := false
	for _, w := range []struct{ stop, resume string }{
		{"the database cannot write", "the database writes again"},
		{"the spool cannot be written", "the spool writes again"},
	} {
		if strings.Contains(logs, w.stop) {
			stopped = true
			if !strings.Contains(logs, w.resume) {
				t.Errorf("the log says %q but never %q:\n%s", w.stop, w.resume, tail(logs, 20))
			}
		}
	}
	if !stopped {
		t.Errorf("the log never says that the database or the spool could not write:\n%s", tail(logs, 20))
	}
	return p, lc.Acked()
}

// diskState describes the filesystem at dir: its free bytes and the size of
// each file in it, for the log of the disk-full test.
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

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// badTextPayload is cleanPayload with, for one event in five, NUL and
// invalid UTF-8 in the message, tags, exception value and a frame function.
func badTextPayload(id string, n int64) string { return badTextEvery(5)(id, n) }

// badTextEvery returns a payload func giving one event in k bad text, as
// badTextPayload does, and clean events otherwise.
func badTextEvery(k int64) func(id string, n int64) string {
	return func(id string, n int64) string {
		if n%k != 0 {
			return cleanPayload(id, n)
		}
		return badText(id, n)
	}
}

// badText is an event with NUL and invalid UTF-8 in its message, tags,
// exception value and a frame function.
func badText(id string, n int64) string {
	s := fmt.Sprintf(`{"event_id":%q,"level":"error","platform":"go","message":"order %d a\u0000b \xff\xfe",`+
		`"tags":{"route":"/api/\xc3\x28","nul":"a\u0000b"},"exception":[{"type":"E%d","value":"payment a\u0000b \xe2\x82 failed",`+
		`"stacktrace":{"frames":[{"function":"main\xff\u0000","module":"main","in_app":true}]}}]}`, id, n, n%50)
	// The \xHH above are written out as text: make them the bytes.
	return rawBytes.Replace(s)
}

var rawBytes = strings.NewReplacer(`\xff`, "\xff", `\xfe`, "\xfe", `\xc3`, "\xc3", `\x28`, "\x28", `\xe2`, "\xe2", `\x82`, "\x82")

// TestFaultBadTextUnderLoad: events holding NUL and invalid UTF-8 (one in
// five) are all stored, none rejected, and cost the database nothing extra
// (issue 10.4: on Postgres one such event made the whole batch fail, and
// the writer retried its 500 events one transaction each, which cut
// stored events by 93%). The cause is asserted, not the speed: in a clean
// run and in a bad-text run alike, every batch is written in exactly one
// transaction, with no retry and no bisection (a refused batch is split,
// which adds transactions), so bad text costs no transaction per event
// more than clean text. The stored/s of the two runs is measured by
// BenchmarkBadTextThroughput.
func TestFaultBadTextUnderLoad(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		// run sends events from payload under load until at least 300 are
		// acknowledged (the count, not the time, makes the run telling:
		// a busy machine acknowledges fewer per second) and returns the ids
		// acknowledged and what the pipeline did meanwhile.
		run := func(name string, payload func(string, int64) string) (*Project, []string, map[string]int64) {
			p := s.CreateProject(name)
			before := quietPipeline(t, s)
			lc := startLoad(s, p, 8, payload)
			start := time.Now()
			WaitFor(t, 2*time.Minute, name+": 300 events acknowledged", func() bool { return len(lc.Acked()) >= 300 })
			lc.Stop()
			after := quietPipeline(t, s)
			acked := lc.Acked()
			delta := map[string]int64{}
			for k, v := range after {
				delta[k] = v - before[k]
			}
			t.Logf("%s: %d acknowledged in %v, answers %v; pipeline %v; %.1f events per transaction",
				name, len(acked), time.Since(start).Round(time.Millisecond), lc.Statuses(), delta, float64(delta["stored"])/float64(max(delta["transactions"], 1)))
			if delta["transactions"] != delta["batches"] || delta["write_retries"] != 0 || delta["rejected"] != 0 {
				t.Errorf("%s: %d transactions for %d batches, %d retries, %d rejected: want one transaction per batch, no retry, none rejected",
					name, delta["transactions"], delta["batches"], delta["write_retries"], delta["rejected"])
			}
			checkAllStored(t, s, db, p.ID, acked)
			return p, acked, delta
		}
		run("clean", cleanPayload)
		p, acked, delta := run("bad-text", badTextPayload)
		if delta["stored"] < int64(len(acked)) {
			t.Errorf("bad-text: %d stored, fewer than the %d acknowledged", delta["stored"], len(acked))
		}
		// A stored bad-text event is served as valid JSON with valid text
		// (issue 10.5: SQLite served the bytes as sent).
		var checked int
		for _, id := range acked {
			if n, _ := strconv.ParseInt(id, 16, 64); n%5 != 0 {
				continue
			}
			var ev struct {
				Title string `json:"title"`
			}
			if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/events/%s", p.ID, id), nil, &ev); code != 200 {
				t.Fatalf("bad-text event %s: status %d", id, code)
			}
			if !utf8.ValidString(ev.Title) || strings.ContainsRune(ev.Title, 0) {
				t.Errorf("bad-text event %s: title %q is not valid text", id, ev.Title)
			}
			if checked++; checked == 3 {
				break
			}
		}
		if checked == 0 {
			t.Errorf("no bad-text event was acknowledged")
		}
	})
}

// quietPipeline waits until the pipeline of s has written every event it
// processed and returns its counters (/api/admin/stats "pipeline").
func quietPipeline(t testing.TB, s *Server) map[string]int64 {
	t.Helper()
	var stats struct {
		Pipeline map[string]int64 `json:"pipeline"`
	}
	WaitFor(t, 30*time.Second, "the pipeline to finish writing", func() bool {
		stats.Pipeline = nil
		s.Do("GET", "/api/admin/stats", nil, &stats)
		p := stats.Pipeline
		return p != nil && p["queued"] == 0 && p["processed"] == p["stored"]+p["duplicates"]+p["rejected"]
	})
	return stats.Pipeline
}
