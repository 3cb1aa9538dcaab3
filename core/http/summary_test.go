package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	nethttp "net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/storetest"
)

// jsonLines is the JSON log lines in logs, each decoded.
func jsonLines(logs *storetest.LogBuffer) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// loggedServer is the HTTP stack with a JSON logger at level, the
// pipeline reporting what it wrote, and one project whose key allows two
// events a minute.
func loggedServer(t *testing.T, level slog.Level, interval time.Duration) (*phttp.Server, *core.Project, *storetest.LogBuffer) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "periscope.db"), sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	logs := &storetest.LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	var srv *phttp.Server
	p := pipeline.New(db, hashGrouper{}, logger, pipeline.Options{
		OnWritten: func(project int64, w pipeline.Written) { srv.CountWritten(project, w.Stored, w.Duplicates, w.Rejected) },
	})
	p.Start()
	srv = phttp.NewServer(db, p, logger, phttp.Options{AdminKey: adminKey, PublicURL: "http://127.0.0.1:8000", IngestSummaryInterval: interval})
	proj := &core.Project{Name: "logged"}
	if err := db.CreateProject(ctx, proj); err != nil {
		t.Fatal(err)
	}
	two := 2
	if _, err := db.UpdateKey(ctx, proj.ID, proj.Keys[0].PublicKey, core.KeyUpdate{RateLimit: &two}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		p.Stop(ctx)
		db.Close()
	})
	return srv, proj, logs
}

// TestIngestSummaryLine: while events arrive, the server logs one
// "ingest summary" line per interval with what happened per project:
// accepted, stored, rate limited, rejected by reason; summed over the
// lines, the counts are exact.
func TestIngestSummaryLine(t *testing.T) {
	srv, proj, logs := loggedServer(t, slog.LevelInfo, 20*time.Millisecond)
	send := func(key, body string, want int) {
		t.Helper()
		req := nethttp.NewRequest("POST", fmt.Sprintf("/api/%d/store/", proj.ID), strings.NewReader(body))
		req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=test/1.0, sentry_key="+key)
		resp, err := srv.App().Test(req, 30000)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
	}
	key := proj.Keys[0].PublicKey
	send(key, `{"event_id":"00000000000000000000000000000001","message":"one"}`, 200)
	send(strings.Repeat("0", 32), `{"message":"unknown key"}`, 401)
	send(key, `{"event_id":"00000000000000000000000000000002","message":"two"}`, 200)
	send(key, `{"event_id":"00000000000000000000000000000003","message":"three"}`, 429)

	want := map[string]float64{"accepted": 2, "stored": 2, "rate_limited": 1, "rejected.unauthorized": 1}
	var got map[string]float64
	deadline := time.Now().Add(30 * time.Second)
	for {
		got = map[string]float64{}
		for _, l := range jsonLines(logs) {
			if l["msg"] != "ingest summary" {
				continue
			}
			projects, _ := l["projects"].(map[string]any)
			counts, _ := projects[fmt.Sprint(proj.ID)].(map[string]any)
			for k, v := range counts {
				if sub, ok := v.(map[string]any); ok {
					for r, n := range sub {
						got[k+"."+r] += n.(float64)
					}
				} else {
					got[k] += v.(float64)
				}
			}
		}
		if fmt.Sprint(got) == fmt.Sprint(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("summary lines add up to %v, want %v; log:\n%s", got, want, logs)
	}
	if strings.Contains(logs.String(), key) {
		t.Errorf("the log holds the public key:\n%s", logs)
	}
}

// TestIngestSummaryQuietWhenIdle: with nothing ingested, no summary line.
func TestIngestSummaryQuietWhenIdle(t *testing.T) {
	srv, _, logs := loggedServer(t, slog.LevelInfo, time.Hour)
	srv.LogIngestSummary()
	if strings.Contains(logs.String(), "ingest summary") {
		t.Fatalf("summary logged with nothing ingested:\n%s", logs)
	}
}

// TestRequestLogAtDebug: at debug level every request gets one line with
// method, path, status and duration, and never its credentials; at info
// level, none.
func TestRequestLogAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		srv, proj, logs := loggedServer(t, level, time.Hour)
		key := proj.Keys[0].PublicKey
		req := nethttp.NewRequest("POST", fmt.Sprintf("/api/%d/store/?sentry_key=%s&sentry_version=7", proj.ID, key), strings.NewReader(`{"message":"m"}`))
		resp, err := srv.App().Test(req, 30000)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("store: %v %v", resp, err)
		}
		req = nethttp.NewRequest("GET", "/api/admin/projects", nil)
		req.Header.Set("Authorization", "Bearer wrong-admin-key")
		if resp, _ := srv.App().Test(req, 30000); resp.StatusCode != 401 {
			t.Fatalf("admin with a wrong key: %d", resp.StatusCode)
		}
		var requests []map[string]any
		for _, l := range jsonLines(logs) {
			if l["msg"] == "request" {
				requests = append(requests, l)
			}
		}
		if level == slog.LevelInfo {
			if len(requests) != 0 {
				t.Errorf("request lines at info level: %v", requests)
			}
			continue
		}
		want := []string{fmt.Sprintf("POST /api/%d/store/ 200", proj.ID), "GET /api/admin/projects 401"}
		if len(requests) != 2 {
			t.Fatalf("%d request lines, want 2:\n%s", len(requests), logs)
		}
		for i, r := range requests {
			if got := fmt.Sprintf("%v %v %v", r["method"], r["path"], r["status"]); got != want[i] {
				t.Errorf("request line %d: %s, want %s", i, got, want[i])
			}
			if _, ok := r["duration"]; !ok {
				t.Errorf("request line %d has no duration: %v", i, r)
			}
		}
		for _, secret := range []string{key, "wrong-admin-key", adminKey} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log holds a secret %q:\n%s", secret, logs)
			}
		}
	}
}
