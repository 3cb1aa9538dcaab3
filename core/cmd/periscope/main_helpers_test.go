package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
	"github.com/periscope-hq/periscope/core/config"
)

// testAdminKey is the admin key of the servers MustRunMain runs.
const testAdminKey = "test-admin-key-0123456789"

// testServer is a Periscope running in-process on a random port with a
// fresh SQLite database.
type testServer struct {
	*Main
	// URL is the server's base URL, with the port the system picked.
	URL string
	// Stop stops the server; it runs at the end of the test too, and only
	// once.
	Stop func()
	tb   testing.TB
}

// mainSetup is what MustRunMain's options change.
type mainSetup struct {
	yaml   string
	env    []string
	logger *slog.Logger
}

// mainOption overrides part of the configuration MustRunMain starts with.
type mainOption func(*mainSetup)

// withYAML gives the configuration file's content.
func withYAML(yaml string) mainOption { return func(s *mainSetup) { s.yaml = yaml } }

// withEnv adds environment variables (NAME=value), read after the file.
func withEnv(env ...string) mainOption {
	return func(s *mainSetup) { s.env = append(s.env, env...) }
}

// withLogger replaces the quiet logger.
func withLogger(l *slog.Logger) mainOption { return func(s *mainSetup) { s.logger = l } }

// MustRunMain runs Periscope in-process, as `periscope serve` does, on
// 127.0.0.1 port 0 with a SQLite file in a temporary directory and the
// admin key testAdminKey, then opts. The system picks the port, and the
// public URL (so every DSN) carries it unless opts configure one. The
// server stops at the end of the test, or at Stop.
func MustRunMain(tb testing.TB, opts ...mainOption) *testServer {
	tb.Helper()
	setup := mainSetup{logger: quietLogger()}
	for _, o := range opts {
		o(&setup)
	}
	base := []string{"API_SECRET_KEY_ADMIN=" + testAdminKey, "HOST=127.0.0.1", "PORT=0",
		"PERISCOPE_SQLITE_PATH=" + filepath.Join(tb.TempDir(), "periscope.db")}
	c, err := config.Parse([]byte(setup.yaml), append(base, setup.env...))
	if err != nil {
		tb.Fatal(err)
	}
	m := &Main{Config: c, Logger: setup.logger}
	if err := m.Run(context.Background()); err != nil {
		tb.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := m.Close(ctx); err != nil {
				tb.Errorf("stopping the server: %v", err)
			}
		})
	}
	tb.Cleanup(stop)
	return &testServer{Main: m, URL: "http://" + m.HTTP.Addr(), Stop: stop, tb: tb}
}

// cli runs `periscope args...` in-process against s and returns stdout,
// stderr and the exit code.
func (s *testServer) cli(args ...string) (string, string, int) {
	s.tb.Helper()
	return runCLI(s.tb, append(args, "--url", s.URL, "--admin-key", testAdminKey)...)
}

// runCLI runs `periscope args...` in-process without the environment's
// PERISCOPE_URL and API_SECRET_KEY_ADMIN.
func runCLI(tb testing.TB, args ...string) (string, string, int) {
	tb.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// do sends an admin API request and decodes the answer into out.
func (s *testServer) do(method, path string, body, out any) int {
	s.tb.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, s.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.tb.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			s.tb.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// project creates a project through the admin API and returns its id and DSN.
func (s *testServer) project(name string) (int64, string) {
	s.tb.Helper()
	p, err := s.client().CreateProject(context.Background(), adminclient.ProjectInput{Name: name})
	if err != nil || len(p.Keys) == 0 {
		s.tb.Fatalf("create project: %v, %+v", err, p)
	}
	return p.ID, p.Keys[0].DSN
}

// store sends one event payload to the store endpoint of a DSN.
func (s *testServer) store(dsn, payload string) {
	s.tb.Helper()
	key, rest, _ := strings.Cut(strings.TrimPrefix(dsn, "http://"), "@")
	project := rest[strings.LastIndexByte(rest, '/')+1:]
	req, _ := http.NewRequest("POST", s.URL+"/api/"+project+"/store/", strings.NewReader(payload))
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+key+", sentry_client=test/1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		s.tb.Fatalf("store: status %d", resp.StatusCode)
	}
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// issues lists the issues of a project (every status) through the API.
func (s *testServer) issues(project int64) []*core.Issue {
	s.tb.Helper()
	page, err := s.client().ListIssues(context.Background(), core.IssueFilter{ProjectID: project})
	if err != nil {
		s.tb.Fatal(err)
	}
	return page.Issues
}

// client is an admin API client of s.
func (s *testServer) client() *adminclient.Client {
	return adminclient.New(s.URL, testAdminKey, nil)
}
