package http_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// stalledServer is a stack whose database holds every write until
// release is closed, with a pipeline that holds few events.
func stalledServer(tb testing.TB) (*testServer, *stalledStore) {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "p.db"), sqlite.WithMigrate())
	if err != nil {
		tb.Fatal(err)
	}
	st := &stalledStore{DB: db, release: make(chan struct{})}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := pipeline.New(st, hashGrouper{}, logger, pipeline.Options{Workers: 1, QueueSize: 2, BatchSize: 1})
	p.Start()
	s := phttp.NewServer(db, p, logger, phttp.Options{AdminKey: adminKey, PublicURL: "http://x"})
	proj := &core.Project{Name: "crash"}
	if err := db.CreateProject(ctx, proj); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		select {
		case <-st.release:
		default:
			close(st.release)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			tb.Errorf("pipeline stop: %v", err)
		}
		db.Close()
	})
	return &testServer{Server: s, Store: db, Pipeline: p, Project: proj, Key: proj.Keys[0].PublicKey}, st
}

// fill submits events until the pipeline keeps refusing them: the
// worker and the writer hold theirs and the queue is full.
func fill(tb testing.TB, s *testServer) {
	tb.Helper()
	refusedSince := time.Time{}
	for i := 0; i < 1000; i++ {
		a := &core.Accepted{ProjectID: s.Project.ID, EventID: fmt.Sprintf("%032x", i+1), ItemType: "event",
			Payload: []byte(`{"message":"filler"}`), Received: time.Now()}
		for s.Pipeline.Submit(a) != nil {
			if refusedSince.IsZero() {
				refusedSince = time.Now()
			} else if time.Since(refusedSince) > 100*time.Millisecond {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		refusedSince = time.Time{}
	}
	tb.Fatal("the pipeline never filled")
}

// TestMinidumpWaitsForRoom: a crash upload that finds the pipeline full
// waits for room instead of answering 429, and is stored.
func TestMinidumpWaitsForRoom(t *testing.T) {
	s, st := stalledServer(t)
	fill(t, s)
	type result struct {
		code int
		body string
	}
	done := make(chan result, 1)
	go func() {
		resp, err := s.App().Test(s.minidumpReq(fakeMinidump(256), "application/octet-stream", s.Key), 30000)
		if err != nil {
			done <- result{code: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, string(b)}
	}()
	select {
	case r := <-done:
		t.Fatalf("answered %d %s while the pipeline was full, want it to wait", r.code, r.body)
	case <-time.After(200 * time.Millisecond):
	}
	close(st.release)
	r := <-done
	if r.code != 200 || !dashedID.MatchString(r.body) {
		t.Fatalf("status %d body %q, want 200 with the id once there was room", r.code, r.body)
	}
	id := strings.ReplaceAll(r.body, "-", "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Store.FindEventByID(context.Background(), s.Project.ID, id)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("minidump event %s not stored: %v", id, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMinidumpQueueFull503: when the pipeline stays full past the wait,
// the upload is refused with 503 (a server error crash reporters retry),
// never 429.
func TestMinidumpQueueFull503(t *testing.T) {
	defer phttp.SetMinidumpQueueWait(50 * time.Millisecond)()
	s, _ := stalledServer(t)
	fill(t, s)
	code, b := s.Do(t, s.minidumpReq(fakeMinidump(256), "application/octet-stream", s.Key))
	if code != 503 || detail(b) == "" {
		t.Fatalf("status %d body %s, want 503 with a detail", code, b)
	}
}
