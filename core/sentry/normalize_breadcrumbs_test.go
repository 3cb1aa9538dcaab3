package sentry

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestNormalizeBreadcrumbs checks both wire forms, both timestamp forms,
// the level mapping and that bad entries are skipped without failing the
// event.
func TestNormalizeBreadcrumbs(t *testing.T) {
	want := time.Date(2024, 5, 1, 11, 59, 0, 500000000, time.UTC)
	for name, crumbs := range map[string]string{
		"list":   `[{"timestamp":1714564740.5,"type":"http","category":"xhr","level":"warn","message":"GET /a","data":{"status_code":500}}]`,
		"values": `{"values":[{"timestamp":"2024-05-01T11:59:00.5Z","type":"http","category":"xhr","level":"warn","message":"GET /a","data":{"status_code":500}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			ev := mustNormalize(t, `{"message":"m","breadcrumbs":`+crumbs+`}`, NormalizeOptions{})
			if ev.Breadcrumbs == nil || len(ev.Breadcrumbs.Values) != 1 {
				t.Fatalf("breadcrumbs = %+v, want one", ev.Breadcrumbs)
			}
			b := ev.Breadcrumbs.Values[0]
			if !b.Timestamp.Equal(want) || b.Type != "http" || b.Category != "xhr" || b.Level != "warning" || b.Message != "GET /a" {
				t.Errorf("breadcrumb = %+v, want %v http xhr warning GET /a", b, want)
			}
			if b.Data["status_code"] != float64(500) {
				t.Errorf("data = %v, want status_code 500", b.Data)
			}
			out, _ := json.Marshal(ev)
			if !strings.Contains(string(out), `"breadcrumbs":{"values":[{"timestamp":"2024-05-01T11:59:00.5Z"`) {
				t.Errorf("JSON form = %s", out)
			}
		})
	}
}

func TestNormalizeBreadcrumbsBadEntries(t *testing.T) {
	ev := mustNormalize(t, `{"message":"m","level":"fatal","breadcrumbs":[1,"x",null,[],{"level":"nonsense","message":7,"data":"d","timestamp":"yesterday"},{}]}`, NormalizeOptions{})
	if ev.Level != "fatal" || ev.LogEntry.Text() != "m" {
		t.Errorf("event damaged: level %q message %q", ev.Level, ev.LogEntry.Text())
	}
	if ev.Breadcrumbs == nil || len(ev.Breadcrumbs.Values) != 2 {
		t.Fatalf("breadcrumbs = %+v, want the two objects", ev.Breadcrumbs)
	}
	b := ev.Breadcrumbs.Values[0]
	if b.Level != "info" || b.Message != "" || b.Data != nil || !b.Timestamp.IsZero() {
		t.Errorf("bad fields kept: %+v", b)
	}
	if d := ev.Breadcrumbs.Values[1]; d.Level != "info" || d.Type != "default" {
		t.Errorf("defaults = %+v, want level info, type default", d)
	}
	for _, e := range []string{"invalid_data: breadcrumbs.values.0", "invalid_data: breadcrumbs.values.4.level"} {
		if !strings.Contains(strings.Join(ev.Errors, "\n"), e) {
			t.Errorf("errors %q lack %q", ev.Errors, e)
		}
	}
	for _, in := range []string{`"nope"`, `7`, `{"values":"x"}`, `{}`, `[]`, `null`} {
		ev := mustNormalize(t, `{"message":"m","breadcrumbs":`+in+`}`, NormalizeOptions{})
		if ev.Breadcrumbs != nil {
			t.Errorf("breadcrumbs %s → %+v, want none", in, ev.Breadcrumbs)
		}
	}
}

// TestNormalizeBreadcrumbsBounded checks that data is bounded like a databag
// (depth, string length) and that at most maxBreadcrumbs, the newest, stay.
func TestNormalizeBreadcrumbsBounded(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 20) + `1` + strings.Repeat(`}`, 20)
	long := strings.Repeat("x", 20000)
	ev := mustNormalize(t, `{"breadcrumbs":[{"message":"`+long+`","data":{"deep":`+deep+`,"long":"`+long+`"}}]}`, NormalizeOptions{})
	b := ev.Breadcrumbs.Values[0]
	if n := len(b.Message); n > 8192 {
		t.Errorf("message kept %d bytes", n)
	}
	if s, _ := b.Data["long"].(string); len(s) > maxBagString || !strings.HasSuffix(s, "...") {
		t.Errorf("data string kept %d bytes", len(s))
	}
	depth := 0
	for v := b.Data["deep"]; ; depth++ {
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		v = m["a"]
	}
	if depth+1 > maxBagDepth {
		t.Errorf("data depth %d, want at most %d", depth+1, maxBagDepth)
	}

	var sb strings.Builder
	sb.WriteString(`{"breadcrumbs":[`)
	for i := 0; i < maxBreadcrumbs+20; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"message":"m` + strings.Repeat("i", i) + `"}`)
	}
	sb.WriteString(`]}`)
	ev = mustNormalize(t, sb.String(), NormalizeOptions{})
	if n := len(ev.Breadcrumbs.Values); n != maxBreadcrumbs {
		t.Fatalf("kept %d breadcrumbs, want %d", n, maxBreadcrumbs)
	}
	if last := ev.Breadcrumbs.Values[maxBreadcrumbs-1].Message; len(last) != maxBreadcrumbs+20 {
		t.Errorf("the newest breadcrumb was not kept last (len %d)", len(last))
	}
}

// TestNormalizeBreadcrumbsClockDrift checks that breadcrumb timestamps are
// shifted by the same drift as the event's (protocol §6.6).
func TestNormalizeBreadcrumbsClockDrift(t *testing.T) {
	recv := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	ev := mustNormalize(t, `{"timestamp":"2024-05-01T10:00:00Z","breadcrumbs":[{"timestamp":"2024-05-01T09:59:00Z"}]}`,
		NormalizeOptions{Received: recv, SentAt: recv.Add(-2 * time.Hour)})
	if got, want := ev.Breadcrumbs.Values[0].Timestamp, recv.Add(-time.Minute); !got.Equal(want) {
		t.Errorf("breadcrumb timestamp %v, want %v (shifted by the drift)", got, want)
	}
}

func TestNormalizeBreadcrumbsSkippedOrAliased(t *testing.T) {
	in := `{"message":"m","breadcrumbs":[{"message":"a"}]}`
	if ev := mustNormalize(t, in, NormalizeOptions{SkipBreadcrumbs: true}); ev.Breadcrumbs != nil {
		t.Errorf("SkipBreadcrumbs kept %+v", ev.Breadcrumbs)
	}
	ev := mustNormalize(t, `{"breadcrumbs":null,"sentry.interfaces.Breadcrumbs":{"values":[{"message":"legacy"}]}}`, NormalizeOptions{})
	if ev.Breadcrumbs == nil || ev.Breadcrumbs.Values[0].Message != "legacy" {
		t.Errorf("a null modern member hides the legacy alias: %+v", ev.Breadcrumbs)
	}
}
