package itest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ownPostgres is a Postgres cluster of one test, which the test may stop
// and start (the shared pgtest cluster serves other tests).
type ownPostgres struct {
	t    *testing.T
	bin  string
	dir  string
	port int
	cred *syscall.Credential
	cmd  *exec.Cmd
	done chan struct{}
}

// startOwnPostgres initdb's a cluster in a temp dir and starts it.
func startOwnPostgres(t *testing.T) *ownPostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		} else {
			t.Fatalf("no initdb found: the Postgres outage test needs PostgreSQL installed")
		}
	}
	sort.Strings(bins)
	// Not t.TempDir: its parent is private to root, and the cluster runs as
	// the postgres user.
	dir, err := os.MkdirTemp("", "periscope-itest-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg := &ownPostgres{t: t, bin: filepath.Dir(bins[len(bins)-1]), dir: dir, port: freePort(t)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root without a postgres OS user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
		if err := os.Chown(pg.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	initdb := exec.Command(filepath.Join(pg.bin, "initdb"), "-D", filepath.Join(pg.dir, "data"), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.Start()
	t.Cleanup(pg.Stop)
	return pg
}

// URL is the connection URL of the cluster's postgres database.
func (pg *ownPostgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// Start runs the postmaster and waits until it accepts connections.
func (pg *ownPostgres) Start() {
	pg.t.Helper()
	pg.cmd = exec.Command(filepath.Join(pg.bin, "postgres"), "-D", filepath.Join(pg.dir, "data"), "-p", strconv.Itoa(pg.port),
		"-k", pg.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=100")
	pg.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	if err := pg.cmd.Start(); err != nil {
		pg.t.Fatal(err)
	}
	pg.done = make(chan struct{})
	go func() { pg.cmd.Wait(); close(pg.done) }()
	WaitFor(pg.t, 30*time.Second, "postgres to accept connections", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, pg.URL())
		if err != nil {
			return false
		}
		c.Close(ctx)
		return true
	})
}

// Stop shuts the postmaster down (fast: clients are disconnected).
func (pg *ownPostgres) Stop() {
	if pg.cmd == nil || pg.cmd.Process == nil {
		return
	}
	select {
	case <-pg.done:
		return
	default:
	}
	_ = pg.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-pg.done:
	case <-time.After(30 * time.Second):
		_ = pg.cmd.Process.Kill()
		<-pg.done
	}
}

// TestFaultPostgresOutageLosesNothing: Postgres stopped under load gives no
// 5xx other than 503 (with Retry-After) and loses no acknowledged event; the
// server resumes by itself when Postgres is back. The answers during the
// outage depend on ingestion serving known keys from its cache while the
// database is unreachable (issue 10.6). The outage lasts until the writer
// has retried at its longest backoff (5 s, reached after about 6 s): so
// the resumption tested is the one after the longest wait, as in a long
// outage, without a fixed sleep.
func TestFaultPostgresOutageLosesNothing(t *testing.T) {
	t.Parallel()
	pg := startOwnPostgres(t)
	db := DB{Name: "postgres", PostgresURL: pg.URL()}
	s := StartServer(t, db, "")
	p := s.CreateProject("outage")
	lc := startLoad(s, p, 8, cleanPayload)
	WaitFor(t, 20*time.Second, "load", func() bool { return len(lc.Acked()) >= 300 })
	pg.Stop()
	WaitFor(t, 20*time.Second, "/readyz to report the outage", func() bool { return readyStatus(s) == 503 })
	WaitFor(t, 60*time.Second, "the writer to retry after its longest backoff", func() bool {
		return strings.Contains(s.Logs(), "the database cannot write; keeping the batch and retrying") &&
			strings.Contains(s.Logs(), fmt.Sprintf("attempt=%d ", longestBackoffAttempt))
	})
	ackedDuringOutage := len(lc.Acked())
	pg.Start()
	WaitFor(t, 30*time.Second, "/readyz after Postgres is back", func() bool { return readyStatus(s) == 200 })
	WaitFor(t, 30*time.Second, "events accepted again", func() bool { return len(lc.Acked()) > ackedDuringOutage+100 })
	lc.StopAndCheckRefusals(t)
	s.Stop()
	checkAllStored(t, s, db, p.ID, lc.Acked())
}

// longestBackoffAttempt is the first write attempt the pipeline makes
// after waiting its longest backoff (core/pipeline's backoff: 50 ms
// doubling, capped at 5 s from the 8th wait on).
const longestBackoffAttempt = 9

// TestFaultPostgresDiskFullLosesNothing: TestFaultDiskFullLosesNothing on
// Postgres. The tables are in a tablespace on a small tmpfs (the
// database's default_tablespace; catalogs and Postgres's WAL stay on the
// ordinary disk), which fills under load: Postgres then refuses writes
// with SQLSTATE 53100 disk_full. No acknowledged event may be lost, events
// are refused with 503/429 while full, /readyz reports not-ready, and the
// server resumes by itself once space is freed.
func TestFaultPostgresDiskFullLosesNothing(t *testing.T) {
	t.Parallel()
	forEachAck(t, func(t *testing.T, config string) {
		mnt := mountTmpfs(t, 24<<20)
		pg := startOwnPostgres(t)
		ts := filepath.Join(mnt, "tablespace")
		if err := os.Mkdir(ts, 0o700); err != nil {
			t.Fatal(err)
		}
		if pg.cred != nil {
			if err := os.Chown(ts, int(pg.cred.Uid), int(pg.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
		ctx := context.Background()
		c, err := pgx.Connect(ctx, pg.URL())
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`CREATE TABLESPACE small LOCATION '` + ts + `'`,
			`CREATE DATABASE periscope`,
			`ALTER DATABASE periscope SET default_tablespace = small`,
		} {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		c.Close(ctx)
		db := DB{Name: "postgres", PostgresURL: strings.Replace(pg.URL(), "/postgres?", "/periscope?", 1)}
		s := StartServer(t, db, config)
		p, acked := fillDiskUnderLoad(t, s, mnt)
		checkAllStored(t, s, db, p.ID, acked)
		logs := s.Logs()
		i := strings.Index(logs, "53100")
		if i < 0 {
			t.Fatalf("the log never shows Postgres's disk_full (53100): the disk did not fill as meant")
		}
		line := logs[strings.LastIndex(logs[:i], "\n")+1:]
		t.Logf("first disk_full: %s", line[:strings.IndexByte(line+"\n", '\n')])
	})
}
