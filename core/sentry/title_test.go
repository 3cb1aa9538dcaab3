package sentry

import (
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

func TestTitleAndCulprit(t *testing.T) {
	long := strings.Repeat("a", 150)
	tests := []struct {
		name, payload, title, culprit string
	}{
		{"type and value", `{"exception":[{"type":"ValueError","value":"bad"}]}`, "ValueError: bad", ""},
		{"type only", `{"exception":[{"type":"ValueError"}]}`, "ValueError", ""},
		{"value only becomes Error", `{"exception":[{"value":"no colon here"}]}`, "Error: no colon here", ""},
		{"first line, 100 characters", `{"exception":[{"type":"E","value":"` + long + `\nsecond"}]}`, "E: " + long[:97] + "...", ""},
		{"last exception is the title", `{"exception":[{"type":"Cause","value":"c"},{"type":"Outer","value":"o"}]}`, "Outer: o", ""},
		{"message", `{"message":"line one\nline two"}`, "line one", ""},
		{"formatted first", `{"logentry":{"message":"user %s","params":["x"]}}`, "user x", ""},
		{"named curly params", `{"message":{"message":"Here is a new {foo}","params":{"foo":"error"}}}`, "Here is a new error", ""},
		{"unlabeled", `{}`, "<unlabeled event>", ""},
		{"synthetic without message or value", `{"exception":[{"mechanism":{"type":"x","synthetic":true},"type":"","value":"","stacktrace":{"frames":[{"function":"main"}]}},{"type":"T","mechanism":{"synthetic":true},"stacktrace":{"frames":[{"function":"crash_here","in_app":true},{"function":"<unknown>"}]}}]}`, "crash_here", ""},
		{"python culprit", `{"platform":"python","exception":[{"type":"E","stacktrace":{"frames":[{"module":"app.views","function":"index","in_app":true},{"module":"django.core","function":"get","in_app":false}]}}]}`, "E", "app.views in index"},
		{"no in-app frame: newest frame", `{"platform":"python","exception":[{"type":"E","stacktrace":{"frames":[{"module":"a","function":"f"},{"filename":"b.py","function":"g"}]}}]}`, "E", "b.py in g"},
		{"javascript culprit", `{"platform":"javascript","exception":[{"type":"E","stacktrace":{"frames":[{"filename":"https://x/app.js","in_app":true}]}}]}`, "E", "?(/app.js)"},
		{"native culprit", `{"platform":"native","exception":[{"type":"SIGSEGV","stacktrace":{"frames":[{"function":"crash","in_app":true,"filename":"a.c"}]}}]}`, "SIGSEGV", "crash"},
		{"frame platform wins", `{"platform":"python","exception":[{"type":"E","stacktrace":{"frames":[{"function":"f","module":"m","platform":"node","in_app":true}]}}]}`, "E", "f(m)"},
		{"transaction wins", `{"transaction":"/users/:id","culprit":"legacy","exception":[{"type":"E","stacktrace":{"frames":[{"function":"f","module":"m","in_app":true}]}}]}`, "E", "/users/:id"},
		{"legacy culprit", `{"culprit":"legacy in f"}`, "<unlabeled event>", "legacy in f"},
		{"request url", `{"message":"m","request":{"url":"https://x/y"}}`, "m", "https://x/y"},
		{"hpkp", `{"hpkp":{"hostname":"example.com"}}`, "Public key pinning validation failed for 'example.com'", "example.com"},
		{"csp connect", `{"csp":{"effective_directive":"connect-src","blocked_uri":"https://api.evil.com/x","violated_directive":"connect-src 'self'"}}`, "Blocked connection to 'api.evil.com'", "connect-src 'self'"},
		{"csp with logentry", `{"csp":{"effective_directive":"img-src"},"logentry":{"formatted":"Blocked image from 'x'"}}`, "Blocked image from 'x'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := mustNormalize(t, tt.payload, NormalizeOptions{})
			if got := Title(ev); got != tt.title {
				t.Errorf("Title = %q, want %q", got, tt.title)
			}
			if got := Culprit(ev); got != tt.culprit {
				t.Errorf("Culprit = %q, want %q", got, tt.culprit)
			}
		})
	}
	if Title(nil) != "<unlabeled event>" || Culprit(nil) != "" {
		t.Error("nil event")
	}
	if got := Culprit(&core.EventData{Transaction: strings.Repeat("t", 300)}); len(got) != 200 || !strings.HasSuffix(got, "...") {
		t.Errorf("long culprit = %d chars", len(got))
	}
}
