package sentry

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden files")

// goldenSep separates a golden file's input from its expected output.
const goldenSep = "\n-- normalized --\n"

// goldenOptions is the optional "options: {...}" first line of a golden
// file; times are RFC 3339. Received defaults to defaultReceived.
type goldenOptions struct {
	Received     string `json:"received"`
	SentAt       string `json:"sent_at"`
	EventID      string `json:"event_id"`
	ForceEventID bool   `json:"force_event_id"`
	ClientIP     string `json:"client_ip"`
	ItemType     string `json:"item_type"`
}

const defaultReceived = "2024-05-01T12:00:00Z"

// goldenOutput is what a golden file expects: the derived title and
// culprit beside the normalized event.
type goldenOutput struct {
	Title   string          `json:"title"`
	Culprit string          `json:"culprit"`
	Event   *core.EventData `json:"event"`
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// renderNormalized normalizes payload and renders the result (or the error)
// as the text a golden file expects. A generated event id is checked for
// form and written as "<generated>" so the output is stable.
func renderNormalized(tb testing.TB, payload []byte, opts NormalizeOptions) string {
	tb.Helper()
	ev, err := Normalize(payload, opts)
	if err != nil {
		return "error: " + core.ErrorCode(err) + ": " + core.ErrorMessage(err) + "\n"
	}
	flat := bytes.ToLower(bytes.ReplaceAll(payload, []byte("-"), nil))
	if id := ev.EventID; !bytes.Contains(flat, []byte(id)) && id != normalizeEventID(opts.EventID) {
		if !hex32.MatchString(id) {
			tb.Errorf("generated event id %q is not 32 lowercase hex", id)
		}
		ev.EventID = "<generated>"
	}
	out, err := json.MarshalIndent(goldenOutput{Title: Title(ev), Culprit: Culprit(ev), Event: ev}, "", "  ")
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	return string(out) + "\n"
}

// parseGolden splits a golden file into options, input and expected output.
func parseGolden(tb testing.TB, path string) (NormalizeOptions, []byte, string) {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	input, want, found := strings.Cut(string(raw), goldenSep)
	if !found && !*update {
		tb.Fatalf("%s: no %q separator", path, strings.TrimSpace(goldenSep))
	}
	var lines []string
	var g goldenOptions
	for _, l := range strings.Split(input, "\n") {
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "options:"):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "options:")), &g); err != nil {
				tb.Fatalf("%s: options: %v", path, err)
			}
		default:
			lines = append(lines, l)
		}
	}
	if g.Received == "" {
		g.Received = defaultReceived
	}
	opts := NormalizeOptions{EventID: g.EventID, ForceEventID: g.ForceEventID, ClientIP: g.ClientIP, ItemType: g.ItemType}
	opts.Received = mustTime(tb, g.Received)
	if g.SentAt != "" {
		opts.SentAt = mustTime(tb, g.SentAt)
	}
	return opts, []byte(strings.Join(lines, "\n")), want
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatalf("time %q: %v", s, err)
	}
	return ts
}

// checkGolden compares got with a golden file's expected part, or rewrites
// it under -update.
func checkGolden(tb testing.TB, path, prefix, got, want string) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(prefix+got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	if got != want {
		tb.Errorf("%s: normalized output differs (run with -update to accept)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestNormalizeGolden runs every testdata/normalize/*.txt case: input JSON
// (after optional "#" comments and an "options:" line), the separator, and
// the expected title, culprit and normalized event.
func TestNormalizeGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "normalize", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			opts, input, want := parseGolden(t, path)
			raw, _ := os.ReadFile(path)
			prefix, _, _ := strings.Cut(string(raw), goldenSep)
			checkGolden(t, path, prefix+goldenSep, renderNormalized(t, input, opts), want)
		})
	}
}

// sdkRequest is one request saved by the sentry-go fixture generator.
type sdkRequest struct {
	Method, Path string
	Header       map[string]string
	Body         []byte
}

func readSDKRequest(tb testing.TB, path string) sdkRequest {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	head, body, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		tb.Fatalf("%s: no blank line after the headers", path)
	}
	lines := strings.Split(string(head), "\n")
	req := sdkRequest{Header: map[string]string{}, Body: body}
	req.Method, req.Path, _ = strings.Cut(lines[0], " ")
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ": ")
		req.Header[k] = v
	}
	return req
}

// TestSDKFixtures replays every request captured from sentry-go
// (testdata/sdk/go/*.http): the auth header parses, the envelope parses,
// the header's DSN names project 42 and the same key, and each event item
// normalizes to its golden file (*.golden).
func TestSDKFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "sdk", "go", "*.http"))
	if len(files) == 0 {
		t.Fatal("no sentry-go fixtures; run the generator (see sdkgen_test.go)")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".http"), func(t *testing.T) {
			req := readSDKRequest(t, path)
			auth, found, err := ParseAuth(req.Header["X-Sentry-Auth"], "", "")
			if err != nil || !found || auth.PublicKey != "0123456789abcdef0123456789abcdef" || auth.Version != "7" {
				t.Fatalf("ParseAuth = %+v, %v, %v", auth, found, err)
			}
			env, err := ParseEnvelope(req.Body)
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			key, pid, err := ParseDSN(env.Header.DSN)
			if err != nil || key != auth.PublicKey || pid != 42 {
				t.Fatalf("ParseDSN(%q) = %q, %d, %v", env.Header.DSN, key, pid, err)
			}
			var out strings.Builder
			for i, it := range env.Items {
				out.WriteString("item " + it.Type + "\n")
				switch it.Type {
				case "event", "transaction":
				default:
					continue
				}
				opts := NormalizeOptions{Received: env.Header.SentAt.Add(250 * time.Millisecond), SentAt: env.Header.SentAt,
					EventID: env.Header.EventID, ClientIP: "192.0.2.1", ItemType: it.Type}
				out.WriteString(renderNormalized(t, env.Items[i].Payload, opts))
			}
			golden := strings.TrimSuffix(path, ".http") + ".golden"
			want, _ := os.ReadFile(golden)
			checkGolden(t, golden, "", out.String(), string(want))
		})
	}
}
