package service

import (
	"context"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// FindIssues returns one page of a project's issues and the next page's
// cursor. Status, Level and Sort must be empty or one of the known values
// (EINVALID naming the field); ENOTFOUND for an unknown project. The page
// is never nil.
func (s *Service) FindIssues(ctx context.Context, f core.IssueFilter) ([]*core.Issue, string, error) {
	if err := oneOf("status", f.Status, core.StatusUnresolved, core.StatusResolved, core.StatusIgnored); err != nil {
		return nil, "", err
	}
	if err := oneOf("level", f.Level, core.LevelFatal, core.LevelError, core.LevelWarning, core.LevelInfo, core.LevelDebug); err != nil {
		return nil, "", err
	}
	if err := oneOf("sort", f.Sort, "last_seen", "first_seen", "count"); err != nil {
		return nil, "", err
	}
	if _, err := s.Store.FindProjectByID(ctx, f.ProjectID); err != nil {
		return nil, "", err
	}
	issues, next, err := s.Store.FindIssues(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if issues == nil {
		issues = []*core.Issue{}
	}
	return issues, next, nil
}

// FindIssue returns the issue, or ENOTFOUND when it does not exist or its
// project is being deleted.
func (s *Service) FindIssue(ctx context.Context, id int64) (*core.Issue, error) {
	iss, err := s.Store.FindIssueByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.FindProjectByID(ctx, iss.ProjectID); core.IsNotFound(err) {
		return nil, core.Errorf(core.ENOTFOUND, "issue %d not found", id)
	} else if err != nil {
		return nil, err
	}
	return iss, nil
}

// IssueStats holds an issue's event counts per hour for the last 24 hours
// and per day (UTC) for the last 30 days, oldest first, zeros included.
type IssueStats struct {
	Hours []core.Bucket `json:"24h"`
	Days  []core.Bucket `json:"30d"`
}

// FindIssueStats returns the recent event counts of an issue (see
// IssueStats) ending now.
func (s *Service) FindIssueStats(ctx context.Context, issueID int64) (IssueStats, error) {
	now := s.now()
	hourly, err := s.Store.FindIssueHistogram(ctx, issueID, now.AddDate(0, 0, -31))
	if err != nil {
		return IssueStats{}, err
	}
	return histogram(hourly, now), nil
}

// histogram spreads hourly counts over 24 hours and 30 days ending now.
func histogram(hourly []core.Bucket, now time.Time) IssueStats {
	now = now.UTC()
	h0 := now.Truncate(time.Hour).Add(-23 * time.Hour)
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -29)
	st := IssueStats{Hours: make([]core.Bucket, 24), Days: make([]core.Bucket, 30)}
	for i := range st.Hours {
		st.Hours[i].Start = h0.Add(time.Duration(i) * time.Hour)
	}
	for i := range st.Days {
		st.Days[i].Start = d0.AddDate(0, 0, i)
	}
	for _, b := range hourly {
		t := b.Start.UTC()
		if i := int(t.Sub(h0) / time.Hour); !t.Before(h0) && i < 24 {
			st.Hours[i].Count += b.Count
		}
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		for i := range st.Days { // 30 steps; AddDate keeps calendar days exact
			if st.Days[i].Start.Equal(day) {
				st.Days[i].Count += b.Count
				break
			}
		}
	}
	return st
}

// UpdateIssue resolves, reopens or ignores an issue. Status must be
// unresolved, resolved or ignored; IgnoreCount at least 1; IgnoreUntil in
// the future; and both go only with status ignored (or no status): each
// EINVALID naming the field. ENOTFOUND for an unknown issue.
func (s *Service) UpdateIssue(ctx context.Context, id int64, upd core.IssueUpdate) (*core.Issue, error) {
	if upd.Status != nil {
		switch *upd.Status {
		case core.StatusUnresolved, core.StatusResolved, core.StatusIgnored:
		default:
			return nil, core.FieldErrorf("status", "status must be unresolved, resolved or ignored")
		}
	}
	if upd.IgnoreCount != nil && *upd.IgnoreCount < 1 {
		return nil, core.FieldErrorf("ignore_count", "ignore_count must be at least 1")
	}
	if upd.IgnoreUntil != nil && !upd.IgnoreUntil.After(s.now()) {
		return nil, core.FieldErrorf("ignore_until", "ignore_until must be in the future")
	}
	if (upd.IgnoreUntil != nil || upd.IgnoreCount != nil) && upd.Status != nil && *upd.Status != core.StatusIgnored {
		return nil, core.FieldErrorf("status", "ignore_until and ignore_count go with status ignored")
	}
	if _, err := s.FindIssue(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.UpdateIssue(ctx, id, upd)
}

// DeleteIssue deletes an issue and its events, or answers ENOTFOUND.
func (s *Service) DeleteIssue(ctx context.Context, id int64) error {
	iss, err := s.FindIssue(ctx, id)
	if err != nil {
		return err
	}
	return s.Store.DeleteIssue(ctx, iss.ID)
}

// MergeIssues merges the issues others into the issue into and returns
// it: others must not be empty (EINVALID naming issue_ids); ENOTFOUND for
// an unknown issue; the store refuses issues of other projects.
func (s *Service) MergeIssues(ctx context.Context, into int64, others []int64) (*core.Issue, error) {
	if len(others) == 0 {
		return nil, core.FieldErrorf("issue_ids", "issue_ids is required: the ids of the issues to merge into this one")
	}
	iss, err := s.FindIssue(ctx, into)
	if err != nil {
		return nil, err
	}
	return s.Store.MergeIssues(ctx, iss.ID, others)
}

// FindIssueFingerprints returns the hashes that lead to the issue with the
// grouping configuration of each (see core.IssueStore), or ENOTFOUND as
// FindIssue does.
// FindIssueTags returns the tag values of a visible issue with their
// counts (core.IssueStore.FindIssueTags); ENOTFOUND as FindIssue.
func (s *Service) FindIssueTags(ctx context.Context, id int64) ([]*core.IssueTag, error) {
	if _, err := s.FindIssue(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.FindIssueTags(ctx, id)
}

func (s *Service) FindIssueFingerprints(ctx context.Context, id int64) ([]*core.Fingerprint, error) {
	if _, err := s.FindIssue(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.FindIssueFingerprints(ctx, id)
}
