package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// searchIssue describes the events of one issue of seedSearch.
type searchIssue struct {
	name, title, culprit, message, level string
	events                               []searchEvent
}

type searchEvent struct {
	ago          time.Duration // timestamp: this long before now
	env, release string
	tags         []core.Tag
}

func tag(k, v string) core.Tag { return core.Tag{Key: k, Value: v} }

// seedSearch writes five issues (A, B, C resolved, D ignored, E) whose
// levels, releases, environments, tags, texts, counts and seen times tell
// every search term apart, and returns their ids by name.
func seedSearch(t *testing.T, s core.Store, projectID int64) map[string]int64 {
	t.Helper()
	now := time.Now().UTC()
	chrome, firefox, ann := tag("browser.name", "Chrome"), tag("browser.name", "Firefox"), tag("user.email", "ann@example.com")
	issues := []searchIssue{
		{"A", "ConnectionResetError: connection reset by peer", "db.pool in acquire", "", core.LevelError, []searchEvent{
			{30 * time.Hour, "production", "1.2.3", []core.Tag{chrome, ann}},
			{20 * time.Hour, "production", "1.2.3", []core.Tag{chrome}},
			{time.Hour, "production", "1.2.3", []core.Tag{chrome, ann}}}},
		{"B", "TimeoutError: request timed out", "payments.charge", "", core.LevelWarning, []searchEvent{
			{2 * time.Hour, "staging", "1.2.3", nil},
			{90 * time.Minute, "staging", "1.2.4", []core.Tag{firefox}},
			{time.Hour, "staging", "1.2.4", []core.Tag{firefox}}}},
		{"C", "KeyError: 'user'", "api.views in detail", "", core.LevelInfo, []searchEvent{
			{10 * 24 * time.Hour, "production", "1.2.3", []core.Tag{chrome}},
			{8 * 24 * time.Hour, "production", "1.2.3", []core.Tag{firefox}}}},
		{"D", "QuotaError", "storage.write", "disk quota exceeded on /var", core.LevelError, []searchEvent{
			{3 * time.Hour, "production", "2.0", nil}, {3 * time.Hour, "production", "2.0", nil},
			{3 * time.Hour, "production", "2.0", nil}, {3 * time.Hour, "production", "2.0", nil},
			{3 * time.Hour, "production", "2.0", nil}}},
		{"E", "Timeout 100%_done", "jobs", "", core.LevelFatal, []searchEvent{{5 * time.Hour, "production", "", nil}}},
	}
	var events []*core.Event
	var names []string
	for _, is := range issues {
		for _, se := range is.events {
			e := NewEvent(projectID, "search-"+is.name)
			e.Title, e.Culprit, e.Message, e.Level = is.title, is.culprit, is.message, is.level
			e.Environment, e.Release, e.Tags = se.env, se.release, se.tags
			e.Timestamp = now.Add(-se.ago)
			events = append(events, e)
			names = append(names, is.name)
		}
	}
	ids := map[string]int64{}
	for i, r := range MustWrite(t, s, events...) {
		ids[names[i]] = r.IssueID
	}
	ctx := context.Background()
	resolved, ignored := core.StatusResolved, core.StatusIgnored
	_, err := s.UpdateIssue(ctx, ids["C"], core.IssueUpdate{Status: &resolved})
	must(t, "UpdateIssue(C resolved)", err)
	_, err = s.UpdateIssue(ctx, ids["D"], core.IssueUpdate{Status: &ignored})
	must(t, "UpdateIssue(D ignored)", err)
	return ids
}

// searchCases are queries and the issues they find, by name.
var searchCases = []struct{ query, want string }{
	{"", "A B C D E"},
	{"is:unresolved", "A B E"},
	{"is:resolved", "C"},
	{"is:ignored", "D"},
	{"!is:unresolved", "C D"},
	{"is:[resolved,ignored]", "C D"},
	{"level:error", "A D"},
	{"!level:error", "B C E"},
	{"level:[warning,info]", "B C"},
	{"release:1.2.3", "A B C"}, // B by its oldest event: any event counts
	{"!release:1.2.3", "D E"},
	{"release:[2.0,1.2.4]", "B D"},
	{"environment:staging", "B"},
	{"environment:production", "A C D E"},
	{"browser.name:Chrome", "A C"},
	{"browser.name:Firefox", "B C"},
	{"!browser.name:Chrome", "B D E"},
	{"user.email:ann@example.com", "A"},
	{"tags[browser.name]:Firefox level:info", "C"},
	{"browser.name:[Chrome,Firefox] !level:info", "A B"},
	{"browser.name:Safari", ""},
	{"reset", "A"},
	{"RESET", "A"},
	{`"reset by peer"`, "A"},
	{`"peer reset"`, ""},
	{"timeout", "B E"},
	{"!timeout", "A C D"},
	{"100%_", "E"},
	{"%", "E"},
	{"_d", "E"},
	{"db", "A"},
	{"payments", "B"},
	{"quota exceeded", "D"},
	{`"disk quota"`, "D"}, // the message
	{"firstSeen:-24h", "B D E"},
	{"age:-24h", "B D E"},
	{"firstSeen:+24h", "A C"},
	{"lastSeen:+7d", "C"},
	{"lastSeen:-7d", "A B D E"},
	{"firstSeen:>2000-01-01 lastSeen:<2100-01-01", "A B C D E"},
	{"times_seen:>2", "A B D"},
	{"times_seen:>=5", "D"},
	{"times_seen:1", "E"},
	{"times_seen:<3", "C E"},
	{"times_seen:<=3", "A B C E"},
	{"!times_seen:>2", "C E"},
	{"is:unresolved level:error release:1.2.3 reset", "A"},
}

