package itest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
)

// goSender records what the sentry-go transport reports.
type goSender struct {
	mu   sync.Mutex
	sent []sentEvent
}

// send captures with a fresh hub so tests do not share global state.
func newGoClient(t *testing.T, dsn string) (*sentry.Hub, *goSender) {
	t.Helper()
	rec := &goSender{}
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:              dsn,
		Release:          "itest@1.0.0",
		Environment:      "itest",
		AttachStacktrace: true,
		BeforeSend: func(ev *sentry.Event, hint *sentry.EventHint) *sentry.Event {
			rec.mu.Lock()
			// sentry-go does not report the HTTP status of a send; the
			// storage check that follows is what proves delivery.
			rec.sent = append(rec.sent, sentEvent{EventID: string(ev.EventID), Status: statusNotReported, Case: ev.Tags["case"]})
			rec.mu.Unlock()
			return ev
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sentry.NewHub(client, sentry.NewScope()), rec
}

type orderError struct{ id int }

func (e *orderError) Error() string { return fmt.Sprintf("order %d: payment declined", e.id) }

//go:noinline
func failSameLine(id int) error { return &orderError{id} }

//go:noinline
func failOtherLine(id int) error { return &orderError{id} }

func capture(hub *sentry.Hub, c string, fn func(h *sentry.Hub)) {
	hub.WithScope(func(s *sentry.Scope) {
		s.SetTag("case", c)
		h := sentry.NewHub(hub.Client(), s)
		fn(h)
	})
}

// TestGoSDK drives the official sentry-go SDK against a real periscope on
// both databases: every event it sends is stored once with its title and
// level.
func TestGoSDK(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("go-app")
		hub, rec := newGoClient(t, p.Keys[0].DSN)

		for _, id := range []int{1, 2} {
			capture(hub, "same-line", func(h *sentry.Hub) { h.CaptureException(failSameLine(id)) })
		}
		capture(hub, "other-line", func(h *sentry.Hub) { h.CaptureException(failOtherLine(3)) })
		capture(hub, "wrapped", func(h *sentry.Hub) {
			h.CaptureException(fmt.Errorf("checkout: %w", errors.Join(errors.New("db down"), failSameLine(4))))
		})
		for _, id := range []int{17, 4242} {
			capture(hub, "message-params", func(h *sentry.Hub) {
				h.Scope().SetLevel(sentry.LevelWarning)
				h.CaptureMessage(fmt.Sprintf("user %d logged in from 10.0.0.%d", id, id%250))
			})
		}
		for _, tenant := range []string{"acme", "globex"} {
			capture(hub, "fingerprint-default", func(h *sentry.Hub) {
				h.Scope().SetFingerprint([]string{"{{ default }}", tenant})
				h.CaptureException(failSameLine(9))
			})
		}
		capture(hub, "attachment", func(h *sentry.Hub) {
			h.Scope().AddAttachment(&sentry.Attachment{Filename: "order.json", ContentType: "application/json", Payload: []byte(`{"order":42}`)})
			h.AddBreadcrumb(&sentry.Breadcrumb{Type: "http", Category: "http", Level: sentry.LevelWarning,
				Message: "POST /reserve", Data: map[string]any{"status_code": 503}}, nil)
			h.CaptureException(failOtherLine(42))
		})
		capture(hub, "panic", func(h *sentry.Hub) {
			func() {
				defer func() {
					if r := recover(); r != nil {
						h.Recover(r)
					}
				}()
				var m map[string]int
				m["boom"] = 1
			}()
		})
		if !hub.Flush(10 * time.Second) {
			t.Fatal("sentry-go did not flush within 10s")
		}
		rec.mu.Lock()
		sent := append([]sentEvent(nil), rec.sent...)
		rec.mu.Unlock()
		if len(sent) != 10 {
			t.Fatalf("sentry-go sent %d events, want 10", len(sent))
		}
		stored := checkStoredOnce(t, s, p.ID, sent)
		checkGrouping(t, sent, stored)
		for _, e := range sent {
			ev := stored[e.EventID]
			if ev == nil {
				continue
			}
			switch e.Case {
			case "same-line", "other-line":
				if !strings.HasPrefix(ev.Title, "*itest.orderError: order ") || ev.Level != "error" || ev.Platform != "go" {
					t.Errorf("%s: title %q level %q platform %q", e.Case, ev.Title, ev.Level, ev.Platform)
				}
			case "message-params":
				if !strings.HasPrefix(ev.Title, "user ") || ev.Level != "warning" {
					t.Errorf("message: title %q level %q", ev.Title, ev.Level)
				}
			case "attachment":
				if len(ev.Attachments) != 1 || ev.Attachments[0].Filename != "order.json" || ev.Attachments[0].Size != int64(len(`{"order":42}`)) {
					t.Errorf("attachment not stored with its event: %+v", ev.Attachments)
				}
				// The breadcrumb reaches the normalized event the API serves.
				if b := ev.Data.Breadcrumbs; b == nil || len(b.Values) != 1 || b.Values[0].Message != "POST /reserve" ||
					b.Values[0].Level != "warning" || b.Values[0].Type != "http" || b.Values[0].Timestamp.IsZero() ||
					b.Values[0].Data["status_code"] != float64(503) {
					t.Errorf("breadcrumbs in the normalized event = %+v, want the one POST /reserve warning", b)
				}
			case "panic":
				if !strings.Contains(ev.Title, "assignment to entry in nil map") || ev.Level != "fatal" {
					t.Errorf("panic: title %q level %q, want the runtime error at level fatal", ev.Title, ev.Level)
				}
			}
		}
	})
}
