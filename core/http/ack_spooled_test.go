package http_test

import (
	"fmt"
	"strings"
	"testing"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/spool"
)

// mustSpool opens a spool that marks nothing done unless told, and closes
// it at the end of the test.
func mustSpool(tb testing.TB, o spool.Options) *spool.Spool {
	tb.Helper()
	o.RetireEvery = -1
	sp, err := spool.Open(tb.TempDir(), o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sp.Close() })
	return sp
}

// TestAckSpooled: with ingest.ack: spooled, a 200 means the event's record
// is written and fsynced to the spool; a full spool answers 429 with the
// headers SDKs read, before accepting.
func TestAckSpooled(t *testing.T) {
	sp := mustSpool(t, spool.Options{MaxBytes: 1})
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{Spool: sp})
	send := func(i int) (int, []byte, map[string]string) {
		id := fmt.Sprintf("%032x", i)
		payload := strings.Replace(errorPayload, eventID, id, 1)
		resp, err := s.App().Test(s.envelopeReq([]byte(`{"event_id":"`+id+`"}`+"\n"+eventItem(payload)+"\n"), s.auth()), 30000)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := make([]byte, 512)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, b[:n], map[string]string{"Retry-After": resp.Header.Get("Retry-After"), "X-Sentry-Rate-Limits": resp.Header.Get("X-Sentry-Rate-Limits")}
	}
	// An empty spool takes one record whatever its size.
	if code, b, _ := send(1); code != 200 {
		t.Fatalf("first event: %d %s", code, b)
	}
	if st := sp.Stats(); st.Records != 1 || st.Syncs < 1 {
		t.Errorf("spool after a 200: %+v, want 1 record fsynced", st)
	}
	code, b, h := send(2)
	if code != 429 || h["Retry-After"] == "" || h["X-Sentry-Rate-Limits"] == "" {
		t.Fatalf("spool full: %d %s %v, want 429 with Retry-After and X-Sentry-Rate-Limits", code, b, h)
	}
	if st := sp.Stats(); st.Records != 1 {
		t.Errorf("spool after a refusal: %d records, want 1", st.Records)
	}
}