var searchTests = []test{
	{"Query", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "search")
		other := MustCreateProject(t, s, "other")
		ids := seedSearch(t, s, p.ID)
		seedSearch(t, s, other.ID) // the same issues in another project stay out
		names := map[int64]string{}
		for n, id := range ids {
			names[id] = n
		}
		for _, c := range searchCases {
			issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Query: c.query})
			must(t, fmt.Sprintf("FindIssues(%q)", c.query), err)
			var got []string
			for _, is := range issues {
				got = append(got, names[is.ID])
			}
			slices.Sort(got)
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("query %q: got [%s], want [%s]", c.query, g, c.want)
			}
		}
		// The separate filters still apply beside a query.
		issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Level: core.LevelError, Query: "is:unresolved"})
		must(t, "FindIssues(level + query)", err)
		if len(issues) != 1 || issues[0].ID != ids["A"] {
			t.Errorf("level=error query is:unresolved: got %v, want A", issueIDs(issues))
		}
	}},
	{"QueryCommonTerms", func(t *testing.T, s core.Store) {
		// Every tag and text term that matches takes the way of a term
		// matching many issues (checked per issue in the sort order), and
		// must find what the other way finds.
		defer sqlq.SetProbeLimit(0)()
		ctx := context.Background()
		p := MustCreateProject(t, s, "search")
		other := MustCreateProject(t, s, "other")
		ids := seedSearch(t, s, p.ID)
		seedSearch(t, s, other.ID)
		names := map[int64]string{}
		for n, id := range ids {
			names[id] = n
		}
		for _, c := range searchCases {
			for _, sort := range []string{"last_seen", "first_seen", "count"} {
				// Pages of 2, so the cursor condition joins the term's.
				var got []string
				f := core.IssueFilter{ProjectID: p.ID, Query: c.query, Sort: sort, Limit: 2}
				for {
					issues, next, err := s.FindIssues(ctx, f)
					must(t, fmt.Sprintf("FindIssues(%q, sort %s)", c.query, sort), err)
					for _, is := range issues {
						got = append(got, names[is.ID])
					}
					if next == "" {
						break
					}
					f.Cursor = next
				}
				slices.Sort(got)
				if g := strings.Join(got, " "); g != c.want {
					t.Errorf("query %q, sort %s: got [%s], want [%s]", c.query, sort, g, c.want)
				}
			}
		}
	}},
	{"BadQueryInvalid", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "search")
		seedSearch(t, s, p.ID)
		for q, token := range map[string]string{
			"level:error brwser.name:Chrome": "brwser.name:Chrome", // no issue has the tag
			"is:open":                        "is:open",
			`"reset`:                         `"reset`,
			"times_seen:>x":                  "times_seen:>x",
		} {
			_, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Query: q})
			wantCode(t, fmt.Sprintf("FindIssues(%q)", q), err, core.EINVALID)
			var e *core.Error
			if !errors.As(err, &e) || e.Field != "query" || !strings.Contains(e.Message, token) {
				t.Errorf("query %q: got %v, want field query naming %q", q, err, token)
			}
		}
	}},
	{"IssueTags", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "search")
		ids := seedSearch(t, s, p.ID)
		tags, err := s.FindIssueTags(ctx, ids["B"])
		must(t, "FindIssueTags(B)", err)
		want := "browser.name=Firefox:2 environment=staging:3 level=warning:3 release=1.2.4:2 release=1.2.3:1"
		if got := tagString(tags); got != want {
			t.Errorf("tags of B: got %s, want %s", got, want)
		}
		// Later events add to known values and new ones, whichever batch.
		for range 2 {
			e := NewEvent(p.ID, "search-B")
			e.Title, e.Culprit, e.Level, e.Environment, e.Release = "TimeoutError: request timed out", "payments.charge", core.LevelWarning, "staging", "1.2.5"
			e.Tags = []core.Tag{tag("browser.name", "Firefox")}
			MustWrite(t, s, e)
		}
		tags, err = s.FindIssueTags(ctx, ids["B"])
		must(t, "FindIssueTags(B) after more events", err)
		want = "browser.name=Firefox:4 environment=staging:5 level=warning:5 release=1.2.4:2 release=1.2.5:2 release=1.2.3:1"
		if got := tagString(tags); got != want {
			t.Errorf("tags of B after two more events: got %s, want %s", got, want)
		}
		if _, err := s.FindIssueTags(ctx, 999999); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("FindIssueTags(unknown): got %v, want ENOTFOUND", err)
		}
	}},
	{"TagValuesBounded", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "search")
		var events []*core.Event
		for i := range 105 {
			e := NewEvent(p.ID, "many")
			e.Tags = []core.Tag{tag("request_id", fmt.Sprintf("r%03d", i))}
			events = append(events, e)
		}
		// In batches of 50, so the bound is reached across batches.
		var id int64
		for i := 0; i < len(events); i += 50 {
			id = MustWrite(t, s, events[i:min(i+50, len(events))]...)[0].IssueID
		}
		tags, err := s.FindIssueTags(ctx, id)
		must(t, "FindIssueTags", err)
		values, other, total := 0, int64(0), int64(0)
		for _, tg := range tags {
			if tg.Key != "request_id" {
				continue
			}
			total += tg.Count
			if tg.Value == "" {
				other = tg.Count
			} else {
				values++
			}
		}
		if values < 100 || values > 105 || total != 105 || (values < 105 && other != int64(105-values)) {
			t.Errorf("request_id: %d values kept, %d events under \"\", %d in all; want about 100 kept and every event counted", values, other, total)
		}
		// Search still finds a kept value.
		issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Query: "request_id:r000"})
		must(t, "FindIssues(request_id:r000)", err)
		if len(issues) != 1 || issues[0].ID != id {
			t.Errorf("request_id:r000: got %v, want [%d]", issueIDs(issues), id)
		}
	}},
	{"FollowsMergeAndDelete", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "search")
		ids := seedSearch(t, s, p.ID)
		if _, err := s.MergeIssues(ctx, ids["A"], []int64{ids["B"]}); err != nil {
			t.Fatalf("MergeIssues: %v", err)
		}
		for q, want := range map[string][]int64{
			"browser.name:Firefox": {ids["A"], ids["C"]},
			"environment:staging":  {ids["A"]},
			"timed out":            nil, // the merged issue's text is gone with it
		} {
			issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Query: q, Sort: "first_seen"})
			must(t, "FindIssues("+q+")", err)
			got := issueIDs(issues)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) && len(got)+len(want) > 0 {
				t.Errorf("after merge, %q: got %v, want %v", q, got, want)
			}
		}
		tags, err := s.FindIssueTags(ctx, ids["A"])
		must(t, "FindIssueTags(merged)", err)
		if got := tagString(tags); !strings.Contains(got, "browser.name=Chrome:3 browser.name=Firefox:2") || !strings.Contains(got, "release=1.2.3:4") {
			t.Errorf("tags after merge: %s, want B's added to A's", got)
		}
		must(t, "DeleteIssue", s.DeleteIssue(ctx, ids["D"]))
		issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Query: "quota"})
		must(t, "FindIssues(quota)", err)
		if len(issues) != 0 {
			t.Errorf("quota after deleting D: got %v, want none", issueIDs(issues))
		}
	}},
}

