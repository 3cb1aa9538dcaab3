package http_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core/adminclient"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// TestIssueSearchQuery: the listing's query parameter takes Sentry's search
// syntax, beside the separate filters, and a token it cannot read is a 400
// naming the token and the query field.
func TestIssueSearchQuery(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	s.storeReq(t, `{"event_id":"00000000000000000000000000000001","message":"disk full on db-1","level":"error"}`)
	s.storeReq(t, `{"event_id":"00000000000000000000000000000002","message":"slow query on db-2","level":"warning"}`)
	s.Drain(t)
	list := func(params string) (int, []byte, []string) {
		code, b := s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/issues?%s", s.Project.ID, params), nil)
		var out adminclient.IssuePage
		json.Unmarshal(b, &out)
		var titles []string
		for _, is := range out.Issues {
			titles = append(titles, is.Title)
		}
		return code, b, titles
	}
	for _, c := range []struct{ params, want string }{
		{"query=" + url.QueryEscape("level:error"), "[disk full on db-1]"},
		{"query=" + url.QueryEscape("!level:error db"), "[slow query on db-2]"},
		{"query=" + url.QueryEscape(`"query on" is:unresolved times_seen:1`), "[slow query on db-2]"},
		{"query=" + url.QueryEscape("level:[error,warning] firstSeen:-24h") + "&sort=first_seen", "[slow query on db-2 disk full on db-1]"},
		{"status=resolved&query=db", "[]"},
		{"level=warning&query=db", "[slow query on db-2]"},
	} {
		code, b, titles := list(c.params)
		if code != 200 || fmt.Sprint(titles) != c.want {
			t.Errorf("%s: %d %v (%s), want 200 %s", c.params, code, titles, b, c.want)
		}
	}
	for _, q := range []string{"level:error lvl/x:1", "is:open", `"unterminated`, "times_seen:>many"} {
		code, b, _ := list("query=" + url.QueryEscape(q))
		var e struct {
			Error struct{ Message, Field string }
		}
		json.Unmarshal(b, &e)
		bad := strings.Fields(q)[len(strings.Fields(q))-1]
		if code != 400 || e.Error.Field != "query" || !strings.Contains(e.Error.Message, bad) {
			t.Errorf("query %q: %d %s, want 400 naming query and %q", q, code, b, bad)
		}
	}
	// The issue's tag values, what a key:value term matches.
	code, b := s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/issues?query=%s", s.Project.ID, url.QueryEscape("level:warning")), nil)
	var page adminclient.IssuePage
	if err := json.Unmarshal(b, &page); err != nil || code != 200 || len(page.Issues) != 1 {
		t.Fatalf("level:warning: %d %s", code, b)
	}
	code, b = s.Admin(t, "GET", fmt.Sprintf("/api/admin/issues/%d/tags", page.Issues[0].ID), nil)
	var tags struct {
		Tags []struct {
			Key, Value string
			Count      int64
		}
	}
	if err := json.Unmarshal(b, &tags); err != nil || code != 200 {
		t.Fatalf("GET tags: %d %s", code, b)
	}
	if fmt.Sprint(tags.Tags) != "[{level warning 1}]" {
		t.Errorf("tags: %s, want level=warning counted once", b)
	}
	if code, b := s.Admin(t, "GET", "/api/admin/issues/999999/tags", nil); code != 404 {
		t.Errorf("GET tags of an unknown issue: %d %s, want 404", code, b)
	}
}
