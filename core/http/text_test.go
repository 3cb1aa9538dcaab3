package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// TestInvalidUTF8EventIsServedAsValidJSON: an event holding invalid UTF-8
// and NUL is stored (not rejected), and the event API answers valid JSON
// for it (issue 10.5: SQLite served the bytes as sent, invalid JSON).
func TestInvalidUTF8EventIsServedAsValidJSON(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	payload := "{\"event_id\":\"" + eventID + "\",\"level\":\"error\",\"message\":\"a\\u0000b \xff\xfe\"," +
		"\"tags\":{\"t\":\"v\xc3\x28\"},\"exception\":[{\"type\":\"E\\u0000\",\"value\":\"bad \xe2\x82\"," +
		"\"stacktrace\":{\"frames\":[{\"function\":\"f\xff\\u0000n\",\"in_app\":true}]}}]}"
	code, b := s.Do(t, s.envelopeReq(envelope(s.Key, s.Project.ID, eventItem(payload)), s.auth()))
	if code != 200 {
		t.Fatalf("status %d %s, want 200", code, b)
	}
	s.Drain(t)
	if st := s.Pipeline.Snapshot(); st["stored"] != 1 || st["rejected"] != 0 {
		t.Fatalf("pipeline %v, want the event stored, not rejected", st)
	}
	code, b = s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/events/%s", s.Project.ID, eventID), nil)
	if code != 200 {
		t.Fatalf("event: status %d %s", code, b)
	}
	if !utf8.Valid(b) || !json.Valid(b) {
		t.Fatalf("event API answered invalid JSON: %q", b)
	}
	var ev struct {
		Title string `json:"title"`
		Data  struct {
			Exception []struct {
				Stacktrace struct {
					Frames []struct {
						Function string `json:"function"`
					} `json:"frames"`
				} `json:"stacktrace"`
			} `json:"exception"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(ev.Title, 0) || !strings.HasPrefix(ev.Title, "E: bad \uFFFD") {
		t.Errorf("title %q, want %q", ev.Title, "E: bad \uFFFD")
	}
	if fr := ev.Data.Exception; len(fr) != 1 || len(fr[0].Stacktrace.Frames) != 1 || fr[0].Stacktrace.Frames[0].Function != "f\uFFFDn" {
		t.Errorf("data.exception %+v, want the frame function %q", fr, "f\uFFFDn")
	}
}
