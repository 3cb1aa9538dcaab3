package itest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/adminclient"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
	"github.com/periscope-hq/periscope/core/storetest"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// binDir holds the binaries built for this run.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	defaultParallel()
	dir, err := os.MkdirTemp("", "periscope-itest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	if err := buildBinaries(dir); err != nil {
		fmt.Fprintln(os.Stderr, "itest: building binaries:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := pgtest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// defaultParallel raises -test.parallel, unless the command line set it,
// from GOMAXPROCS to four times that (at least 8). These tests mostly wait
// on other processes: at -parallel 2 on a 2-core machine the package used
// under half of the CPU time it had (370 s wall, 355 CPU-s).
func defaultParallel() {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", fmt.Sprint(max(8, 4*runtime.GOMAXPROCS(0))))
	}
}

// repoRoot is the module root (the folder holding go.mod).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// buildBinaries builds the server and the plugins in one go build (so it
// compiles and links them in parallel), named as make build names them,
// with this test binary's build configuration (sdktest.BuildConfig).
func buildBinaries(dir string) error {
	names := map[string]string{"periscope": "periscope"} // go build's name -> ours
	flags, env := sdktest.BuildConfig()
	args := append(append([]string{"build"}, flags...), "-o", dir+string(filepath.Separator), "./core/cmd/periscope")
	for _, p := range []string{"webhook", "slack", "email"} {
		if _, err := os.Stat(filepath.Join(repoRoot(), "plugins", p, "main.go")); err == nil {
			names[p] = "periscope-plugin-" + p
			args = append(args, "./plugins/"+p)
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot()
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for from, to := range names {
		if from == to {
			continue
		}
		if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)); err != nil {
			return err
		}
	}
	return nil
}

// freePort returns a TCP port free on 127.0.0.1 at the time of the call.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Server is a periscope process under test.
type Server struct {
	tb      testing.TB
	Dir     string // working directory (holds data/ and config.yaml)
	Port    int
	URL     string // http://127.0.0.1:port
	Admin   string // admin key
	Env     []string
	cmd     *exec.Cmd
	logs    *storetest.LogBuffer
	exited  chan struct{}
	exitErr error

	// racesChecked is set once a data race was reported, so a restart
	// does not report it again.
	racesChecked bool
}

// DB selects the database a Server uses.
type DB struct {
	Name        string // "sqlite" or "postgres"
	PostgresURL string
}

// databases returns both backends; Postgres gets a fresh database.
func databases(tb testing.TB) []DB {
	return []DB{{Name: "sqlite"}, {Name: "postgres", PostgresURL: pgtest.URL(tb)}}
}

// forEachDB runs fn as a subtest on SQLite and on Postgres. The two run
// in parallel: each has its own server, directory and database, and most
// of a test's time is spent waiting on processes (the server, Node.js,
// Chromium, sentry-cli), not on the CPU.
func forEachDB(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, DB{Name: "sqlite"})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, DB{Name: "postgres", PostgresURL: pgtest.URL(t)})
	})
}

// NewServer prepares (but does not start) a server in a fresh directory
// with the given extra config.yaml text.
func NewServer(tb testing.TB, db DB, configYAML string) *Server {
	tb.Helper()
	s := &Server{tb: tb, Dir: tb.TempDir(), Admin: "test-admin-key-0123456789"}
	s.Port = freePort(tb)
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", s.Port)
	if err := os.WriteFile(filepath.Join(s.Dir, "config.yaml"), []byte(configYAML), 0o644); err != nil {
		tb.Fatal(err)
	}
	s.Env = []string{
		"PORT=" + fmt.Sprint(s.Port),
		"HOST=127.0.0.1",
		"API_SECRET_KEY_ADMIN=" + s.Admin,
		"PERISCOPE_PLUGIN_DIR=" + binDir,
		"PERISCOPE_NOTIFY_ALLOW_PRIVATE_NETWORKS=true",
	}
	if db.Name == "postgres" {
		s.Env = append(s.Env, "POSTGRES_ENABLED=true", "PERISCOPE_POSTGRES_URL="+db.PostgresURL)
	}
	tb.Cleanup(func() { s.Stop() })
	return s
}

