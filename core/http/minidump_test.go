package http_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"mime/multipart"
	nethttp "net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

// fakeMinidump returns a synthetic minidump of n bytes: the MDMP header
// (signature, version 0xA793, no streams) and filler. Periscope does not
// parse the streams, only the magic.
func fakeMinidump(n int) []byte {
	b := make([]byte, n)
	copy(b, "MDMP")
	binary.LittleEndian.PutUint32(b[4:], 0xA793)
	for i := 32; i < n; i++ {
		b[i] = byte(i)
	}
	return b
}

// formPart is one field of a multipart upload; a file when filename is set.
type formPart struct {
	name, filename string
	data           []byte
}

// multipartBody encodes parts as crashpad does: multipart/form-data.
func multipartBody(tb testing.TB, parts ...formPart) ([]byte, string) {
	tb.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		if p.filename != "" {
			fw, ferr := w.CreateFormFile(p.name, p.filename)
			if ferr == nil {
				_, err = fw.Write(p.data)
			} else {
				err = ferr
			}
		} else {
			err = w.WriteField(p.name, string(p.data))
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func (s *testServer) minidumpReq(body []byte, contentType, key string) *nethttp.Request {
	url := fmt.Sprintf("/api/%d/minidump/", s.Project.ID)
	if key != "" {
		url += "?sentry_key=" + key
	}
	req := httptest.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	return req
}

var dashedID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// postMinidump uploads and returns the stored event, with its attachments'
// metadata, after the pipeline drained.
func (s *testServer) postMinidump(tb testing.TB, body []byte, contentType string) *core.Event {
	tb.Helper()
	code, b := s.Do(tb, s.minidumpReq(body, contentType, s.Key))
	if code != 200 || !dashedID.Match(b) {
		tb.Fatalf("status %d body %q, want 200 with a dashed event id as text", code, b)
	}
	s.Drain(tb)
	ev, err := s.Store.FindEventByID(context.Background(), s.Project.ID, strings.ReplaceAll(string(b), "-", ""))
	if err != nil {
		tb.Fatalf("event %s not stored: %v", b, err)
	}
	return ev
}

func attachmentTypes(ev *core.Event) string {
	var out []string
	for _, a := range ev.Attachments {
		out = append(out, a.Filename+":"+a.AttachmentType)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func tagValue(ev *core.Event, key string) string {
	for _, t := range ev.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// The exception is synthetic, so the title is its value alone (as Sentry).
const minidumpTitle = "crash report (symbolication not available)"

func TestMinidumpMultipart(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	dump := fakeMinidump(2048)

	t.Run("minidump only", func(t *testing.T) {
		body, ct := multipartBody(t,
			formPart{name: "prod", data: []byte("shop-app")},
			formPart{name: "upload_file_minidump", filename: "8f1c.dmp", data: dump},
			formPart{name: "log", filename: "app.log", data: []byte("last words")})
		ev := s.postMinidump(t, body, ct)
		if ev.Level != "fatal" || ev.Platform != "native" || ev.Title != minidumpTitle {
			t.Errorf("level %q platform %q title %q, want fatal, native, %q", ev.Level, ev.Platform, ev.Title, minidumpTitle)
		}
		if got, want := attachmentTypes(ev), "8f1c.dmp:event.minidump,app.log:event.attachment"; got != want {
			t.Errorf("attachments %s, want %s", got, want)
		}
		for _, m := range ev.Attachments {
			if m.AttachmentType != "event.minidump" {
				continue
			}
			a, err := s.Store.FindAttachment(context.Background(), s.Project.ID, ev.EventID, m.ID)
			if err != nil || !bytes.Equal(a.Data, dump) {
				t.Fatalf("minidump attachment: err %v, want the %d bytes sent", err, len(dump))
			}
		}
		if !strings.Contains(string(ev.Payload), `"prod":"shop-app"`) {
			t.Errorf("payload %s: plain form fields belong under extra", ev.Payload)
		}
	})

	t.Run("sentry JSON and bracketed keys", func(t *testing.T) {
		const id = "5d1b2c3e4f5a6b7c8d9e0f1a2b3c4d5e"
		frag := `{"event_id":"` + id + `","release":"shop@2.1.0","environment":"production","tags":[["os","linux"]],"user":{"id":"7"}}`
		body, ct := multipartBody(t,
			formPart{name: "sentry", data: []byte(frag)},
			formPart{name: "sentry[tags][build]", data: []byte("nightly")},
			formPart{name: "sentry[contexts][app][app_name]", data: []byte("Shop")},
			formPart{name: "upload_file_minidump", filename: "crash.dmp", data: dump})
		ev := s.postMinidump(t, body, ct)
		if ev.EventID != id {
			t.Errorf("event id %s, want the sentry field's %s", ev.EventID, id)
		}
		if ev.Release != "shop@2.1.0" || ev.Environment != "production" {
			t.Errorf("release %q environment %q, want the sentry field's", ev.Release, ev.Environment)
		}
		if tagValue(ev, "build") != "nightly" || tagValue(ev, "os") != "linux" {
			t.Errorf("tags %v, want build=nightly (bracketed) and os=linux (sentry JSON)", ev.Tags)
		}
		if ev.Level != "fatal" || ev.Title != minidumpTitle {
			t.Errorf("level %q title %q, want fatal and %q", ev.Level, ev.Title, minidumpTitle)
		}
		if !strings.Contains(string(ev.Payload), `"app_name":"Shop"`) {
			t.Errorf("payload %s: want contexts.app.app_name from the bracketed key", ev.Payload)
		}
		if got := attachmentTypes(ev); got != "crash.dmp:event.minidump" {
			t.Errorf("attachments %s, want crash.dmp:event.minidump", got)
		}
	})

	t.Run("sentry-native msgpack event and breadcrumbs", func(t *testing.T) {
		const id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
		event := sentrytest.MsgpackMap("event_id", id, "release", "native@0.9", "environment", "staging",
			"user", sentrytest.MsgpackMap("username", "ann"), "tags", sentrytest.MsgpackMap("arch", "arm64"))
		crumb := func(ts, msg string) []byte {
			return sentrytest.MsgpackMap("timestamp", ts, "message", msg, "category", "log")
		}
		// sentry-native fills the two files in turn: the order is by time.
		crumbs1 := append(crumb("2026-11-27T10:00:01.000Z", "first"), crumb("2026-11-27T10:00:03.000Z", "third")...)
		crumbs2 := crumb("2026-11-27T10:00:02.000Z", "second")
		body, ct := multipartBody(t,
			formPart{name: "sentry", data: []byte(`{"release":"native@1.0","user":{"id":"7"}}`)},
			formPart{name: "upload_file_minidump", filename: "crash.dmp", data: dump},
			formPart{name: "__sentry-event", filename: "__sentry-event", data: event},
			formPart{name: "__sentry-breadcrumb1", filename: "__sentry-breadcrumb1", data: crumbs1},
			formPart{name: "__sentry-breadcrumb2", filename: "__sentry-breadcrumb2", data: crumbs2})
		ev := s.postMinidump(t, body, ct)
		if ev.EventID != id || ev.Environment != "staging" || ev.Release != "native@1.0" || tagValue(ev, "arch") != "arm64" {
			t.Errorf("event %s environment %q release %q tags %v, want the msgpack event's id, environment and tags, the sentry field's release",
				ev.EventID, ev.Environment, ev.Release, ev.Tags)
		}
		var p struct {
			User        map[string]string `json:"user"`
			Breadcrumbs struct {
				Values []struct {
					Message string `json:"message"`
				} `json:"values"`
			} `json:"breadcrumbs"`
		}
		json.Unmarshal(ev.Payload, &p)
		var msgs []string
		for _, b := range p.Breadcrumbs.Values {
			msgs = append(msgs, b.Message)
		}
		if p.User["username"] != "ann" || p.User["id"] != "7" || strings.Join(msgs, ",") != "first,second,third" {
			t.Errorf("payload %s, want user merged and breadcrumbs first,second,third", ev.Payload)
		}
		if got := attachmentTypes(ev); got != "crash.dmp:event.minidump" {
			t.Errorf("attachments %s, want only the minidump: the msgpack files are consumed", got)
		}
	})

	t.Run("sentry field split in annotation chunks", func(t *testing.T) {
		body, ct := multipartBody(t,
			formPart{name: "sentry__2", data: []byte(`"chunked@1.0"}`)},
			formPart{name: "sentry__1", data: []byte(`{"release":`)},
			formPart{name: "upload_file_minidump", filename: "crash.dmp", data: dump})
		if ev := s.postMinidump(t, body, ct); ev.Release != "chunked@1.0" {
			t.Errorf("release %q, want chunked@1.0 from sentry__1 + sentry__2", ev.Release)
		}
	})

	t.Run("undecodable msgpack files stay attachments", func(t *testing.T) {
		body, ct := multipartBody(t,
			formPart{name: "upload_file_minidump", filename: "crash.dmp", data: dump},
			formPart{name: "__sentry-event", filename: "__sentry-event", data: []byte{0xc1, 0x00}},
			formPart{name: "__sentry-breadcrumb1", filename: "__sentry-breadcrumb1", data: []byte{0x81}})
		ev := s.postMinidump(t, body, ct)
		want := "__sentry-breadcrumb1:event.breadcrumbs,__sentry-event:event.payload,crash.dmp:event.minidump"
		if got := attachmentTypes(ev); got != want {
			t.Errorf("attachments %s, want %s", got, want)
		}
	})

	t.Run("gzip-compressed minidump file", func(t *testing.T) {
		body, ct := multipartBody(t, formPart{name: "upload_file_minidump", filename: "crash.dmp.gz", data: gz(t, dump)})
		ev := s.postMinidump(t, body, ct)
		if got := attachmentTypes(ev); got != "crash.dmp:event.minidump" {
			t.Fatalf("attachments %s, want crash.dmp stored inflated", got)
		}
		if ev.Attachments[0].Size != int64(len(dump)) {
			t.Errorf("size %d, want %d (inflated)", ev.Attachments[0].Size, len(dump))
		}
	})

	t.Run("gzip content encoding of the whole form", func(t *testing.T) {
		body, ct := multipartBody(t, formPart{name: "upload_file_minidump", filename: "crash.dmp", data: dump})
		req := s.minidumpReq(gz(t, body), ct, s.Key)
		req.Header.Set("Content-Encoding", "gzip")
		code, b := s.Do(t, req)
		if code != 200 || !dashedID.Match(b) {
			t.Fatalf("status %d body %q, want 200 with the id", code, b)
		}
	})
}

func TestMinidumpRawBody(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	dump := fakeMinidump(512)
	for _, tc := range []struct {
		name, ct string
		body     []byte
	}{
		{"octet-stream", "application/octet-stream", dump},
		{"x-dmp", "application/x-dmp", dump},
		{"gzip container", "application/octet-stream", gz(t, dump)},
		{"big-endian magic", "application/octet-stream", append([]byte("PMDM"), dump[4:]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := s.postMinidump(t, tc.body, tc.ct)
			if got := attachmentTypes(ev); got != "Minidump:event.minidump" {
				t.Errorf("attachments %s, want Minidump:event.minidump", got)
			}
			if ev.Attachments[0].Size != int64(len(dump)) || ev.Level != "fatal" || ev.Platform != "native" {
				t.Errorf("size %d level %q platform %q, want %d, fatal, native", ev.Attachments[0].Size, ev.Level, ev.Platform, len(dump))
			}
		})
	}
}

func TestMinidumpRejects(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{MaxAttachmentSize: 4096}, pipeline.Options{})
	dump := fakeMinidump(1024)
	form := func(parts ...formPart) ([]byte, string) { return multipartBody(t, parts...) }
	notDump, notDumpCT := form(formPart{name: "upload_file_minidump", filename: "x.dmp", data: []byte("ELF\x7fnot a minidump")})
	big, bigCT := form(formPart{name: "upload_file_minidump", filename: "x.dmp", data: fakeMinidump(8192)})
	bomb, bombCT := form(formPart{name: "upload_file_minidump", filename: "x.dmp.gz", data: gz(t, fakeMinidump(1<<20))})
	noDump, noDumpCT := form(formPart{name: "log", filename: "app.log", data: []byte("x")})
	badJSON, badJSONCT := form(formPart{name: "sentry", data: []byte("{not json")},
		formPart{name: "upload_file_minidump", filename: "x.dmp", data: dump})
	good, goodCT := form(formPart{name: "upload_file_minidump", filename: "x.dmp", data: dump})
	cases := []struct {
		name   string
		req    *nethttp.Request
		status int
	}{
		{"wrong magic", s.minidumpReq(notDump, notDumpCT, s.Key), 400},
		{"wrong magic raw", s.minidumpReq([]byte("MZ\x90\x00 a PE file"), "application/octet-stream", s.Key), 400},
		{"over the attachment limit", s.minidumpReq(big, bigCT, s.Key), 413},
		{"gzip bomb", s.minidumpReq(bomb, bombCT, s.Key), 413},
		{"raw over the limit", s.minidumpReq(fakeMinidump(8192), "application/octet-stream", s.Key), 413},
		{"no minidump field", s.minidumpReq(noDump, noDumpCT, s.Key), 400},
		{"sentry field not JSON", s.minidumpReq(badJSON, badJSONCT, s.Key), 400},
		{"no key", s.minidumpReq(good, goodCT, ""), 401},
		{"unknown key", s.minidumpReq(good, goodCT, "0123456789abcdef0123456789abcdef"), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, b := s.Do(t, tc.req)
			if code != tc.status || detail(b) == "" {
				t.Fatalf("status %d body %s, want %d with a JSON detail", code, b, tc.status)
			}
		})
	}
	if n := s.Stats().Accepted.Load(); n != 0 {
		t.Errorf("%d events accepted, want none", n)
	}
}

// TestMinidumpOverQuota: an upload over the key's quota is refused with
// 429 and the rate-limit headers (Relay answers 200 and drops it; a 200
// from Periscope always means stored), so crashpad keeps it and retries.
func TestMinidumpOverQuota(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{RateLimit: 1}, pipeline.Options{})
	dump := fakeMinidump(256)
	s.postMinidump(t, dump, "application/octet-stream")
	resp, err := s.App().Test(s.minidumpReq(dump, "application/octet-stream", s.Key), 30000)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("X-Sentry-Rate-Limits") == "" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over quota: status %d headers %v, want 429 with X-Sentry-Rate-Limits and Retry-After", resp.StatusCode, resp.Header)
	}
	if got := s.Stats().RateLimited.Load(); got != 1 {
		t.Errorf("rate limited %d, want 1", got)
	}
	if got := s.Stats().Accepted.Load(); got != 1 {
		t.Errorf("accepted %d, want 1 (the first upload)", got)
	}
}
