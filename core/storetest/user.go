package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var userTests = []test{
	{"CreateFindDelete", testUserCreateFindDelete},
	{"Sessions", testSessions},
	{"Activity", testActivity},
	{"IssueSummaries", testIssueSummaries},
}

func testUserCreateFindDelete(t *testing.T, s core.Store) {
	ctx := context.Background()
	if n, err := s.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("CountUsers on a fresh store = %d, %v; want 0", n, err)
	}
	u := &core.User{Email: "ada@example.com", Role: core.RoleAdmin, PasswordHash: "hash1"}
	must(t, "CreateUser", s.CreateUser(ctx, u))
	if u.ID == 0 || u.CreatedAt.IsZero() {
		t.Fatalf("CreateUser did not fill ID and CreatedAt: %+v", u)
	}
	dup := &core.User{Email: "ada@example.com", Role: core.RoleMember, PasswordHash: "x"}
	wantCode(t, "CreateUser(same email)", s.CreateUser(ctx, dup), core.ECONFLICT)
	m := &core.User{Email: "bob@example.com", Role: core.RoleMember, PasswordHash: "hash2"}
	must(t, "CreateUser(bob)", s.CreateUser(ctx, m))

	got, err := s.FindUserByEmail(ctx, "ada@example.com")
	if err != nil || got.ID != u.ID || got.Role != core.RoleAdmin || got.PasswordHash != "hash1" || !sameTime(got.CreatedAt, u.CreatedAt) {
		t.Fatalf("FindUserByEmail = %+v, %v; want %+v", got, err, u)
	}
	_, err = s.FindUserByEmail(ctx, "nobody@example.com")
	wantCode(t, "FindUserByEmail(unknown)", err, core.ENOTFOUND)

	must(t, "SetUserPassword", s.SetUserPassword(ctx, m.ID, "hash3"))
	if got, err := s.FindUserByID(ctx, m.ID); err != nil || got.PasswordHash != "hash3" || got.Email != "bob@example.com" {
		t.Fatalf("FindUserByID after SetUserPassword = %+v, %v", got, err)
	}
	wantCode(t, "SetUserPassword(unknown)", s.SetUserPassword(ctx, 9999, "h"), core.ENOTFOUND)

	all, err := s.FindUsers(ctx)
	if err != nil || len(all) != 2 || all[0].ID != u.ID || all[1].ID != m.ID {
		t.Fatalf("FindUsers = %v, %v; want ada then bob", all, err)
	}
	must(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	wantCode(t, "DeleteUser(again)", s.DeleteUser(ctx, u.ID), core.ENOTFOUND)
	_, err = s.FindUserByID(ctx, u.ID)
	wantCode(t, "FindUserByID(deleted)", err, core.ENOTFOUND)
	if n, err := s.CountUsers(ctx); err != nil || n != 1 {
		t.Fatalf("CountUsers after a delete = %d, %v; want 1", n, err)
	}
}

