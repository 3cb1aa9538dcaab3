package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
)

// EventFinder looks up the event that raised an alert; core.IssueStore
// implements it.
type EventFinder interface {
	FindEventByID(ctx context.Context, projectID int64, eventID string) (*core.Event, error)
}

// IssueURL is the admin API address of an issue, or "" without a public
// URL.
func IssueURL(publicURL string, issueID int64) string {
	if publicURL == "" || issueID == 0 {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + "/api/admin/issues/" + strconv.FormatInt(issueID, 10)
}

// BuildPayload makes the plugin payload of a claimed notification (its
// Alert, Issue and Project filled). ev is the event that raised the alert,
// or nil when unknown: then only its ID is set.
func BuildPayload(n *core.Notification, ev *core.Event, publicURL string) sdk.Notification {
	a, is, p := n.Alert, n.Issue, n.Project
	out := sdk.Notification{
		IdempotencyKey: n.IdempotencyKey,
		Alert:          sdk.Alert{ID: a.ID, Kind: a.Kind, CreatedAt: a.CreatedAt.UTC()},
		Project:        sdk.Project{ID: p.ID, Name: p.Name},
		Issue: sdk.Issue{
			ID:        is.ID,
			Title:     is.Title,
			Culprit:   is.Culprit,
			Level:     is.Level,
			Platform:  is.Platform,
			Status:    is.Status,
			Count:     is.Count,
			FirstSeen: is.FirstSeen.UTC(),
			LastSeen:  is.LastSeen.UTC(),
			URL:       IssueURL(publicURL, is.ID),
		},
		Event: sdk.Event{ID: alertEventID(n), Tags: []sdk.Tag{}},
	}
	if out.IdempotencyKey == "" {
		out.IdempotencyKey = "notification-" + strconv.FormatInt(n.ID, 10)
	}
	if ev != nil {
		out.Event.ID = ev.EventID
		out.Event.Environment = ev.Environment
		out.Event.Release = ev.Release
		for _, t := range ev.Tags {
			out.Event.Tags = append(out.Event.Tags, sdk.Tag{Key: t.Key, Value: t.Value})
		}
	}
	return out
}

// alertEventID is the event that raised the alert, or the issue's latest.
func alertEventID(n *core.Notification) string {
	if n.Alert != nil && n.Alert.EventID != "" {
		return n.Alert.EventID
	}
	if n.Issue != nil {
		return n.Issue.LastEventID
	}
	return ""
}

// TestPayload is the made-up notification SendTest delivers: Test set,
// zero IDs, a fresh idempotency key.
func TestPayload(project *core.Project, now time.Time) sdk.Notification {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	p := sdk.Project{}
	if project != nil {
		p = sdk.Project{ID: project.ID, Name: project.Name}
	}
	now = now.UTC()
	return sdk.Notification{
		IdempotencyKey: "test-" + id,
		Test:           true,
		Alert:          sdk.Alert{Kind: sdk.KindNewIssue, CreatedAt: now},
		Project:        p,
		Issue: sdk.Issue{
			Title:     "Periscope test notification",
			Culprit:   "this destination is set up correctly",
			Level:     core.LevelInfo,
			Platform:  "other",
			Status:    core.StatusUnresolved,
			Count:     1,
			FirstSeen: now,
			LastSeen:  now,
		},
		Event: sdk.Event{ID: id, Environment: "test", Tags: []sdk.Tag{{Key: "source", Value: "periscope-test"}}},
	}
}