// StartServer prepares and starts a server, waiting until it is ready.
func StartServer(tb testing.TB, db DB, configYAML string) *Server {
	tb.Helper()
	s := NewServer(tb, db, configYAML)
	s.Start()
	return s
}

// Start runs the binary and waits for /readyz.
func (s *Server) Start() {
	s.tb.Helper()
	s.start("serve")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			s.tb.Fatalf("periscope exited during start-up: %v\n%s", s.exitErr, s.logs.String())
		default:
		}
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.tb.Fatalf("periscope not ready after 30s:\n%s", s.logs.String())
}

func (s *Server) start(args ...string) {
	s.checkRaces() // of the run before a restart, whose logs are replaced
	s.cmd = exec.Command(filepath.Join(binDir, "periscope"), args...)
	s.cmd.Dir = s.Dir
	s.cmd.Env = append(cleanEnv(), s.Env...)
	s.logs = &storetest.LogBuffer{}
	s.cmd.Stdout = s.logs
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func() { s.exitErr = s.cmd.Wait(); close(s.exited) }()
}

// cleanEnv is the test's environment without Periscope's own variables, so
// a developer's shell cannot change what a test sees.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "PERISCOPE_"), strings.HasPrefix(name, "POSTGRES_"),
			name == "API_SECRET_KEY_ADMIN", name == "HOST", name == "PORT":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Stop sends SIGTERM and waits for a graceful exit (at most 60s).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	defer s.checkRaces()
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.tb.Errorf("periscope did not stop within 60s of SIGTERM:\n%s", s.logs.String())
	}
}

// raceWarning is what the race detector prints for each data race.
const raceWarning = "WARNING: DATA RACE"

// checkRaces fails the test when the server built with -race (see
// sdktest.BuildConfig) reported a data race in its logs.
func (s *Server) checkRaces() {
	if s.logs == nil || s.racesChecked {
		return
	}
	if logs := s.logs.String(); strings.Contains(logs, raceWarning) {
		s.racesChecked = true
		s.tb.Errorf("the server reported a data race:\n%s", logs)
	}
}

// Restart stops and starts the server on the same directory and port.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	if s.exitErr != nil {
		s.tb.Fatalf("periscope exited with %v on SIGTERM:\n%s", s.exitErr, s.logs.String())
	}
	s.Start()
}

// Logs returns what the process printed so far.
func (s *Server) Logs() string { return s.logs.String() }

// RunCLI runs `periscope args...` in the server's directory and environment
// and returns its combined output and exit code.
func (s *Server) RunCLI(ctx context.Context, args ...string) (string, int) {
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "periscope"), args...)
	cmd.Dir = s.Dir
	cmd.Env = append(cleanEnv(), s.Env...)
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), raceWarning) {
		s.tb.Errorf("periscope %s reported a data race:\n%s", strings.Join(args, " "), out)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.tb.Fatal(err)
	}
	return string(out), code
}

// Do sends an admin API request with the bearer key and decodes a JSON
// answer into out (when not nil). It returns the status code.
func (s *Server) Do(method, path string, body any, out any) int {
	s.tb.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.tb.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Admin)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			s.tb.Fatalf("%s %s: answer is not JSON (%v): %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

// Project is the admin API's project.
type Project = adminclient.Project

// CreateProject creates a project through the admin API.
func (s *Server) CreateProject(name string) *Project {
	s.tb.Helper()
	var p Project
	if code := s.Do("POST", "/api/admin/projects", map[string]string{"name": name}, &p); code != 201 {
		s.tb.Fatalf("create project: status %d, want 201", code)
	}
	if len(p.Keys) == 0 {
		s.tb.Fatalf("created project has no key")
	}
	return &p
}

// WaitFor polls cond every 50ms until it is true or timeout passes.
func WaitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
