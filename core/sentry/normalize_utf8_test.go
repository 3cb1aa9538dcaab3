package sentry

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestNormalizeMakesTextValid: whatever bytes an SDK sends, every string of
// the normalized event is valid UTF-8 without NUL, so that both stores
// accept it, the API answers valid JSON and gRPC accepts the alert.
// Invalid bytes become U+FFFD and NUL is dropped; the raw payload is not
// touched (the pipeline stores it as sent).
func TestNormalizeMakesTextValid(t *testing.T) {
	payload := withBytes(`{"message":"a\u0000b \xff\xfeend","level":"error",` +
		`"tags":{"k\u0000ey":"v\xc3\x28al","ok":"a\u0000b"},` +
		`"exception":{"values":[{"type":"E\u0000rr","value":"bad \xe2\x82 value a\u0000b",` +
		`"stacktrace":{"frames":[{"function":"fn\xff\u0000x","filename":"a\u0000.go","in_app":true,"vars":{"k\xff":"v\u0000"}}]}}]},` +
		`"extra":{"e\u0000":["x\xffy",{"n\u0000":"\u0000"}]},"user":{"id":"\ud800\u0000"}}`)
	orig := append([]byte(nil), payload...)
	ev := mustNormalize(t, string(payload), NormalizeOptions{})
	if string(payload) != string(orig) {
		t.Fatalf("Normalize changed its input")
	}
	var bad []string
	walkStrings(reflect.ValueOf(ev), "event", func(path, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			bad = append(bad, path+"="+strconvQuote(s))
		}
	})
	if len(bad) > 0 {
		t.Errorf("strings that are not valid UTF-8 or hold NUL:\n%s", strings.Join(bad, "\n"))
	}
	if got, want := ev.LogEntry.Text(), "ab \uFFFDend"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	ex := ev.Exceptions[len(ev.Exceptions)-1]
	if ex.Type != "Err" || ex.Value != "bad \uFFFD value ab" {
		t.Errorf("exception %q: %q, want \"Err\": \"bad \\uFFFD value ab\"", ex.Type, ex.Value)
	}
	if fn := ex.Stacktrace.Frames[0].Function; fn != "fn\uFFFDx" {
		t.Errorf("frame function %q, want %q", fn, "fn\uFFFDx")
	}
	tags := map[string]string{}
	for _, tg := range ev.Tags {
		tags[tg.Key] = tg.Value
	}
	if tags["key"] != "v\uFFFD(al" || tags["ok"] != "ab" {
		t.Errorf("tags %q, want key=\"v\\uFFFD(al\" and ok=\"ab\"", tags)
	}
}

// withBytes turns each \xHH of s into that byte (JSON has no such escape:
// it is how a test writes invalid UTF-8 into a payload).
func withBytes(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b = append(b, byte(v))
				i += 3
				continue
			}
		}
		b = append(b, s[i])
	}
	return b
}

func strconvQuote(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "?"), "\x00", `\0`)
}

// walkStrings calls fn for every string reachable from v: fields, map keys
// and values, slice elements.
func walkStrings(v reflect.Value, path string, fn func(path, s string)) {
	switch v.Kind() {
	case reflect.String:
		fn(path, v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walkStrings(v.Field(i), path+"."+v.Type().Field(i).Name, fn)
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw bytes (json.RawMessage) are not text
		}
		for i := 0; i < v.Len(); i++ {
			walkStrings(v.Index(i), path+"[]", fn)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			walkStrings(it.Key(), path+"{key}", fn)
			walkStrings(it.Value(), path+"{}", fn)
		}
	}
}
