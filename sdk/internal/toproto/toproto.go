// Package toproto converts the sdk's Go values (package notifier) into
// protocol v1 messages. Its mirror is package fromproto; a round-trip test
// there keeps the two in step.
package toproto

import (
	"encoding/json"
	"time"

	"github.com/periscope-hq/periscope/sdk/notifier"
	pb "github.com/periscope-hq/periscope/sdk/proto/notifier/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Info converts a plugin's Info.
func Info(i notifier.Info) *pb.Info {
	return &pb.Info{Name: i.Name, Version: i.Version, Description: i.Description}
}

// Config encodes a config as the JSON object the protocol carries; a nil
// config encodes as {}.
func Config(c notifier.Config) ([]byte, error) {
	if c == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(c)
}

// Error converts a plugin's error into its protocol form: nil for nil,
// KIND_INVALID_CONFIG for a *notifier.ConfigError, KIND_PERMANENT for an
// error marked Permanent, KIND_RETRYABLE for anything else, with the delay
// of RetryAfter when there is one.
func Error(err error) *pb.Error {
	if err == nil {
		return nil
	}
	e := &pb.Error{Kind: pb.Error_KIND_RETRYABLE, Message: err.Error()}
	if ce := notifier.AsConfigError(err); ce != nil {
		e.Kind, e.Field, e.Message = pb.Error_KIND_INVALID_CONFIG, ce.Field, ce.Message
	} else if notifier.IsPermanent(err) {
		e.Kind = pb.Error_KIND_PERMANENT
	}
	if d, ok := notifier.RetryAfterOf(err); ok && d > 0 {
		e.RetryAfterMs = d.Milliseconds()
	}
	return e
}

// Notification converts the payload.
func Notification(n notifier.Notification) *pb.Notification {
	tags := make([]*pb.Tag, len(n.Event.Tags))
	for i, t := range n.Event.Tags {
		tags[i] = &pb.Tag{Key: t.Key, Value: t.Value}
	}
	return &pb.Notification{
		IdempotencyKey: n.IdempotencyKey,
		Test:           n.Test,
		IssueUrl:       n.IssueURL,
		Alert: &pb.Alert{
			Id:        n.Alert.ID,
			Kind:      n.Alert.Kind,
			CreatedAt: Timestamp(n.Alert.CreatedAt),
		},
		Project: &pb.Project{Id: n.Project.ID, Name: n.Project.Name},
		Issue: &pb.Issue{
			Id:        n.Issue.ID,
			Title:     n.Issue.Title,
			Culprit:   n.Issue.Culprit,
			Level:     n.Issue.Level,
			Platform:  n.Issue.Platform,
			Status:    n.Issue.Status,
			Count:     n.Issue.Count,
			FirstSeen: Timestamp(n.Issue.FirstSeen),
			LastSeen:  Timestamp(n.Issue.LastSeen),
			Url:       n.Issue.URL,
		},
		Event: &pb.Event{
			Id:          n.Event.ID,
			Environment: n.Event.Environment,
			Release:     n.Event.Release,
			Tags:        tags,
			Message:     n.Event.Message,
			Exception:   exception(n.Event.Exception),
		},
	}
}

func exception(x *notifier.Exception) *pb.Exception {
	if x == nil {
		return nil
	}
	frames := make([]*pb.Frame, len(x.Frames))
	for i, f := range x.Frames {
		frames[i] = &pb.Frame{Function: f.Function, Filename: f.Filename, Module: f.Module, Lineno: int64(f.Lineno)}
	}
	return &pb.Exception{Type: x.Type, Value: x.Value, Module: x.Module, Frames: frames}
}

// Timestamp converts t, with the zero time as nil.
func Timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
