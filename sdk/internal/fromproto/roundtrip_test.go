package fromproto_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/sdk/internal/fromproto"
	"github.com/periscope-hq/periscope/sdk/internal/toproto"
	"github.com/periscope-hq/periscope/sdk/notifier"
)

// full returns a notification with every field set, so a field added to
// the Go type but not to the conversions fails the round trip.
func full() notifier.Notification {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	return notifier.Notification{
		IdempotencyKey: "k", Test: true, IssueURL: "https://p.example.com/issues/3",
		Alert:   notifier.Alert{ID: 1, Kind: notifier.KindThreshold, CreatedAt: t0},
		Project: notifier.Project{ID: 2, Name: "p"},
		Issue: notifier.Issue{ID: 3, Title: "t", Culprit: "c", Level: "l", Platform: "pl", Status: "s", Count: 4,
			FirstSeen: t0.Add(time.Second), LastSeen: t0.Add(time.Minute), URL: "u"},
		Event: notifier.Event{ID: "e", Environment: "env", Release: "r", Tags: []notifier.Tag{{Key: "a", Value: "b"}},
			Message: "m", Exception: &notifier.Exception{Type: "ValueError", Value: "bad", Module: "app.errors",
				Frames: []notifier.Frame{{Function: "f", Filename: "app/x.py", Module: "app.x", Lineno: 7}}}},
	}
}

// assertNoZeroFields fails for any zero-valued field, recursively.
func assertNoZeroFields(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice && v.Len() > 0 && v.Index(0).Kind() == reflect.Struct {
		assertNoZeroFields(t, v.Index(0), path+"[0]")
		return
	}
	if v.Kind() == reflect.Struct && v.Type() != reflect.TypeOf(time.Time{}) {
		for i := 0; i < v.NumField(); i++ {
			assertNoZeroFields(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
		return
	}
	if v.IsZero() {
		t.Errorf("sample leaves %s zero; set it so the round trip covers it", path)
	}
}

func TestNotificationRoundTrip(t *testing.T) {
	in := full()
	assertNoZeroFields(t, reflect.ValueOf(in), "Notification")
	if out := fromproto.Notification(toproto.Notification(in)); !reflect.DeepEqual(out, in) {
		t.Errorf("round trip\n got %+v\nwant %+v", out, in)
	}
	// Zero times stay zero; nil tags come back empty, not nil.
	out := fromproto.Notification(toproto.Notification(notifier.Notification{}))
	if !out.Issue.FirstSeen.IsZero() || out.Event.Tags == nil || out.Event.Exception != nil {
		t.Errorf("empty round trip = %+v", out)
	}
}

func TestInfoAndErrorRoundTrip(t *testing.T) {
	info := notifier.Info{Name: "n", Version: "v", Description: "d"}
	if got := fromproto.Info(toproto.Info(info)); got != info {
		t.Errorf("Info round trip = %+v", got)
	}
	if fromproto.Error(toproto.Error(nil)) != nil {
		t.Error("nil error does not survive")
	}
	ce := notifier.AsConfigError(fromproto.Error(toproto.Error(notifier.FieldError("to[2]", "bad address"))))
	if ce == nil || ce.Field != "to[2]" || ce.Message != "bad address" {
		t.Errorf("config error round trip = %+v", ce)
	}
}
