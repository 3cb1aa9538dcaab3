package service

import (
	"context"

	"github.com/periscope-hq/periscope/core"
)

// FindAlerts returns one page of a project's alerts, newest first, with
// their notifications, and the next page's cursor; ENOTFOUND for an
// unknown project. The page is never nil.
func (s *Service) FindAlerts(ctx context.Context, f core.AlertFilter) ([]*core.Alert, string, error) {
	alerts, next, err := s.Store.FindAlertPage(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if alerts == nil {
		alerts = []*core.Alert{}
	}
	return alerts, next, nil
}

// AcknowledgeAlert marks the alert acknowledged now, unless it already
// is, and returns it; ENOTFOUND for an unknown alert.
func (s *Service) AcknowledgeAlert(ctx context.Context, id int64) (*core.Alert, error) {
	return s.Store.AcknowledgeAlert(ctx, id, s.now())
}
