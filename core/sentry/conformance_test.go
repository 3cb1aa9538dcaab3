package sentry

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

// knownBroken reads bugsink's KNOWN-BROKEN list (paths relative to its
// folder).
func knownBroken(tb testing.TB, root string) map[string]bool {
	tb.Helper()
	out := map[string]bool{}
	dir := filepath.Join(root, "public", "bugsink-event-samples")
	f, err := os.Open(filepath.Join(dir, "KNOWN-BROKEN"))
	if err != nil {
		return out
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out[filepath.Join(dir, l)] = true
		}
	}
	return out
}

// corpusMalformed lists corpus files that Relay rejects too, with why.
var corpusMalformed = map[string]string{
	"envelope-event-attachment.txt": "the event item is JSON cut short at its declared length",
	"event-attachment.txt":          "the event item is JSON cut short at its declared length",
	"session-only.txt":              "the session item is longer than its declared length",
	"replay_recording.json":         "a replay recording payload, not an envelope",
}

// normalizeEnvelope normalizes every event-like item of an envelope and
// returns how many there were.
func normalizeEnvelope(tb testing.TB, name string, body []byte, recv time.Time) (int, error) {
	tb.Helper()
	env, err := ParseEnvelope(body)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range env.Items {
		switch it.Type {
		case "event", "transaction", "feedback":
		default:
			continue
		}
		n++
		ev, err := Normalize(it.Payload, NormalizeOptions{Received: recv, SentAt: env.Header.SentAt, EventID: env.Header.EventID, ItemType: it.Type})
		if err != nil {
			tb.Errorf("%s: item %s rejected: %v", name, it.Type, err)
			continue
		}
		if ev.EventID == "" || Title(ev) == "" {
			tb.Errorf("%s: normalized event lacks an id or a title: %+v", name, ev)
		}
		corpusCrumbs += checkBreadcrumbsCarried(tb, name, it.Payload, ev)
	}
	return n, nil
}

// corpusCrumbs counts the breadcrumbs TestConformanceCorpus saw carried
// from a payload into its normalized event.
var corpusCrumbs int

// checkBreadcrumbsCarried decodes payload's breadcrumbs independently (with
// encoding/json) and checks that each object entry (the newest
// maxBreadcrumbs) reached the normalized event with its message, category
// and a timestamp when it had a valid one. It returns how many it checked.
func checkBreadcrumbsCarried(tb testing.TB, name string, payload []byte, ev *core.EventData) int {
	tb.Helper()
	var raw map[string]json.RawMessage
	if json.Unmarshal(payload, &raw) != nil {
		return 0
	}
	field := raw["breadcrumbs"]
	if len(field) == 0 {
		field = raw["sentry.interfaces.Breadcrumbs"]
	}
	var list []any
	if json.Unmarshal(field, &list) != nil {
		var wrapped struct{ Values []any }
		if json.Unmarshal(field, &wrapped) != nil {
			return 0
		}
		list = wrapped.Values
	}
	var want []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			want = append(want, m)
		}
	}
	if len(want) > maxBreadcrumbs {
		want = want[len(want)-maxBreadcrumbs:]
	}
	var got []core.Breadcrumb
	if ev.Breadcrumbs != nil {
		got = ev.Breadcrumbs.Values
	}
	if len(got) != len(want) {
		tb.Errorf("%s: %d breadcrumbs normalized, want %d", name, len(got), len(want))
		return 0
	}
	for i, w := range want {
		g := got[i]
		if m, _ := w["message"].(string); len(m) <= 8192 && g.Message != m {
			tb.Errorf("%s: breadcrumb %d message %q, want %q", name, i, g.Message, m)
		}
		if c, _ := w["category"].(string); len(c) <= 128 && g.Category != c {
			tb.Errorf("%s: breadcrumb %d category %q, want %q", name, i, g.Category, c)
		}
		switch ts := w["timestamp"].(type) {
		case float64:
			if g.Timestamp.IsZero() {
				tb.Errorf("%s: breadcrumb %d lost its timestamp %v", name, i, ts)
			}
		case string:
			if _, ok := ParseTimestamp(ts); ok && g.Timestamp.IsZero() {
				tb.Errorf("%s: breadcrumb %d lost its timestamp %q", name, i, ts)
			}
		}
		switch g.Level {
		case core.LevelFatal, core.LevelError, core.LevelWarning, core.LevelInfo, core.LevelDebug:
		default:
			tb.Errorf("%s: breadcrumb %d level %q", name, i, g.Level)
		}
	}
	return len(want)
}

