package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
	"github.com/periscope-hq/periscope/sdk"
)

// EventFinder looks up the event that raised an alert; core.IssueStore
// implements it.
type EventFinder interface {
	FindEventByID(ctx context.Context, projectID int64, eventID string) (*core.Event, error)
}

// IssueURL is where a person opens an issue: the web UI's page
// publicURL/issues/<id>, or "" without a public URL. (The admin API route,
// which a browser answers 401, is never linked.)
func IssueURL(publicURL string, issueID int64) string {
	if publicURL == "" || issueID == 0 {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + "/issues/" + strconv.FormatInt(issueID, 10)
}

// BuildPayload makes the plugin payload of a claimed notification (its
// Alert, Issue and Project filled). ev is the event that raised the alert,
// or nil when unknown: then only its ID is set. The exception, its top
// in-app frames and the message come from ev's normalized data, or from
// its payload normalized again when the store keeps no data; an event that
// cannot be read leaves them out and nothing else.
func BuildPayload(n *core.Notification, ev *core.Event, publicURL string) sdk.Notification {
	a, is, p := n.Alert, n.Issue, n.Project
	out := sdk.Notification{
		IssueURL:       IssueURL(publicURL, is.ID),
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
		if data := eventData(ev); data != nil {
			out.Event.Message = data.LogEntry.Text()
			out.Event.Exception = exceptionSummary(data)
		}
	}
	return out
}

// eventData is ev's normalized event: the stored data, else its payload
// normalized again; nil when neither can be read.
func eventData(ev *core.Event) *core.EventData {
	if len(ev.Data) > 0 {
		var d core.EventData
		if json.Unmarshal(ev.Data, &d) == nil {
			return &d
		}
	}
	if len(ev.Payload) == 0 {
		return nil
	}
	d, err := sentry.Normalize(ev.Payload, sentry.NormalizeOptions{Received: ev.Received, EventID: ev.EventID, ForceEventID: true, SkipBreadcrumbs: true})
	if err != nil {
		return nil
	}
	return d
}

// exceptionSummary is the payload's view of data's main exception, nil
// when it has none.
func exceptionSummary(data *core.EventData) *sdk.Exception {
	ex := sentry.MainException(data)
	if ex == nil {
		return nil
	}
	out := &sdk.Exception{Type: ex.Type, Value: ex.Value, Module: ex.Module, Frames: []sdk.Frame{}}
	for _, f := range sentry.TopFrames(data, sdk.MaxFrames) {
		fn := f.Function
		if fn == "" {
			fn = f.RawFunction
		}
		out.Frames = append(out.Frames, sdk.Frame{Function: fn, Filename: f.Filename, Module: f.Module, Lineno: f.Lineno})
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
