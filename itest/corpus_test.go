package itest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

// capturedRequest is one request of ../shared/corpus/sdk/<sdk>/NNN.json.
type capturedRequest struct {
	Method       string              `json:"method"`
	Path         string              `json:"path"`
	RawQuery     string              `json:"raw_query"`
	Headers      map[string][]string `json:"headers"`
	Body         string              `json:"body"`
	BodyEncoding string              `json:"body_encoding"`
	DecodedBody  string              `json:"decoded_body"`
}

var (
	corpusKeyRE = regexp.MustCompile(`sentry_key=publickey`)
	corpusDSNRE = regexp.MustCompile(`"dsn":"http://publickey@[^/"]+/42"`)
)

// TestCorpusReplay replays every request the official sentry-go and
// @sentry/node SDKs sent during the capture (../shared/corpus/sdk),
// rewritten to a fresh project's key and id: each is answered 200, and each
// error event in them is stored exactly once with the title and level its
// payload implies.
func TestCorpusReplay(t *testing.T) {
	t.Parallel()
	corpus := sentrytest.NeedCorpus(t, "OPTIONAL CONFORMANCE TEST (SDK request replay)")
	s := StartServer(t, DB{Name: "sqlite"}, "")
	p := s.CreateProject("corpus")
	key := p.Keys[0].PublicKey
	host := strings.TrimPrefix(s.URL, "http://")

	type expectation struct{ title, level, file string }
	want := map[string]expectation{}
	replayed := 0
	for _, sdk := range []string{"go", "node"} {
		files, _ := filepath.Glob(filepath.Join(corpus, "sdk", sdk, "[0-9]*.json"))
		sort.Strings(files)
		for _, f := range files {
			var c capturedRequest
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			body, gzipped := corpusBody(t, f, c)
			// Point the request at our project: key in headers, query and
			// the envelope header's dsn; project id in the path.
			body = corpusDSNRE.ReplaceAll(body, []byte(fmt.Sprintf(`"dsn":"http://%s@%s/%d"`, key, host, p.ID)))
			for _, ev := range corpusEvents(body) {
				want[ev.id] = expectation{ev.title, ev.level, filepath.Base(f)}
			}
			if gzipped {
				var buf bytes.Buffer
				w := gzip.NewWriter(&buf)
				w.Write(body)
				w.Close()
				body = buf.Bytes()
			}
			path := strings.Replace(c.Path, "/api/42/", fmt.Sprintf("/api/%d/", p.ID), 1)
			url := s.URL + path
			if c.RawQuery != "" {
				url += "?" + corpusKeyRE.ReplaceAllString(c.RawQuery, "sentry_key="+key)
			}
			req, _ := http.NewRequest(c.Method, url, bytes.NewReader(body))
			for name, vals := range c.Headers {
				switch name {
				case "Content-Length", "Host", "Accept-Encoding", "Connection":
					continue
				}
				for _, v := range vals {
					req.Header.Add(name, corpusKeyRE.ReplaceAllString(v, "sentry_key="+key))
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			replayed++
			if resp.StatusCode != 200 {
				t.Errorf("%s/%s: status %d %s, want 200", sdk, filepath.Base(f), resp.StatusCode, answer)
			}
		}
	}
	for id, w := range want {
		ev := s.WaitEvent(t, p.ID, id)
		if ev.Title != w.title || ev.Level != w.level {
			t.Errorf("%s event %s: stored title %q level %q, want %q %q", w.file, id, ev.Title, ev.Level, w.title, w.level)
		}
	}
	var total int64
	for _, is := range s.Issues(t, p.ID) {
		total += is.Count
	}
	if total != int64(len(want)) {
		t.Errorf("issues hold %d events, want %d distinct error events, each stored once", total, len(want))
	}
	t.Logf("replayed %d captured requests; %d distinct events stored once with the expected title and level", replayed, len(want))
}

func corpusBody(t *testing.T, f string, c capturedRequest) ([]byte, bool) {
	gz := false
	for _, v := range c.Headers["Content-Encoding"] {
		gz = gz || v == "gzip"
	}
	if gz {
		if c.DecodedBody == "" {
			t.Fatalf("%s: gzip body without decoded_body", f)
		}
		return []byte(c.DecodedBody), true
	}
	if c.BodyEncoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(c.Body)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return b, false
	}
	return []byte(c.Body), false
}

type corpusEvent struct{ id, title, level string }

// corpusEvents reads the event items of an envelope and derives, from the
// payload alone, the title Sentry shows: "Type: first line of value" of the
// last exception (or the type alone), else the message.
func corpusEvents(body []byte) []corpusEvent {
	var out []corpusEvent
	lines := bytes.SplitN(body, []byte("\n"), 2)
	rest := []byte{}
	if len(lines) == 2 {
		rest = lines[1]
	}
	for len(rest) > 0 {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			nl = len(rest)
		}
		var h struct {
			Type   string `json:"type"`
			Length *int   `json:"length"`
		}
		if json.Unmarshal(rest[:nl], &h) != nil {
			break
		}
		rest = rest[min(nl+1, len(rest)):]
		var payload []byte
		if h.Length != nil {
			payload, rest = rest[:*h.Length], rest[*h.Length:]
			if len(rest) > 0 && rest[0] == '\n' {
				rest = rest[1:]
			}
		} else {
			end := bytes.IndexByte(rest, '\n')
			if end < 0 {
				end = len(rest)
			}
			payload, rest = rest[:end], rest[min(end+1, len(rest)):]
		}
		if h.Type != "event" {
			continue
		}
		var ev struct {
			EventID   string          `json:"event_id"`
			Level     string          `json:"level"`
			Message   json.RawMessage `json:"message"`
			Exception json.RawMessage `json:"exception"`
			LogEntry  struct {
				Formatted string `json:"formatted"`
				Message   string `json:"message"`
			} `json:"logentry"`
		}
		if json.Unmarshal(payload, &ev) != nil {
			continue
		}
		type exc struct {
			Type, Value string
			Mechanism   struct {
				Synthetic        bool `json:"synthetic"`
				IsExceptionGroup bool `json:"is_exception_group"`
				ExceptionID      *int `json:"exception_id"`
			} `json:"mechanism"`
		}
		var excs []exc
		if json.Unmarshal(ev.Exception, &excs) != nil {
			var wrapped struct{ Values []exc }
			json.Unmarshal(ev.Exception, &wrapped)
			excs = wrapped.Values
		}
		title := ""
		if n := len(excs); n > 0 {
			x := excs[n-1]
			// In an exception group the title is that of the first real
			// (non-group) exception by id, not of the group itself.
			if x.Mechanism.IsExceptionGroup {
				best := -1
				for _, e := range excs {
					if !e.Mechanism.IsExceptionGroup && e.Mechanism.ExceptionID != nil && (best < 0 || *e.Mechanism.ExceptionID < best) {
						best, x = *e.Mechanism.ExceptionID, e
					}
				}
			}
			value, _, _ := strings.Cut(x.Value, "\n")
			switch {
			case x.Type == "" || x.Mechanism.Synthetic:
				// A message with a stack trace, or a thrown non-Error:
				// the type is made up by the SDK, the value is the text.
				title = value
			case value == "":
				title = x.Type
			default:
				title = x.Type + ": " + value
			}
		} else {
			var m string
			if json.Unmarshal(ev.Message, &m) != nil || m == "" {
				m = ev.LogEntry.Formatted
				if m == "" {
					m = ev.LogEntry.Message
				}
			}
			title, _, _ = strings.Cut(m, "\n")
		}
		level := ev.Level
		if level == "" {
			level = "error"
		}
		out = append(out, corpusEvent{ev.EventID, title, level})
	}
	return out
}
