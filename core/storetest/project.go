package storetest

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var keyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

var projectTests = []test{
	{"CreateAndFind", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		before := time.Now().Add(-time.Second)
		p := &core.Project{Name: "web", RateLimit: 600, RetentionDays: 30}
		must(t, "CreateProject", s.CreateProject(ctx, p))
		if p.ID <= 0 {
			t.Fatalf("ID = %d, want > 0", p.ID)
		}
		if p.CreatedAt.Before(before) || p.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt = %v, want a recent UTC time", p.CreatedAt)
		}
		if len(p.Keys) != 1 || !keyRE.MatchString(p.Keys[0].PublicKey) || p.Keys[0].ProjectID != p.ID {
			t.Fatalf("Keys = %+v, want one 32-hex key of project %d", p.Keys, p.ID)
		}
		got, err := s.FindProjectByID(ctx, p.ID)
		must(t, "FindProjectByID", err)
		if got.Name != "web" || got.RateLimit != 600 || got.RetentionDays != 30 || !sameTime(got.CreatedAt, p.CreatedAt) {
			t.Errorf("found %+v, want %+v", got, p)
		}
		if len(got.Keys) != 1 || got.Keys[0].PublicKey != p.Keys[0].PublicKey || !sameTime(got.Keys[0].CreatedAt, p.Keys[0].CreatedAt) {
			t.Errorf("found keys %+v, want %+v", got.Keys, p.Keys)
		}
	}},
	{"DuplicateNameConflicts", func(t *testing.T, s core.Store) {
		MustCreateProject(t, s, "web")
		err := s.CreateProject(context.Background(), &core.Project{Name: "web"})
		wantCode(t, "CreateProject(duplicate)", err, core.ECONFLICT)
		ps, err := s.FindProjects(context.Background())
		must(t, "FindProjects", err)
		if len(ps) != 1 {
			t.Fatalf("after a refused duplicate: %d projects, want 1", len(ps))
		}
	}},
	{"InvalidIsRefused", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		wantCode(t, "CreateProject(empty name)", s.CreateProject(ctx, &core.Project{}), core.EINVALID)
		wantCode(t, "CreateProject(long name)", s.CreateProject(ctx, &core.Project{Name: strings.Repeat("x", 201)}), core.EINVALID)
		wantCode(t, "CreateProject(negative rate)", s.CreateProject(ctx, &core.Project{Name: "a", RateLimit: -1}), core.EINVALID)
	}},
	{"UnknownIDNotFound", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		_, err := s.FindProjectByID(ctx, 424242)
		wantCode(t, "FindProjectByID", err, core.ENOTFOUND)
		name := "x"
		_, err = s.UpdateProject(ctx, 424242, core.ProjectUpdate{Name: &name})
		wantCode(t, "UpdateProject", err, core.ENOTFOUND)
		wantCode(t, "DeleteProject", s.DeleteProject(ctx, 424242), core.ENOTFOUND)
	}},
	{"ListByID", func(t *testing.T, s core.Store) {
		a, b := MustCreateProject(t, s, "b-second"), MustCreateProject(t, s, "a-first")
		must(t, "CreateKey", s.CreateKey(context.Background(), a.ID, &core.ProjectKey{Label: "ci"}))
		ps, err := s.FindProjects(context.Background())
		must(t, "FindProjects", err)
		if len(ps) != 2 || ps[0].ID != a.ID || ps[1].ID != b.ID {
			t.Fatalf("FindProjects = %+v, want [%d %d] by id", ps, a.ID, b.ID)
		}
		if len(ps[0].Keys) != 2 || len(ps[1].Keys) != 1 {
			t.Fatalf("keys per project: %d and %d, want 2 and 1", len(ps[0].Keys), len(ps[1].Keys))
		}
		if ps[0].Keys[0].PublicKey != a.Keys[0].PublicKey || ps[0].Keys[1].Label != "ci" {
			t.Errorf("keys of %q not oldest first: %+v", a.Name, ps[0].Keys)
		}
	}},
	{"Update", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		MustCreateProject(t, s, "api")
		name, rate := "frontend", 120
		got, err := s.UpdateProject(ctx, p.ID, core.ProjectUpdate{Name: &name, RateLimit: &rate})
		must(t, "UpdateProject", err)
		if got.Name != "frontend" || got.RateLimit != 120 || got.RetentionDays != 0 || len(got.Keys) != 1 {
			t.Errorf("UpdateProject returned %+v", got)
		}
		found, err := s.FindProjectByID(ctx, p.ID)
		must(t, "FindProjectByID", err)
		if found.Name != "frontend" || found.RateLimit != 120 {
			t.Errorf("after update: %+v", found)
		}
		dup := "api"
		_, err = s.UpdateProject(ctx, p.ID, core.ProjectUpdate{Name: &dup})
		wantCode(t, "UpdateProject(duplicate name)", err, core.ECONFLICT)
		neg := -1
		_, err = s.UpdateProject(ctx, p.ID, core.ProjectUpdate{RetentionDays: &neg})
		wantCode(t, "UpdateProject(negative retention)", err, core.EINVALID)
	}},
	{"DeleteRemovesEverything", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		other := MustCreateProject(t, s, "other")
		p := MustCreateProject(t, s, "web") // the newest: its id is the one a careless store would reuse
		MustCreateDestination(t, s, p.ID, "hook")
		e := NewEvent(p.ID, "h1")
		res := MustWrite(t, s, e, NewEvent(other.ID, "h1"))
		must(t, "DeleteProject", s.DeleteProject(ctx, p.ID))
		_, err := s.FindProjectByID(ctx, p.ID)
		wantCode(t, "FindProjectByID(deleted)", err, core.ENOTFOUND)
		_, err = s.FindKey(ctx, p.Keys[0].PublicKey)
		wantCode(t, "FindKey(of deleted project)", err, core.ENOTFOUND)
		_, err = s.FindIssueByID(ctx, res[0].IssueID)
		wantCode(t, "FindIssueByID(of deleted project)", err, core.ENOTFOUND)
		_, err = s.FindEventByID(ctx, p.ID, e.EventID)
		wantCode(t, "FindEventByID(of deleted project)", err, core.ENOTFOUND)
		if is := mustIssue(t, s, res[1].IssueID); is.Count != 1 {
			t.Errorf("the other project's issue changed: %+v", is)
		}
		// The same name and fingerprint start afresh, and ids of deleted
		// rows (in DSNs, links, notifications) are never handed out again.
		p2 := MustCreateProject(t, s, "web")
		if p2.ID == p.ID {
			t.Errorf("a new project got the id %d of a deleted one", p.ID)
		}
		res2 := MustWrite(t, s, NewEvent(p2.ID, "h1"))
		if !res2[0].NewIssue || res2[0].IssueID == res[0].IssueID {
			t.Errorf("first event of a re-created project: %+v, want a new issue with a new id", res2[0])
		}
	}},
}

