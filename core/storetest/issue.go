package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// seedIssues writes issues h0..h5 in a project: hi has i+1 events, first
// seen at base+i hours and last seen at base+(10-i) hours, so the three
// sorts give three different orders. Returns the issue ids by hash index.
func seedIssues(t *testing.T, s core.Store, projectID int64) []int64 {
	t.Helper()
	var events []*core.Event
	var order []int
	for i := range 6 {
		for j := 0; j <= i; j++ {
			e := NewEvent(projectID, fmt.Sprintf("h%d", i))
			e.Timestamp = base.Add(time.Duration(i) * time.Hour)
			if j == i {
				e.Timestamp = base.Add(time.Duration(10-i) * time.Hour)
			}
			e.Title = fmt.Sprintf("Error %d in checkout", i)
			e.Level = []string{core.LevelError, core.LevelWarning}[i%2]
			e.Environment = []string{"production", "staging", "production"}[i%3]
			e.Release = fmt.Sprintf("r%d", i%2)
			if i == 4 {
				e.Title, e.Culprit = "Timeout 100%_done", "payments.charge"
			}
			events = append(events, e)
			order = append(order, i)
		}
	}
	res := MustWrite(t, s, events...)
	ids := make([]int64, 6)
	for k, r := range res {
		ids[order[k]] = r.IssueID
	}
	return ids
}

func issueIDs(issues []*core.Issue) []int64 {
	ids := make([]int64, len(issues))
	for i, is := range issues {
		ids[i] = is.ID
	}
	return ids
}

