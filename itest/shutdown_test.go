package itest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// TestSIGTERMUnderLoadLosesNothing sends events as fast as 8 connections
// can, sends SIGTERM in the middle (once 100 were answered 200, however
// busy the machine), and checks that every event answered 200 is in the
// database after the process exits.
func TestSIGTERMUnderLoadLosesNothing(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("shutdown")
		key := p.Keys[0].PublicKey
		url := fmt.Sprintf("%s/api/%d/envelope/", s.URL, p.ID)

		var (
			mu       sync.Mutex
			accepted []string
			seq      atomic.Int64
			wg       sync.WaitGroup
		)
		client := &http.Client{Timeout: 30 * time.Second}
		stop := make(chan struct{})
		// enough is closed when 100 events have been answered 200: SIGTERM
		// comes then, mid-load, however fast or busy the machine is.
		enough := make(chan struct{})
		var enoughOnce sync.Once
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					id := fmt.Sprintf("%032x", seq.Add(1))
					body := fmt.Sprintf(`{"event_id":"%s"}`+"\n"+`{"type":"event"}`+"\n"+
						`{"event_id":"%s","level":"error","platform":"go","exception":[{"type":"E%d","value":"v"}]}`+"\n", id, id, seq.Load()%50)
					req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
					req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+key)
					resp, err := client.Do(req)
					if err != nil {
						return // the server closed: stop sending
					}
					resp.Body.Close()
					if resp.StatusCode == 200 {
						mu.Lock()
						accepted = append(accepted, id)
						if len(accepted) >= 100 {
							enoughOnce.Do(func() { close(enough) })
						}
						mu.Unlock()
					}
				}
			}()
		}
		select {
		case <-enough:
		case <-time.After(60 * time.Second):
			close(stop)
			wg.Wait()
			t.Fatalf("only %d events accepted in 60s; the test needs load", len(accepted))
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.exited:
		case <-time.After(60 * time.Second):
			t.Fatal("periscope did not exit within 60s of SIGTERM")
		}
		close(stop)
		wg.Wait()
		if s.exitErr != nil {
			t.Fatalf("exit: %v\n%s", s.exitErr, s.Logs())
		}
		if len(accepted) < 100 {
			t.Fatalf("only %d events accepted before SIGTERM; the test needs load", len(accepted))
		}

		store := openStoreOf(t, s, db)
		missing := 0
		for _, id := range accepted {
			if _, err := store.FindEventByID(context.Background(), p.ID, id); err != nil {
				missing++
				if missing <= 5 {
					t.Errorf("event %s answered 200 is not stored: %v", id, err)
				}
			}
		}
		t.Logf("%d events answered 200 before SIGTERM, %d missing afterwards", len(accepted), missing)
		if missing > 0 {
			t.Fatalf("%d of %d accepted events lost", missing, len(accepted))
		}
	})
}

// openStoreOf opens the database a stopped server used.
func openStoreOf(t *testing.T, s *Server, db DB) core.Store {
	t.Helper()
	ctx := context.Background()
	var st core.Store
	var err error
	if db.Name == "postgres" {
		st, err = postgres.Open(ctx, db.PostgresURL)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(s.Dir, "data", "periscope.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
