package http_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// stalledStore holds every write until released: a database that is
// slower than ingestion.
type stalledStore struct {
	*sqlite.DB
	release chan struct{}
}

func (s *stalledStore) WriteEvents(ctx context.Context, b []*core.EventWrite) ([]core.WriteResult, error) {
	<-s.release
	return s.DB.WriteEvents(ctx, b)
}

// TestFullPipelineAnswers429 fills the bounded pipeline: ingestion answers
// 429 with the rate-limit headers instead of accepting what it cannot
// queue, and every event answered 200 is stored once the database catches
// up.
func TestFullPipelineAnswers429(t *testing.T) {
	ctx := context.Background()
	ts, st := stalledServer(t)

	var accepted []string
	limited := 0
	for i := 0; i < 40; i++ {
		id := fmt.Sprintf("%032x", i+1)
		payload := strings.Replace(errorPayload, eventID, id, 1)
		req := ts.envelopeReq([]byte(`{"event_id":"`+id+`"}`+"\n"+eventItem(payload)+"\n"), ts.auth())
		resp, err := ts.App().Test(req)
		if err != nil {
			t.Fatal(err)
		}
		switch resp.StatusCode {
		case 200:
			accepted = append(accepted, id)
		case 429:
			limited++
			if resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-Sentry-Rate-Limits") == "" {
				t.Fatalf("429 without rate-limit headers: %v", resp.Header)
			}
		default:
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if limited == 0 || len(accepted) == 0 {
		t.Fatalf("accepted %d, limited %d: want both while the database stalls", len(accepted), limited)
	}
	close(st.release)
	ts.Drain(t)
	t.Logf("accepted %d, limited %d, pipeline %v", len(accepted), limited, ts.Pipeline.Snapshot())
	for _, id := range accepted {
		if _, err := ts.Store.FindEventByID(ctx, ts.Project.ID, id); err != nil {
			t.Errorf("event %s was answered 200 but is not stored: %v", id, err)
		}
	}
}
