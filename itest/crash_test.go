package itest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

// crashpadUpload builds a request body as Crashpad's HTTPMultipartBuilder
// writes it: its boundary style, annotations as plain fields, then the
// minidump as upload_file_minidump and attachments as files named after
// themselves, all application/octet-stream; gzip-compressed as a whole,
// Crashpad's default.
func crashpadUpload(tb testing.TB, annotations [][2]string, minidump []byte, attachments map[string][]byte) (body []byte, contentType string) {
	tb.Helper()
	boundary := "---MultipartBoundary-6f3c1e0b9a8d47e2b5c4d3e2f1a0b9c8---"
	var b bytes.Buffer
	for _, kv := range annotations {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n", boundary, kv[0], kv[1])
	}
	file := func(name, filename string, data []byte) {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n", boundary, name, filename)
		b.Write(data)
		b.WriteString("\r\n")
	}
	for name, data := range attachments {
		file(name, name, data)
	}
	file("upload_file_minidump", "2c9c6f4e-5b1a-4d47-9b8e-0f8c1f3a6d21.dmp", minidump)
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b.Bytes())
	w.Close()
	return z.Bytes(), "multipart/form-data; boundary=" + boundary
}

// syntheticMinidump is a minidump header (MDMP, version 0xA793, no
// streams) and filler: Periscope checks the magic, not the streams.
func syntheticMinidump(n int) []byte {
	b := make([]byte, n)
	copy(b, "MDMP")
	binary.LittleEndian.PutUint32(b[4:], 0xA793)
	for i := 32; i < n; i++ {
		b[i] = byte(i * 7)
	}
	return b
}

func post(tb testing.TB, url, contentType string, body []byte, headers map[string]string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCrashReports sends what native crash reporters and browsers send to
// the non-envelope endpoints, to the real binary, and finds the events
// through the admin API.
func TestCrashReports(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("crash")
		key := p.Keys[0].PublicKey

		// 1. A Crashpad upload from a sentry-native app.
		dump := syntheticMinidump(4096)
		body, ct := crashpadUpload(t, [][2]string{
			{"sentry[release]", "shop-native@3.4.5"},
			{"sentry[environment]", "production"},
			{"sentry[tags][arch]", "x86_64"},
			{"prod", "shop-native"},
			{"ver", "3.4.5"},
		}, dump, map[string][]byte{
			// sentry-native's crashpad backend attaches its scope as msgpack.
			"__sentry-event":       sentrytest.MsgpackMap("platform", "native", "user", sentrytest.MsgpackMap("id", "42"), "contexts", sentrytest.MsgpackMap("os", sentrytest.MsgpackMap("name", "Linux"))),
			"__sentry-breadcrumb1": sentrytest.MsgpackMap("timestamp", "2026-11-27T10:00:00Z", "message", "opening cart"),
			"extra.log":            []byte("last log lines"),
		})
		code, id := post(t, fmt.Sprintf("%s/api/%d/minidump/?sentry_key=%s", s.URL, p.ID, key), ct, body,
			map[string]string{"Content-Encoding": "gzip", "User-Agent": "Crashpad/0.8.0"})
		if code != 200 || len(id) != 36 || strings.Count(id, "-") != 4 {
			t.Fatalf("minidump upload: status %d body %q, want 200 with a dashed event id", code, id)
		}

		// 2. A CSP violation report as Chromium posts it to a report-uri.
		csp := `{"csp-report":{"document-uri":"https://shop.example/checkout","referrer":"","violated-directive":"img-src","effective-directive":"img-src","original-policy":"default-src 'self'; img-src 'self'; report-uri ` + s.URL + `/api/1/security/","disposition":"enforce","blocked-uri":"https://pixel.tracker.example/p.gif","status-code":200,"script-sample":""}}`
		code, out := post(t, fmt.Sprintf("%s/api/%d/security/?sentry_key=%s&sentry_environment=production&sentry_release=shop-web%%401.0", s.URL, p.ID, key),
			"application/csp-report", []byte(csp), map[string]string{
				"Origin":     "https://shop.example",
				"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
			})
		if code != 200 || out != "" {
			t.Fatalf("CSP report: status %d body %q, want 200 with no body", code, out)
		}

		want := map[string]string{
			"crash report (symbolication not available)": "fatal",
			"Blocked image from 'pixel.tracker.example'": "error",
		}
		var issues []Issue
		WaitFor(t, 15*time.Second, "both issues", func() bool {
			issues = s.Issues(t, p.ID)
			return len(issues) == len(want)
		})
		for _, is := range issues {
			level, ok := want[is.Title]
			if !ok {
				t.Errorf("unexpected issue %q", is.Title)
				continue
			}
			var ev StoredEvent
			if code := s.Do("GET", fmt.Sprintf("/api/admin/issues/%d/events/latest", is.ID), nil, &ev); code != 200 {
				t.Fatalf("latest event of %q: status %d", is.Title, code)
			}
			if ev.Level != level {
				t.Errorf("%q: level %q, want %q", is.Title, ev.Level, level)
			}
			if level == "fatal" {
				checkMinidumpEvent(t, s, p.ID, id, &ev, len(dump))
			} else if !bytes.Contains(ev.Payload, []byte(`"blocked_uri":"https://pixel.tracker.example/p.gif"`)) {
				t.Errorf("CSP event payload %s, want the report under csp", ev.Payload)
			}
		}
	})
}

func checkMinidumpEvent(t *testing.T, s *Server, projectID int64, id string, ev *StoredEvent, size int) {
	t.Helper()
	if ev.EventID != strings.ReplaceAll(id, "-", "") || ev.Platform != "native" {
		t.Errorf("minidump event %s platform %q, want %s and native", ev.EventID, ev.Platform, id)
	}
	var payload struct {
		Release     string            `json:"release"`
		Environment string            `json:"environment"`
		Tags        map[string]string `json:"tags"`
		Extra       map[string]any    `json:"extra"`
		User        map[string]any    `json:"user"`
		Breadcrumbs struct {
			Values []map[string]any `json:"values"`
		} `json:"breadcrumbs"`
	}
	json.Unmarshal(ev.Payload, &payload)
	if payload.Release != "shop-native@3.4.5" || payload.Environment != "production" || payload.Tags["arch"] != "x86_64" || payload.Extra["prod"] != "shop-native" {
		t.Errorf("minidump payload %s, want release, environment, tags from sentry[...] fields and annotations under extra", ev.Payload)
	}
	if payload.User["id"] != "42" || len(payload.Breadcrumbs.Values) != 1 {
		t.Errorf("minidump payload %s, want the user and the breadcrumb of the msgpack files", ev.Payload)
	}
	var dumpSize int64 = -1
	for _, a := range ev.Attachments {
		if strings.HasSuffix(a.Filename, ".dmp") {
			dumpSize = a.Size
		}
	}
	if dumpSize != int64(size) || len(ev.Attachments) != 2 {
		t.Errorf("attachments %+v, want the %d-byte minidump and extra.log", ev.Attachments, size)
	}
}