// TestConformanceCorpus normalizes every event and envelope of the shared
// corpus and fails on panics, on events Sentry accepted that Normalize
// rejects, and on envelopes that do not parse.
func TestConformanceCorpus(t *testing.T) {
	root := sentrytest.NeedCorpus(t, "the normalization conformance corpus")
	broken := knownBroken(t, root)
	recv := time.Now()
	var total, accepted, skipped int
	corpusCrumbs = 0

	// Captured SDK requests: every body is an envelope.
	sdkFiles, _ := filepath.Glob(filepath.Join(root, "sdk", "*", "[0-9][0-9][0-9].json"))
	for _, p := range sdkFiles {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var req struct {
			ReceivedAt   time.Time `json:"received_at"`
			Body         string    `json:"body"`
			BodyEncoding string    `json:"body_encoding"`
			DecodedBody  string    `json:"decoded_body"`
			Headers      map[string][]string
		}
		if err := json.Unmarshal(raw, &req); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		body := []byte(req.Body)
		if req.BodyEncoding == "base64" {
			if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		if ce := strings.Join(req.Headers["Content-Encoding"], ","); ce != "" {
			dec, err := Decompress(body, ce, 100<<20)
			if err != nil {
				t.Errorf("%s: decompress %s: %v", p, ce, err)
				continue
			}
			if req.DecodedBody != "" && string(dec) != req.DecodedBody {
				t.Errorf("%s: decompressed body differs from decoded_body", p)
			}
			body = dec
		}
		n, err := normalizeEnvelope(t, p, body, req.ReceivedAt)
		total += n
		if err != nil {
			total++
			t.Errorf("%s: %v", p, err)
			continue
		}
		accepted += n
	}

	// Public payloads: JSON objects are events, anything else may be an
	// envelope.
	err := filepath.WalkDir(filepath.Join(root, "public"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := d.Name()
		switch {
		case strings.Contains(p, "sentry-data-schemas"), strings.Contains(p, "sentry-kafka-schemas"),
			strings.Contains(p, string(filepath.Separator)+"derived"+string(filepath.Separator)),
			strings.Contains(p, string(filepath.Separator)+"snapshots"+string(filepath.Separator)),
			strings.HasSuffix(base, ".input.json"), // raw security reports, not events
			base == "MANIFEST.json", base == "SOURCES.md", base == "KNOWN-BROKEN",
			strings.HasPrefix(base, "README"), strings.HasPrefix(base, "LICENSE"), strings.HasSuffix(base, ".md"):
			skipped++
			return nil
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		trimmed := bytes.TrimSpace(body)
		if json.Valid(trimmed) {
			if len(trimmed) == 0 || trimmed[0] != '{' {
				skipped++
				return nil
			}
			total++
			ev, err := Normalize(body, NormalizeOptions{Received: recv})
			if err != nil {
				if !broken[p] {
					t.Errorf("%s: rejected: %v", p, err)
				}
				return nil
			}
			corpusCrumbs += checkBreadcrumbsCarried(t, p, body, ev)
			accepted++
			return nil
		}
		if bytes.IndexByte(trimmed, '\n') < 0 {
			skipped++
			t.Logf("%s: neither JSON nor an envelope; skipped", p)
			return nil
		}
		if why, ok := corpusMalformed[base]; ok {
			skipped++
			t.Logf("%s: skipped, known malformed: %s", p, why)
			return nil
		}
		n, err := normalizeEnvelope(t, p, body, recv)
		total += n
		if err != nil {
			total++
			if !broken[p] {
				t.Errorf("%s: envelope rejected: %v", p, err)
			}
			return nil
		}
		accepted += n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d/%d accepted and normalized (%d files skipped: schemas, raw reports, docs); %d breadcrumbs carried through", accepted, total, skipped, corpusCrumbs)
	if len(sdkFiles) > 0 && corpusCrumbs == 0 {
		t.Error("no breadcrumb of the captured SDK requests reached a normalized event")
	}
	if total == 0 {
		t.Fatal("the corpus holds no events")
	}
}

// TestConformanceSentryOracle compares Title, Culprit and Level with what
// Sentry itself made of the same payloads (glitchtip-backend's
// incoming_events/ next to oss_sentry_events/) and reports the agreement;
// it fails when a title or a level disagrees (culprits differ where Sentry
// applied source maps or its in-app rules, which happen after ingestion).
func TestConformanceSentryOracle(t *testing.T) {
	root := sentrytest.NeedCorpus(t, "the Sentry title and level oracle")
	dir := filepath.Join(root, "public", "glitchtip-backend", "events", "test_data")
	inputs, _ := filepath.Glob(filepath.Join(dir, "incoming_events", "*.json"))
	var compared, titles, culprits, levels int
	for _, in := range inputs {
		oracle, err := os.ReadFile(filepath.Join(dir, "oss_sentry_events", filepath.Base(in)))
		if err != nil {
			continue
		}
		var want struct {
			Title, Culprit, Level string
			Tags                  []struct{ Key, Value string }
		}
		if err := json.Unmarshal(oracle, &want); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		for _, tag := range want.Tags {
			if tag.Key == "level" {
				want.Level = tag.Value
			}
		}
		payload, _ := os.ReadFile(in)
		ev, err := Normalize(payload, NormalizeOptions{})
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		compared++
		if got := Title(ev); got == want.Title {
			titles++
		} else {
			t.Logf("%s: title %q, Sentry %q", filepath.Base(in), got, want.Title)
		}
		if got := Culprit(ev); got == want.Culprit {
			culprits++
		} else {
			t.Logf("%s: culprit %q, Sentry %q", filepath.Base(in), got, want.Culprit)
		}
		if ev.Level == want.Level {
			levels++
		} else {
			t.Logf("%s: level %q, Sentry %q", filepath.Base(in), ev.Level, want.Level)
		}
	}
	t.Logf("against Sentry's own output: titles %d/%d, culprits %d/%d, levels %d/%d", titles, compared, culprits, compared, levels, compared)
	if compared == 0 {
		t.Skip("no oracle pairs in the corpus")
	}
	if titles < compared || levels < compared {
		t.Errorf("titles %d/%d and levels %d/%d agree with Sentry", titles, compared, levels, compared)
	}
}