func testSessions(t *testing.T, s core.Store) {
	ctx := context.Background()
	now := base
	_, err := s.GetSession(ctx, "abc", now)
	wantCode(t, "GetSession(unknown)", err, core.ENOTFOUND)

	must(t, "SetSession", s.SetSession(ctx, "abc", []byte("one"), now.Add(time.Hour)))
	must(t, "SetSession(other)", s.SetSession(ctx, "old", []byte("x"), now.Add(time.Minute)))
	if d, err := s.GetSession(ctx, "abc", now); err != nil || !bytes.Equal(d, []byte("one")) {
		t.Fatalf("GetSession = %q, %v; want one", d, err)
	}
	must(t, "SetSession(replace)", s.SetSession(ctx, "abc", []byte("two"), now.Add(2*time.Hour)))
	if d, err := s.GetSession(ctx, "abc", now.Add(90*time.Minute)); err != nil || !bytes.Equal(d, []byte("two")) {
		t.Fatalf("GetSession after replace = %q, %v; want two, with the new expiry", d, err)
	}
	// Expired sessions are not returned, and are swept.
	_, err = s.GetSession(ctx, "old", now.Add(time.Minute))
	wantCode(t, "GetSession(expired)", err, core.ENOTFOUND)
	if n, err := s.DeleteExpiredSessions(ctx, now.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	must(t, "DeleteSession", s.DeleteSession(ctx, "abc"))
	must(t, "DeleteSession(again)", s.DeleteSession(ctx, "abc"))
	_, err = s.GetSession(ctx, "abc", now)
	wantCode(t, "GetSession(deleted)", err, core.ENOTFOUND)
}

func testActivity(t *testing.T, s core.Store) {
	ctx := context.Background()
	p := MustCreateProject(t, s, "act")
	res := MustWrite(t, s, NewEvent(p.ID, "a"), NewEvent(p.ID, "b"))
	wantCode(t, "AddActivity(unknown issue)", s.AddActivity(ctx, &core.Activity{IssueID: 99999, Action: "resolve"}), core.ENOTFOUND)
	for i, act := range []string{"resolve", "unresolve", "ignore"} {
		a := &core.Activity{IssueID: res[0].IssueID, Actor: "ada@example.com", Action: act, Detail: "d", CreatedAt: base.Add(time.Duration(i) * time.Second)}
		must(t, "AddActivity", s.AddActivity(ctx, a))
		if a.ID == 0 {
			t.Fatalf("AddActivity did not fill ID")
		}
	}
	must(t, "AddActivity(b)", s.AddActivity(ctx, &core.Activity{IssueID: res[1].IssueID, Action: "resolve"}))
	got, err := s.FindActivity(ctx, res[0].IssueID, 2)
	if err != nil || len(got) != 2 || got[0].Action != "unresolve" || got[1].Action != "ignore" ||
		got[1].Actor != "ada@example.com" || !sameTime(got[1].CreatedAt, base.Add(2*time.Second)) {
		t.Fatalf("FindActivity(limit 2) = %+v, %v; want the newest two, oldest first", got, err)
	}
	// Deleting the issue deletes its activity.
	must(t, "DeleteIssue", s.DeleteIssue(ctx, res[1].IssueID))
	if got, err := s.FindActivity(ctx, res[1].IssueID, 10); err != nil || len(got) != 0 {
		t.Fatalf("FindActivity(deleted issue) = %v, %v; want none", got, err)
	}
}

func testIssueSummaries(t *testing.T, s core.Store) {
	ctx := context.Background()
	p := MustCreateProject(t, s, "sum")
	e1, e2, e3 := NewEvent(p.ID, "a"), NewEvent(p.ID, "a"), NewEvent(p.ID, "b")
	e2.Timestamp = e1.Timestamp.Add(2 * time.Hour)
	res := MustWrite(t, s, e1, e2, e3)
	status := core.StatusResolved
	if _, err := s.UpdateIssue(ctx, res[2].IssueID, core.IssueUpdate{Status: &status}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		status string
		want   int64
	}{{"", 2}, {core.StatusUnresolved, 1}, {core.StatusResolved, 1}, {core.StatusIgnored, 0}} {
		if n, err := s.CountIssues(ctx, p.ID, c.status); err != nil || n != c.want {
			t.Errorf("CountIssues(%q) = %d, %v; want %d", c.status, n, err, c.want)
		}
	}
	tr, err := s.FindIssueTrends(ctx, []int64{res[0].IssueID, res[2].IssueID, 99999}, e1.Timestamp.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a := tr[res[0].IssueID]
	if len(a) != 2 || a[0].Count != 1 || a[1].Count != 1 || !a[1].Start.Equal(e2.Timestamp.Truncate(time.Hour)) || len(tr[res[2].IssueID]) != 1 || len(tr[99999]) != 0 {
		t.Fatalf("FindIssueTrends = %v; want two hours of one event for a, one for b", tr)
	}
	if tr, err := s.FindIssueTrends(ctx, []int64{res[0].IssueID}, e2.Timestamp.Add(time.Hour)); err != nil || len(tr) != 0 {
		t.Fatalf("FindIssueTrends(since after) = %v, %v; want none", tr, err)
	}
}
