package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/sqlite"
)

const adminKey = "test-admin-key-0123456789"

// testServer is an in-process Periscope HTTP stack on a real SQLite file.
type testServer struct {
	*phttp.Server
	Store    *sqlite.DB
	Pipeline *pipeline.Pipeline
	Project  *core.Project
	Key      string
}

// hashGrouper groups by exception type or message (and, under
// newstyle:2026-01-20, hashes differently): enough for tests of the HTTP
// layer, which does not decide grouping.
type hashGrouper struct{}

func (hashGrouper) GroupWithConfig(ev *core.EventData, config string) core.Grouping {
	s := ev.LogEntry.Text()
	if n := len(ev.Exceptions); n > 0 {
		s = ev.Exceptions[n-1].Type
	}
	if config == core.GroupingConfig2026 { // another configuration, another hash
		s = config + s
	}
	sum := md5.Sum([]byte(s))
	return core.Grouping{DecidedBy: "default", Config: config, Hash: hex.EncodeToString(sum[:])}
}

// MustOpenServer starts the stack with opts and one project.
func MustOpenServer(tb testing.TB, opts phttp.Options, popts pipeline.Options) *testServer {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "periscope.db"), sqlite.WithMigrate())
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := pipeline.New(db, hashGrouper{}, logger, popts)
	p.Start()
	if opts.AdminKey == "" {
		opts.AdminKey = adminKey
	}
	if opts.PublicURL == "" {
		opts.PublicURL = "http://127.0.0.1:8000"
	}
	s := phttp.NewServer(db, p, logger, opts)
	proj := &core.Project{Name: "test"}
	if err := db.CreateProject(ctx, proj); err != nil {
		tb.Fatal(err)
	}
	ts := &testServer{Server: s, Store: db, Pipeline: p, Project: proj, Key: proj.Keys[0].PublicKey}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			tb.Errorf("pipeline stop: %v", err)
		}
		db.Close()
	})
	return ts
}

// Do runs one request through the app and returns status and body.
func (s *testServer) Do(tb testing.TB, req *nethttp.Request) (int, []byte) {
	tb.Helper()
	resp, err := s.App().Test(req, 30000)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Admin sends an admin API request.
func (s *testServer) Admin(tb testing.TB, method, path string, body any) (int, []byte) {
	tb.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	return s.Do(tb, req)
}

// Drain waits until every queued event is stored.
func (s *testServer) Drain(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	st := s.Pipeline.Stats()
	for s.Stats().Accepted.Load() != st.Stored.Load()+st.Duplicates.Load()+st.Rejected.Load() {
		if time.Now().After(deadline) {
			tb.Fatalf("pipeline did not drain: %v", s.Pipeline.Snapshot())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func gz(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}
