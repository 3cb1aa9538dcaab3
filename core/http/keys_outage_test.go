package http_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// outageStore is a real SQLite store whose key lookups fail while down is
// set, as a database that cannot be reached does.
type outageStore struct {
	core.Store
	down    atomic.Bool
	lookups atomic.Int64
}

var errUnreachable = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

func (s *outageStore) FindKey(ctx context.Context, key string) (*core.ProjectKey, error) {
	s.lookups.Add(1)
	if s.down.Load() {
		return nil, errUnreachable
	}
	return s.Store.FindKey(ctx, key)
}

func (s *outageStore) FindProjectByID(ctx context.Context, id int64) (*core.Project, error) {
	if s.down.Load() {
		return nil, errUnreachable
	}
	return s.Store.FindProjectByID(ctx, id)
}

// While the database cannot be reached, a key seen before is served from
// the cache (stale on error) and its events are accepted; a key never seen
// is answered 503 with Retry-After, never 500.
func TestKeyLookupStaleOnDatabaseError(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "periscope.db"), sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := &outageStore{Store: db}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := pipeline.New(db, hashGrouper{}, logger, pipeline.Options{})
	p.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p.Stop(ctx)
	})
	srv := phttp.NewServer(store, p, logger, phttp.Options{AdminKey: adminKey, PublicURL: "http://x", KeyCacheTTL: time.Nanosecond})
	known, unseen := &core.Project{Name: "known"}, &core.Project{Name: "unseen"}
	for _, pr := range []*core.Project{known, unseen} {
		if err := db.CreateProject(ctx, pr); err != nil {
			t.Fatal(err)
		}
	}
	s := &testServer{Server: srv, Store: db, Pipeline: p, Project: known, Key: known.Keys[0].PublicKey}

	send := func(pr *core.Project, id string) (int, []byte, string) {
		payload := strings.Replace(errorPayload, eventID, id, 1)
		body := []byte(fmt.Sprintf(`{"event_id":"%s"}`+"\n%s\n", id, eventItem(payload)))
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/envelope/", pr.ID), bytes.NewReader(body))
		req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+pr.Keys[0].PublicKey)
		resp, err := srv.App().Test(req, 30000)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header.Get("Retry-After")
	}
	if code, b, _ := send(known, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"); code != 200 {
		t.Fatalf("before the outage: status %d %s", code, b)
	}
	store.down.Store(true)
	time.Sleep(time.Millisecond) // past the 1ns TTL: the entry is stale
	before := store.lookups.Load()
	if code, b, _ := send(known, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"); code != 200 {
		t.Fatalf("known key during the outage: status %d %s, want 200 from the stale cache", code, b)
	}
	if store.lookups.Load() == before {
		t.Fatalf("the stale entry was served without trying the database")
	}
	code, b, retry := send(unseen, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3")
	if code != 503 || retry == "" {
		t.Fatalf("unseen key during the outage: status %d Retry-After %q %s, want 503 with Retry-After", code, retry, b)
	}
	store.down.Store(false)
	if code, b, _ := send(unseen, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4"); code != 200 {
		t.Fatalf("unseen key after the outage: status %d %s, want 200", code, b)
	}
	s.Drain(t)
	for _, id := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"} {
		if code, b := s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/events/%s", known.ID, id), nil); code != 200 {
			t.Errorf("event %s: status %d %s, want it stored", id, code, b)
		}
	}
}