var issueTests = []test{
	{"SortsAndPages", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		ids := seedIssues(t, s, p.ID)
		seedIssues(t, s, other.ID)
		want := map[string][]int64{
			"":           {ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]}, // last_seen: 10-i hours
			"last_seen":  {ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]},
			"first_seen": {ids[0], ids[5], ids[4], ids[3], ids[2], ids[1]}, // h0's only event is at base+10h
			"count":      {ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]},
		}
		for sort, w := range want {
			all, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Sort: sort})
			must(t, "FindIssues(sort "+sort+")", err)
			if got := issueIDs(all); !slices.Equal(got, w) {
				t.Errorf("sort %q: got %v, want %v", sort, got, w)
			}
			var paged []int64
			cursor := ""
			for page := 0; ; page++ {
				if page > 6 {
					t.Fatalf("sort %q: pagination does not end", sort)
				}
				issues, next, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Sort: sort, Limit: 4, Cursor: cursor})
				must(t, "FindIssues(page)", err)
				paged = append(paged, issueIDs(issues)...)
				if next == "" {
					break
				}
				cursor = next
			}
			if !slices.Equal(paged, w) {
				t.Errorf("sort %q in pages of 4: got %v, want %v", sort, paged, w)
			}
		}
		// An exact page ends without a next cursor.
		if _, next, _ := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Limit: 6}); next != "" {
			t.Errorf("a page holding the last issue returned cursor %q", next)
		}
		// Ties in count are broken by id, so pages never repeat or skip.
		all, _, err := s.FindIssues(ctx, core.IssueFilter{Sort: "count"})
		must(t, "FindIssues(all projects)", err)
		if len(all) != 12 {
			t.Fatalf("all projects: %d issues, want 12", len(all))
		}
		var paged []int64
		for cursor := ""; ; {
			issues, next, err := s.FindIssues(ctx, core.IssueFilter{Sort: "count", Limit: 1, Cursor: cursor})
			must(t, "FindIssues(limit 1)", err)
			paged = append(paged, issueIDs(issues)...)
			if cursor = next; cursor == "" || len(paged) > 12 {
				break
			}
		}
		if !slices.Equal(paged, issueIDs(all)) {
			t.Errorf("count ties in pages of 1: got %v, want %v", paged, issueIDs(all))
		}
	}},
	{"Filters", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		ids := seedIssues(t, s, p.ID)
		resolved := core.StatusResolved
		_, err := s.UpdateIssue(ctx, ids[1], core.IssueUpdate{Status: &resolved})
		must(t, "UpdateIssue", err)
		cases := []struct {
			name string
			f    core.IssueFilter
			want []int64
		}{
			{"status", core.IssueFilter{Status: core.StatusResolved}, []int64{ids[1]}},
			{"unresolved", core.IssueFilter{Status: core.StatusUnresolved, Sort: "count"}, []int64{ids[5], ids[4], ids[3], ids[2], ids[0]}},
			{"level", core.IssueFilter{Level: core.LevelWarning, Sort: "count"}, []int64{ids[5], ids[3], ids[1]}},
			{"environment", core.IssueFilter{Environment: "staging", Sort: "count"}, []int64{ids[4], ids[1]}},
			{"release", core.IssueFilter{Release: "r0", Sort: "count"}, []int64{ids[4], ids[2], ids[0]}},
			{"query title", core.IssueFilter{Query: "ERROR 3"}, []int64{ids[3]}},
			{"query culprit", core.IssueFilter{Query: "payments"}, []int64{ids[4]}},
			{"query wildcards are literal", core.IssueFilter{Query: "100%_"}, []int64{ids[4]}},
			{"query percent alone", core.IssueFilter{Query: "%"}, []int64{ids[4]}},
			{"first seen range", core.IssueFilter{FirstSeenGE: base.Add(2 * time.Hour), FirstSeenLT: base.Add(4 * time.Hour), Sort: "count"}, []int64{ids[3], ids[2]}},
			{"last seen range", core.IssueFilter{LastSeenGE: base.Add(8 * time.Hour), Sort: "count"}, []int64{ids[2], ids[1], ids[0]}},
			{"last seen before", core.IssueFilter{LastSeenLT: base.Add(6 * time.Hour), Sort: "count"}, []int64{ids[5]}},
			{"combined", core.IssueFilter{Level: core.LevelError, Environment: "production", Sort: "count"}, []int64{ids[2], ids[0]}},
		}
		for _, c := range cases {
			c.f.ProjectID = p.ID
			issues, _, err := s.FindIssues(ctx, c.f)
			must(t, "FindIssues("+c.name+")", err)
			if got := issueIDs(issues); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	}},
	{"BadFilterInvalid", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		seedIssues(t, s, p.ID)
		for name, f := range map[string]core.IssueFilter{
			"sort":   {Sort: "title"},
			"status": {Status: "closed"},
			"limit":  {Limit: -1},
			"cursor": {Cursor: "not a cursor"},
		} {
			_, _, err := s.FindIssues(ctx, f)
			wantCode(t, "FindIssues(bad "+name+")", err, core.EINVALID)
		}
		_, next, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Sort: "count", Limit: 2})
		must(t, "FindIssues", err)
		_, _, err = s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Sort: "first_seen", Limit: 2, Cursor: next})
		wantCode(t, "FindIssues(cursor of another sort)", err, core.EINVALID)
	}},
	{"Update", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		r := MustWrite(t, s, NewEvent(p.ID, "aaaa"))[0]
		resolved, unresolved, ignored, bogus := core.StatusResolved, core.StatusUnresolved, core.StatusIgnored, "closed"
		is, err := s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{Status: &resolved})
		must(t, "UpdateIssue(resolve)", err)
		if is.Status != resolved || is.ResolvedAt == nil || is.ResolvedAt.Location() != time.UTC {
			t.Fatalf("resolved issue: %+v", is)
		}
		if got := mustIssue(t, s, r.IssueID); got.Status != resolved || got.ResolvedAt == nil || !got.ResolvedAt.Equal(*is.ResolvedAt) {
			t.Errorf("stored after resolve: %+v", got)
		}
		is, err = s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{Status: &unresolved})
		must(t, "UpdateIssue(unresolve)", err)
		if is.Status != unresolved || is.ResolvedAt != nil {
			t.Errorf("unresolved issue: %+v", is)
		}
		until := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
		is, err = s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{Status: &ignored, IgnoreUntil: &until})
		must(t, "UpdateIssue(ignore until)", err)
		if got := mustIssue(t, s, r.IssueID); got.Status != ignored || got.IgnoreUntil == nil || !got.IgnoreUntil.Equal(until) {
			t.Errorf("stored after ignore: %+v, want ignored until %v", got, until)
		}
		MustWrite(t, s, NewEvent(p.ID, "aaaa"))
		if got := mustIssue(t, s, r.IssueID); got.Status != ignored {
			t.Errorf("an event before ignore_until: status %q, want ignored", got.Status)
		}
		if got, err := s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{}); err != nil || got.Status != ignored {
			t.Errorf("empty update: %+v, %v; want unchanged", got, err)
		}
		_, err = s.UpdateIssue(ctx, 424242, core.IssueUpdate{Status: &resolved})
		wantCode(t, "UpdateIssue(unknown)", err, core.ENOTFOUND)
		_, err = s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{Status: &bogus})
		wantCode(t, "UpdateIssue(bad status)", err, core.EINVALID)
		_, err = s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{Status: &resolved, IgnoreUntil: &until})
		wantCode(t, "UpdateIssue(resolved with ignore_until)", err, core.EINVALID)
		zero := int64(0)
		_, err = s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{IgnoreCount: &zero})
		wantCode(t, "UpdateIssue(ignore_count 0)", err, core.EINVALID)
		_, err = s.FindIssueByID(ctx, 424242)
		wantCode(t, "FindIssueByID(unknown)", err, core.ENOTFOUND)
	}},
}
