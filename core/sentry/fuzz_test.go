package sentry

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

// Fuzz targets for every parser that reads network bytes. Seed corpora are
// in testdata/fuzz/<Target>/ (regenerate with the sentrygen tag, see
// sdkgen_test.go); run one with e.g.
//
//	go test -run '^$' -fuzz '^FuzzNormalize$' -fuzztime 20s ./core/sentry/

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("{}\n{\"type\":\"event\"}\n{}"))
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":3}\na\nb\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ParseEnvelope(data)
		if err != nil {
			if core.ErrorCode(err) != core.EINVALID {
				t.Fatalf("error code %q: %v", core.ErrorCode(err), err)
			}
			return
		}
		for _, it := range env.Items {
			if it.Type == "" || it.Length != len(it.Payload) || len(it.Payload) > len(data) {
				t.Fatalf("bad item %+v", it)
			}
			if it.Type == "event" || it.Type == "transaction" {
				if ev, err := Normalize(it.Payload, NormalizeOptions{SentAt: env.Header.SentAt, EventID: env.Header.EventID}); err == nil {
					_ = Title(ev)
				}
			}
		}
	})
}

func FuzzParseAuth(f *testing.F) {
	f.Add("Sentry sentry_key=abc, sentry_version=7", "", "")
	f.Add("", "Basic YWJjOmRlZg==", "")
	f.Add("", "", "sentry_key=abc&sentry_version=7&sentry_client=x%2F1")
	f.Add("sentry_key=a,sentry_secret=(null)", "Sentry sentry_key=b", "sentry_key=c")
	f.Fuzz(func(t *testing.T, xsa, authz, query string) {
		a, found, err := ParseAuth(xsa, authz, query)
		if err != nil {
			if !found {
				t.Fatalf("error without a source: %v", err)
			}
			if c := core.ErrorCode(err); c != core.EUNAUTHORIZED && c != core.EINVALID {
				t.Fatalf("error code %q", c)
			}
			return
		}
		if found && (a.PublicKey == "" || a.Source == "" || a.Version == "") {
			t.Fatalf("found but incomplete: %+v", a)
		}
		if !found && a != (Auth{}) {
			t.Fatalf("not found but %+v", a)
		}
	})
}

func FuzzNormalize(f *testing.F) {
	f.Add([]byte(`{"exception":[{"type":"E","value":"v","stacktrace":{"frames":[{"function":"f"}]}}],"tags":[["a","b"]]}`))
	f.Add([]byte(`{"logentry":{"message":"%s %(x)s {} {0}","params":[1]},"level":40,"timestamp":1.5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := Normalize(data, NormalizeOptions{})
		valid := json.Valid(data)
		if err != nil {
			if core.ErrorCode(err) != core.EINVALID {
				t.Fatalf("error code %q: %v", core.ErrorCode(err), err)
			}
			trimmed := bytes.TrimSpace(data)
			deep := bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > maxDepth
			if valid && len(trimmed) > 0 && trimmed[0] == '{' && !deep {
				t.Fatalf("valid JSON object rejected: %v", err)
			}
			return
		}
		if !valid {
			t.Fatalf("invalid JSON accepted: %q", data)
		}
		if ev.EventID == "" || ev.Level == "" || ev.Platform == "" || ev.Timestamp.IsZero() {
			t.Fatalf("incomplete event %+v", ev)
		}
		_ = Title(ev)
		_ = Culprit(ev)
		if _, err := json.Marshal(ev); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}

// fuzzEncodings are the codings FuzzDecompress picks from.
var fuzzEncodings = []string{"gzip", "deflate", "br", "zstd", "", "identity", "UTF-8", "store"}

func FuzzDecompress(f *testing.F) {
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x01\x00\x00\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00"), uint8(0))
	f.Add([]byte("x\x9c\x03\x00\x00\x00\x00\x01"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, enc uint8) {
		const limit = 64 << 10 // small: coverage-instrumented decoders are slow
		coding := fuzzEncodings[int(enc)%len(fuzzEncodings)]
		var out []byte
		var err error
		if coding == "store" {
			out, err = DecodeStoreBody(data, limit)
		} else {
			out, err = Decompress(data, coding, limit)
		}
		if err != nil {
			if c := core.ErrorCode(err); c != core.EINVALID && c != core.ETOOLARGE {
				t.Fatalf("error code %q: %v", c, err)
			}
			return
		}
		if len(out) > limit {
			t.Fatalf("output of %d bytes exceeds the limit", len(out))
		}
	})
}
