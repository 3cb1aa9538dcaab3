package service

import (
	"context"

	"github.com/periscope-hq/periscope/core"
)

// FindEvents returns one page of an issue's events (f.IssueID), newest
// first, and the next page's cursor; ENOTFOUND for an unknown issue. The
// page is never nil.
func (s *Service) FindEvents(ctx context.Context, f core.EventFilter) ([]*core.Event, string, error) {
	iss, err := s.FindIssue(ctx, f.IssueID)
	if err != nil {
		return nil, "", err
	}
	f.IssueID = iss.ID
	evs, next, err := s.Store.FindEvents(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if evs == nil {
		evs = []*core.Event{}
	}
	return evs, next, nil
}

// FindLatestEvent returns the newest event of an issue in full;
// ENOTFOUND for an unknown issue or one without events.
func (s *Service) FindLatestEvent(ctx context.Context, issueID int64) (*core.Event, error) {
	iss, err := s.FindIssue(ctx, issueID)
	if err != nil {
		return nil, err
	}
	evs, _, err := s.Store.FindEvents(ctx, core.EventFilter{IssueID: iss.ID, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "issue %d has no events", iss.ID)
	}
	return s.Store.FindEventByID(ctx, iss.ProjectID, evs[0].EventID)
}

// FindEvent returns an event of a project by its event id (32 lowercase
// hex), or ENOTFOUND.
func (s *Service) FindEvent(ctx context.Context, projectID int64, eventID string) (*core.Event, error) {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	return s.Store.FindEventByID(ctx, projectID, eventID)
}

// FindAttachment returns one attachment of an event, or ENOTFOUND.
func (s *Service) FindAttachment(ctx context.Context, projectID int64, eventID string, id int64) (*core.Attachment, error) {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	return s.Store.FindAttachment(ctx, projectID, eventID, id)
}
