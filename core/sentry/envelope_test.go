package sentry

import (
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// wantItem is the expected type and payload of one item.
type wantItem struct {
	typ, payload string
	implicit     bool
}

func checkItems(tb testing.TB, env *Envelope, want []wantItem) {
	tb.Helper()
	if len(env.Items) != len(want) {
		tb.Fatalf("got %d items, want %d: %+v", len(env.Items), len(want), env.Items)
	}
	for i, w := range want {
		it := env.Items[i]
		if it.Type != w.typ || string(it.Payload) != w.payload || it.Implicit != w.implicit || it.Length != len(it.Payload) {
			tb.Errorf("item %d = {%q %q implicit=%v len=%d}, want {%q %q implicit=%v}", i, it.Type, it.Payload, it.Implicit, it.Length, w.typ, w.payload, w.implicit)
		}
	}
}

func TestParseEnvelope(t *testing.T) {
	const hdr = `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://` + testKey + `@h/42","sent_at":"2024-05-01T12:00:00.123Z"}`
	tests := []struct {
		name string
		body string
		want []wantItem
	}{
		{"go explicit lengths, final newline", hdr + "\n" + `{"type":"event","length":13}` + "\n" + `{"message":1}` + "\n",
			[]wantItem{{"event", `{"message":1}`, false}}},
		{"js implicit length, no final newline", hdr + "\n" + `{"type":"event"}` + "\n" + `{"message":"a"}`,
			[]wantItem{{"event", `{"message":"a"}`, true}}},
		{"implicit length with final newline", hdr + "\n" + `{"type":"event"}` + "\n" + `{"message":"a"}` + "\n",
			[]wantItem{{"event", `{"message":"a"}`, true}}},
		{"explicit length, no final newline", hdr + "\n" + `{"type":"attachment","length":3}` + "\n" + "a\nb",
			[]wantItem{{"attachment", "a\nb", false}}},
		{"payload with newlines and binary", hdr + "\n" + `{"type":"attachment","length":5,"filename":"x"}` + "\n" + "\x00\n\xff\n\n" + "\n" + `{"type":"event"}` + "\n{}",
			[]wantItem{{"attachment", "\x00\n\xff\n\n", false}, {"event", "{}", true}}},
		{"empty explicit item", hdr + "\n" + `{"type":"attachment","length":0}` + "\n" + "\n" + `{"type":"event","length":2}` + "\n{}\n",
			[]wantItem{{"attachment", "", false}, {"event", "{}", false}}},
		{"empty explicit item at end", hdr + "\n" + `{"type":"attachment","length":0}`,
			[]wantItem{{"attachment", "", false}}},
		{"empty implicit item", hdr + "\n" + `{"type":"session"}` + "\n\n" + `{"type":"event"}` + "\n{}",
			[]wantItem{{"session", "", true}, {"event", "{}", true}}},
		{"header only", hdr, nil},
		{"header only with newline", hdr + "\n", nil},
		{"empty header", "{}", nil},
		{"unknown item types kept", hdr + "\n" + `{"type":"future_thing","length":2}` + "\n" + "xx\n" + `{"type":"client_report"}` + "\n" + `{"discarded_events":[]}`,
			[]wantItem{{"future_thing", "xx", false}, {"client_report", `{"discarded_events":[]}`, true}}},
		{"blank lines between items and trailing whitespace", hdr + "\n\n\n" + `{"type":"event","length":2}` + "\n{}\n\n \n\t\n",
			[]wantItem{{"event", "{}", false}}},
		{"CRLF header lines, CR kept in implicit payload", hdr + "\r\n" + `{"type":"event"}` + "\r\n" + "{}\r\n" + `{"type":"attachment","length":2}` + "\r\n" + "ab\r\n",
			[]wantItem{{"event", "{}\r", true}, {"attachment", "ab", false}}},
		{"CRLF after explicit payload", hdr + "\n" + `{"type":"event","length":2}` + "\n" + "{}\r\n" + `{"type":"event","length":2}` + "\n{}",
			[]wantItem{{"event", "{}", false}, {"event", "{}", false}}},
		{"length as float literal", hdr + "\n" + `{"type":"event","length":2.0}` + "\n{}",
			[]wantItem{{"event", "{}", false}}},
		{"null length means implicit", hdr + "\n" + `{"type":"event","length":null}` + "\n{}",
			[]wantItem{{"event", "{}", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := ParseEnvelope([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			checkItems(t, env, tt.want)
		})
	}
}

func TestParseEnvelopeHeader(t *testing.T) {
	env, err := ParseEnvelope([]byte(`{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC","dsn":"https://k@h/1","sent_at":"2024-05-01T12:00:00.123Z","sdk":{"name":"sentry.go"},"x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	h := env.Header
	if h.EventID != "9ec79c33ec9942ab8353589fcb2e04dc" || h.DSN != "https://k@h/1" {
		t.Errorf("header = %+v", h)
	}
	if want := time.Date(2024, 5, 1, 12, 0, 0, 123e6, time.UTC); !h.SentAt.Equal(want) {
		t.Errorf("SentAt = %v, want %v", h.SentAt, want)
	}
	if sdk, _ := h.Raw["sdk"].(map[string]any); sdk["name"] != "sentry.go" || h.Raw["x"] != 1.0 {
		t.Errorf("Raw = %v", h.Raw)
	}
}

func TestParseEnvelopeItemHeaders(t *testing.T) {
	body := "{}\n" + `{"type":"attachment","length":1,"filename":"shot.png","content_type":"image/png","attachment_type":"event.minidump","extra":true}` + "\nx\n" +
		`{"type":"attachment","length":1,"filename":"a.txt"}` + "\ny"
	env, err := ParseEnvelope([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	a, b := env.Items[0], env.Items[1]
	if a.Filename != "shot.png" || a.ContentType != "image/png" || a.AttachmentType != "event.minidump" || a.Header["extra"] != true {
		t.Errorf("item 0 = %+v", a)
	}
	if b.AttachmentType != "event.attachment" {
		t.Errorf("default attachment_type = %q", b.AttachmentType)
	}
}

func TestParseEnvelopeErrors(t *testing.T) {
	const hdr = `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}`
	tests := []struct {
		name, body, msg string
	}{
		{"empty body", "", "envelope header at offset 0"},
		{"invalid header JSON", `{"event_id":` + "\n", "envelope header at offset 0"},
		{"header not an object", `["a"]` + "\n", "not a JSON object"},
		{"invalid item header JSON", hdr + "\n" + `{"type":"event"` + "\n{}", "item 1 header at offset 48"},
		{"item header not an object", hdr + "\n" + `"event"` + "\n{}", "item 1 header at offset 48: not a JSON object"},
		{"missing type", hdr + "\n" + `{"length":2}` + "\n{}", "missing item type"},
		{"negative length", hdr + "\n" + `{"type":"event","length":-1}` + "\n{}", "invalid length"},
		{"string length", hdr + "\n" + `{"type":"event","length":"2"}` + "\n{}", "invalid length"},
		{"length too long (truncated)", hdr + "\n" + `{"type":"event","length":100}` + "\n{}", "cut short"},
		{"length too short", hdr + "\n" + `{"type":"event","length":1}` + "\n{}\n", "not followed by a newline"},
		{"truncated in second item", hdr + "\n" + `{"type":"event","length":2}` + "\n{}\n" + `{"type":"attachment","length":10}` + "\nabc", "item 2 (attachment)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEnvelope([]byte(tt.body))
			if core.ErrorCode(err) != core.EINVALID {
				t.Fatalf("error = %v, want EINVALID", err)
			}
			if msg := core.ErrorMessage(err); !strings.Contains(msg, tt.msg) || !strings.HasPrefix(msg, "invalid envelope: ") {
				t.Errorf("message = %q, want it to contain %q", msg, tt.msg)
			}
		})
	}
}

// TestParseEnvelopeAliases checks that payloads alias the input (no copy)
// and cannot grow into the next item.
func TestParseEnvelopeAliases(t *testing.T) {
	body := []byte("{}\n" + `{"type":"event","length":2}` + "\n{}\n" + `{"type":"event","length":2}` + "\n[]\n")
	env, err := ParseEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	p := env.Items[0].Payload
	if cap(p) != len(p) {
		t.Errorf("payload capacity %d exceeds its length %d", cap(p), len(p))
	}
	body[len(body)-2] = '}'
	if string(env.Items[1].Payload) != "[}" {
		t.Errorf("payload does not alias the input: %q", env.Items[1].Payload)
	}
}
