// Package fromproto converts protocol v1 messages into the sdk's Go values
// (package notifier). It is the mirror of package toproto.
package fromproto

import (
	"errors"
	"time"

	"github.com/periscope-hq/periscope/sdk/notifier"
	pb "github.com/periscope-hq/periscope/sdk/proto/notifier/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Info converts a plugin's description; nil gives the zero Info.
func Info(i *pb.Info) notifier.Info {
	return notifier.Info{Name: i.GetName(), Version: i.GetVersion(), Description: i.GetDescription()}
}

// Config decodes the config JSON object the protocol carries.
func Config(data []byte) (notifier.Config, error) {
	return notifier.ParseConfig(data)
}

// Error converts a reported failure back into an error that keeps its
// class: nil for nil, a *notifier.ConfigError for KIND_INVALID_CONFIG, an
// error marked Permanent for KIND_PERMANENT, and a plain (retryable) error
// otherwise, wrapped with RetryAfter when the plugin asked for a delay.
func Error(e *pb.Error) error {
	if e == nil {
		return nil
	}
	var err error
	switch e.GetKind() {
	case pb.Error_KIND_INVALID_CONFIG:
		err = &notifier.ConfigError{Field: e.GetField(), Message: e.GetMessage()}
	case pb.Error_KIND_PERMANENT:
		err = notifier.Permanent(errors.New(e.GetMessage()))
	default:
		err = errors.New(e.GetMessage())
	}
	if ms := e.GetRetryAfterMs(); ms > 0 {
		err = notifier.RetryAfter(err, time.Duration(ms)*time.Millisecond)
	}
	return err
}

// Notification converts the payload. Missing messages give zero values and
// Event.Tags is never nil.
func Notification(n *pb.Notification) notifier.Notification {
	tags := make([]notifier.Tag, len(n.GetEvent().GetTags()))
	for i, t := range n.GetEvent().GetTags() {
		tags[i] = notifier.Tag{Key: t.GetKey(), Value: t.GetValue()}
	}
	a, p, is, ev := n.GetAlert(), n.GetProject(), n.GetIssue(), n.GetEvent()
	return notifier.Notification{
		IdempotencyKey: n.GetIdempotencyKey(),
		Test:           n.GetTest(),
		IssueURL:       n.GetIssueUrl(),
		Alert:          notifier.Alert{ID: a.GetId(), Kind: a.GetKind(), CreatedAt: Time(a.GetCreatedAt())},
		Project:        notifier.Project{ID: p.GetId(), Name: p.GetName()},
		Issue: notifier.Issue{
			ID:        is.GetId(),
			Title:     is.GetTitle(),
			Culprit:   is.GetCulprit(),
			Level:     is.GetLevel(),
			Platform:  is.GetPlatform(),
			Status:    is.GetStatus(),
			Count:     is.GetCount(),
			FirstSeen: Time(is.GetFirstSeen()),
			LastSeen:  Time(is.GetLastSeen()),
			URL:       is.GetUrl(),
		},
		Event: notifier.Event{
			ID:          ev.GetId(),
			Environment: ev.GetEnvironment(),
			Release:     ev.GetRelease(),
			Tags:        tags,
			Message:     ev.GetMessage(),
			Exception:   exception(ev.GetException()),
		},
	}
}

// exception converts an event's exception; nil stays nil and Frames is
// never nil.
func exception(x *pb.Exception) *notifier.Exception {
	if x == nil {
		return nil
	}
	frames := make([]notifier.Frame, len(x.GetFrames()))
	for i, f := range x.GetFrames() {
		frames[i] = notifier.Frame{Function: f.GetFunction(), Filename: f.GetFilename(), Module: f.GetModule(), Lineno: int(f.GetLineno())}
	}
	return &notifier.Exception{Type: x.GetType(), Value: x.GetValue(), Module: x.GetModule(), Frames: frames}
}

// Time converts a timestamp to UTC, with nil as the zero time.
func Time(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime().UTC()
}