func tagString(tags []*core.IssueTag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, fmt.Sprintf("%s=%s:%d", t.Key, t.Value, t.Count))
	}
	return strings.Join(parts, " ")
}

// TagCountsFlush checks that tag counts the writer holds in memory reach
// the database: every FlushEvery (seen by a second store on the same
// database, whose reads cannot see the first's memory) and at Close. open
// returns a new store on one database each call, reading time from clock.
func TagCountsFlush(t *testing.T, open func(tb testing.TB, clock core.Clock) core.Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	clock := func() time.Time { return now }
	s := open(t, clock)
	p := MustCreateProject(t, s, "flush")
	write := func() int64 {
		e := NewEvent(p.ID, "flushed")
		e.Tags = []core.Tag{tag("browser.name", "Chrome")}
		return MustWrite(t, s, e)[0].IssueID
	}
	id := write() // a new value: written with the batch
	write()       // a known one: counted in memory
	count := func(s core.Store) int64 {
		tags, err := s.FindIssueTags(ctx, id)
		must(t, "FindIssueTags", err)
		for _, tg := range tags {
			if tg.Key == "browser.name" && tg.Value == "Chrome" {
				return tg.Count
			}
		}
		return 0
	}
	other := open(t, clock)
	if got, mem := count(other), count(s); got != 1 || mem != 2 {
		t.Errorf("before FlushEvery: %d in the database, %d with the writer's memory; want 1 and 2", got, mem)
	}
	now = now.Add(3 * time.Second)
	write() // due: the batch writes the held count, and holds its own
	if got, mem := count(other), count(s); got != 2 || mem != 3 {
		t.Errorf("after FlushEvery: %d in the database, %d with the writer's memory; want 2 and 3", got, mem)
	}
	must(t, "Close", s.Close())
	if got := count(other); got != 3 {
		t.Errorf("after Close: %d in the database, want 3", got)
	}
}