var keyTests = []test{
	{"CreateRevokeFind", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		k := &core.ProjectKey{Label: "backend", RateLimit: 60}
		must(t, "CreateKey", s.CreateKey(ctx, p.ID, k))
		if !keyRE.MatchString(k.PublicKey) || k.ProjectID != p.ID || k.CreatedAt.IsZero() || k.RevokedAt != nil {
			t.Fatalf("created key %+v", k)
		}
		if k.PublicKey == p.Keys[0].PublicKey {
			t.Fatal("two keys share a public key")
		}
		got, err := s.FindKey(ctx, k.PublicKey)
		must(t, "FindKey", err)
		if got.ProjectID != p.ID || got.Label != "backend" || got.RateLimit != 60 || got.RevokedAt != nil {
			t.Errorf("FindKey = %+v", got)
		}

		must(t, "RevokeKey", s.RevokeKey(ctx, p.ID, k.PublicKey))
		got, err = s.FindKey(ctx, k.PublicKey)
		must(t, "FindKey(revoked)", err)
		if got.RevokedAt == nil || got.RevokedAt.Location() != time.UTC {
			t.Errorf("revoked key found with RevokedAt %v, want a UTC time", got.RevokedAt)
		}
		found, err := s.FindProjectByID(ctx, p.ID)
		must(t, "FindProjectByID", err)
		if len(found.Keys) != 1 || found.Keys[0].PublicKey != p.Keys[0].PublicKey {
			t.Errorf("project keys after revoke: %+v, want only the first key", found.Keys)
		}
		wantCode(t, "RevokeKey(again)", s.RevokeKey(ctx, p.ID, k.PublicKey), core.ENOTFOUND)
	}},
	{"Errors", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		wantCode(t, "CreateKey(unknown project)", s.CreateKey(ctx, 424242, &core.ProjectKey{}), core.ENOTFOUND)
		wantCode(t, "CreateKey(bad key)", s.CreateKey(ctx, p.ID, &core.ProjectKey{PublicKey: "NOT-HEX"}), core.EINVALID)
		wantCode(t, "CreateKey(negative rate)", s.CreateKey(ctx, p.ID, &core.ProjectKey{RateLimit: -1}), core.EINVALID)
		explicit := &core.ProjectKey{PublicKey: "0123456789abcdef0123456789abcdef"}
		must(t, "CreateKey(explicit)", s.CreateKey(ctx, p.ID, explicit))
		dup := &core.ProjectKey{PublicKey: explicit.PublicKey}
		wantCode(t, "CreateKey(duplicate)", s.CreateKey(ctx, other.ID, dup), core.ECONFLICT)
		_, err := s.FindKey(ctx, "ffffffffffffffffffffffffffffffff")
		wantCode(t, "FindKey(unknown)", err, core.ENOTFOUND)
		wantCode(t, "RevokeKey(key of another project)", s.RevokeKey(ctx, other.ID, explicit.PublicKey), core.ENOTFOUND)
		if got, err := s.FindKey(ctx, explicit.PublicKey); err != nil || got.RevokedAt != nil {
			t.Errorf("key after a refused revoke: %+v, %v", got, err)
		}
	}},
}
