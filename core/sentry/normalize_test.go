package sentry

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// mustNormalize normalizes a JSON literal with a fixed received time.
func mustNormalize(tb testing.TB, payload string, opts NormalizeOptions) *core.EventData {
	tb.Helper()
	if opts.Received.IsZero() {
		opts.Received = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	}
	ev, err := Normalize([]byte(payload), opts)
	if err != nil {
		tb.Fatalf("Normalize(%s): %v", payload, err)
	}
	return ev
}

func TestNormalizeLevels(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"fatal"`, "fatal"}, {`"error"`, "error"}, {`"warning"`, "warning"}, {`"info"`, "info"}, {`"debug"`, "debug"},
		{`"critical"`, "fatal"}, {`"log"`, "info"}, {`"warn"`, "warning"}, {`"WARNING"`, "warning"}, {`" Error "`, "error"},
		{`10`, "debug"}, {`20`, "info"}, {`30`, "warning"}, {`40`, "error"}, {`50`, "fatal"}, {`40.0`, "error"},
		{`"nonsense"`, "error"}, {`35`, "error"}, {`null`, "error"}, {`true`, "error"}, {`{}`, "error"},
	}
	for _, tt := range tests {
		ev := mustNormalize(t, `{"message":"m","level":`+tt.in+`}`, NormalizeOptions{})
		if ev.Level != tt.want {
			t.Errorf("level %s → %q, want %q", tt.in, ev.Level, tt.want)
		}
	}
	if ev := mustNormalize(t, `{"type":"transaction"}`, NormalizeOptions{ItemType: "transaction"}); ev.Level != "info" {
		t.Errorf("transaction default level = %q, want info", ev.Level)
	}
}

func TestNormalizePlatforms(t *testing.T) {
	for in, want := range map[string]string{`"python"`: "python", `"node"`: "node", `"crystal"`: "other", `"Python"`: "other", `""`: "other", `null`: "other"} {
		if ev := mustNormalize(t, `{"platform":`+in+`}`, NormalizeOptions{}); ev.Platform != want {
			t.Errorf("platform %s → %q, want %q", in, ev.Platform, want)
		}
	}
}

func TestNormalizeEventIDForms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"9ec79c33ec9942ab8353589fcb2e04dc", "9ec79c33ec9942ab8353589fcb2e04dc"},
		{"9EC79C33EC9942AB8353589FCB2E04DC", "9ec79c33ec9942ab8353589fcb2e04dc"},
		{"9ec79c33-ec99-42ab-8353-589fcb2e04dc", "9ec79c33ec9942ab8353589fcb2e04dc"},
		{"{9ec79c33-ec99-42ab-8353-589fcb2e04dc}", "9ec79c33ec9942ab8353589fcb2e04dc"},
		{"urn:uuid:9ec79c33-ec99-42ab-8353-589fcb2e04dc", "9ec79c33ec9942ab8353589fcb2e04dc"},
		{"9ec79c33ec9942ab8353589fcb2e04d", ""},
		{"9ec79c33-ec99-42ab-8353-589fcb2e04dz", ""},
		{"9ec79c33ec99-42ab-8353-589fcb2e04dc00", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeEventID(tt.in); got != tt.want {
			t.Errorf("NormalizeEventID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	seen := map[string]bool{}
	for range 100 {
		id := NewEventID()
		if !hex32.MatchString(id) || id[12] != '4' || seen[id] {
			t.Fatalf("NewEventID() = %q (duplicate: %v)", id, seen[id])
		}
		seen[id] = true
	}
	// A non-string event_id is invalid and replaced.
	ev := mustNormalize(t, `{"event_id":12}`, NormalizeOptions{EventID: "0123456789abcdef0123456789abcdef"})
	if ev.EventID != "0123456789abcdef0123456789abcdef" || len(ev.Errors) != 1 {
		t.Errorf("event id = %q, errors %v", ev.EventID, ev.Errors)
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-05-01T12:00:00Z", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), true},
		{"2024-05-01T12:00:00.123456789Z", time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC), true},
		{"2024-05-01T14:00:00+02:00", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), true},
		{"2024-05-01T12:00:00", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), true},
		{"2024-05-01 12:00:00.5", time.Date(2024, 5, 1, 12, 0, 0, 5e8, time.UTC), true},
		{"2024-05-01T12:00:00+0200", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), true},
		{"1714564800.25", time.Date(2024, 5, 1, 12, 0, 0, 25e7, time.UTC), true},
		{"1714564800", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), true},
		{"10000-01-01T00:00:00Z", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseTimestamp(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// Epoch numbers in the payload: microsecond rounding, out-of-range rejected.
	ev := mustNormalize(t, `{"timestamp":1714564799.1234567}`, NormalizeOptions{})
	if want := time.Date(2024, 5, 1, 11, 59, 59, 123457000, time.UTC); !ev.Timestamp.Equal(want) {
		t.Errorf("float timestamp = %v, want %v", ev.Timestamp, want)
	}
	ev = mustNormalize(t, `{"timestamp":1e300}`, NormalizeOptions{})
	if !ev.Timestamp.Equal(ev.Received) || len(ev.Errors) != 1 {
		t.Errorf("huge timestamp = %v, errors %v", ev.Timestamp, ev.Errors)
	}
}

func TestNormalizeFrameLimits(t *testing.T) {
	var frames []string
	for i := range 300 {
		frames = append(frames, fmt.Sprintf(`{"function":"f%d","lineno":%d,"vars":{"i":%d},"pre_context":["a"],"context_line":"x"}`, i, i+1, i))
	}
	ev := mustNormalize(t, `{"exception":[{"type":"E","stacktrace":{"frames":[`+strings.Join(frames, ",")+`]}}]}`, NormalizeOptions{})
	got := ev.Exceptions[0].Stacktrace.Frames
	if len(got) != maxFrames {
		t.Fatalf("kept %d frames, want %d", len(got), maxFrames)
	}
	if got[0].Function != "f50" || got[len(got)-1].Function != "f299" {
		t.Errorf("kept frames %s..%s, want the newest (f50..f299)", got[0].Function, got[len(got)-1].Function)
	}
	if got[24].Vars == nil || got[25].Vars != nil || got[len(got)-26].Vars != nil || got[len(got)-25].Vars == nil {
		t.Errorf("vars should be stripped from the middle frames only")
	}
	if got[100].ContextLine == nil || *got[100].ContextLine != "x" || got[100].PreContext != nil {
		t.Errorf("middle frame = %+v; context_line kept, pre_context stripped", got[100])
	}
}

func TestNormalizeFrameFields(t *testing.T) {
	ev := mustNormalize(t, `{"exception":{"type":"E","stacktrace":{"frames":[null, 5,
		{"function":"f","lineno":"12","colno":-1,"in_app":"yes","instruction_addr":4096,"symbol_addr":"0X1F","image_addr":"0x00ab",
		 "vars":["a",2],"pre_context":["x",null],"context_line":7,"platform":"native","package":"/usr/lib/libc.so","data":{"k":1}}]}}}`, NormalizeOptions{})
	f := ev.Exceptions[0].Stacktrace.Frames
	if len(f) != 1 {
		t.Fatalf("frames = %+v", f)
	}
	want := core.Frame{Function: "f", Lineno: 12, InstructionAddr: "0x1000", SymbolAddr: "0x1f", ImageAddr: "0xab",
		Vars: map[string]any{"0": "a", "1": 2.0}, PreContext: []string{"x", ""}, Platform: "native", Package: "/usr/lib/libc.so",
		Data: map[string]any{"k": 1.0}}
	if !reflect.DeepEqual(f[0], want) {
		t.Errorf("frame = %+v\nwant    %+v", f[0], want)
	}
}

func TestNormalizeRejects(t *testing.T) {
	for _, in := range []string{``, ` `, `null`, `"event"`, `42`, `[]`, `{"a":}`, `{"a":1}x`, `{"a":"\x01"}`, "{\"a\":\"\xff\"", `{"a":1,}`, `{'a':1}`,
		`{"breadcrumbs":[1,]}`, `{"modules":{"a":"\q"}}`, `{"modules":{"a" "b"}}`, `{"breadcrumbs":[{"m":"\u12x4"}]}`,
		`{"spans":[tru]}`, `{"breadcrumbs":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`, `{"debug_meta":01}`} {
		_, err := Normalize([]byte(in), NormalizeOptions{})
		if core.ErrorCode(err) != core.EINVALID {
			t.Errorf("Normalize(%q) error = %v, want EINVALID", in, err)
		}
	}
}

// TestNormalizeSkippedMembers checks that members Normalize does not read
// (breadcrumbs, modules...) are still validated but do not change the result.
func TestNormalizeSkippedMembers(t *testing.T) {
	ev := mustNormalize(t, `{"message":"m","breadcrumbs":{"values":[{"message":"a\"b\u00e9","data":{"x":[1,2.5e3,null,true]}}]},"modules":{},"spans":[]}`, NormalizeOptions{})
	if ev.LogEntry.Formatted != "m" || len(ev.Errors) != 0 {
		t.Errorf("event = %+v", ev)
	}
}

func TestNormalizeDoesNotRetainInput(t *testing.T) {
	in := []byte(`{"message":"original","tags":{"k":"v"},"exception":[{"type":"T","value":"V"}]}`)
	ev, err := Normalize(in, NormalizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'x'
	}
	if ev.LogEntry.Formatted != "original" || ev.Tags[0].Value != "v" || ev.Exceptions[0].Type != "T" {
		t.Errorf("normalized event changed with its input: %+v", ev)
	}
}

// TestJSONTreeAgreesWithEncodingJSON checks the parser against encoding/json
// on valid and invalid documents.
func TestJSONTreeAgreesWithEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `{"a":[1,2,{"b":null}],"c":"d\"e\\f\u00e9\ud83d\ude00","e":-1.5e-3,"f":true,"g":false}`,
		` {"a" : 1 } `, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":.5}`, `{"a":1e}`, `{"a":"\q"}`, `{"a":"\u12"}`,
		`{"a":tru}`, `{"a":nul}`, `{"a":[1 2]}`, `{"a" 1}`, `{1:2}`, `[1,]`, `{"a":"b"`, `"\ud800"`, `0`, `-0.0E+1`,
		strings.Repeat("[", 600) + strings.Repeat("]", 600),
	}
	for _, d := range docs {
		tree := getTree()
		err := tree.parse(d)
		valid := json.Valid([]byte(d))
		if (err == nil) != valid && !(valid && strings.HasPrefix(d, "[[[[")) {
			t.Errorf("parse(%.40q): err=%v, encoding/json valid=%v", d, err, valid)
		}
		if err == nil {
			var want any
			_ = json.Unmarshal([]byte(d), &want)
			if got := tree.any(0); !reflect.DeepEqual(got, want) {
				t.Errorf("parse(%.40q) = %#v, want %#v", d, got, want)
			}
		}
		putTree(tree)
	}
}
