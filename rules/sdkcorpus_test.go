package rules

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

type capturedRequest struct {
	Headers      map[string][]string `json:"headers"`
	Body         string              `json:"body"`
	BodyEncoding string              `json:"body_encoding"`
	DecodedBody  string              `json:"decoded_body"`
}

// sdkCorpusEvents reads the events official SDKs sent (corpus sdk/<name>/)
// and returns them by their capture.case tag.
func sdkCorpusEvents(tb testing.TB, dir string) map[string][]*core.EventData {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	out := map[string][]*core.EventData{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var req capturedRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			continue
		}
		body := []byte(req.Body)
		switch {
		case req.DecodedBody != "":
			body = []byte(req.DecodedBody)
		case req.BodyEncoding == "base64":
			if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
				tb.Fatalf("%s: %v", f, err)
			}
		}
		if enc := strings.Join(req.Headers["Content-Encoding"], ""); enc != "" && req.DecodedBody == "" {
			if body, err = sentry.Decompress(body, enc, 100<<20); err != nil {
				continue
			}
		}
		env, err := sentry.ParseEnvelope(body)
		if err != nil {
			continue
		}
		for _, it := range env.Items {
			if it.Type != "event" {
				continue
			}
			ev, err := sentry.Normalize(it.Payload, sentry.NormalizeOptions{Received: time.Now()})
			if err != nil {
				tb.Errorf("%s: %v", f, err)
				continue
			}
			if c := ev.TagValue("capture.case"); c != "" {
				out[c] = append(out[c], ev)
			}
		}
	}
	return out
}

// TestSDKCorpusGrouping groups the events real SDKs sent: the same error
// from the same line shares a group, from another line it does not, a
// {{ default }} fingerprint with another value splits, and messages that
// differ only in numbers or ids share a group.
func TestSDKCorpusGrouping(t *testing.T) {
	corpus := sentrytest.NeedCorpus(t, "SDK corpus grouping")
	for _, sdk := range []string{"go", "node"} {
		t.Run(sdk, func(t *testing.T) {
			cases := sdkCorpusEvents(t, filepath.Join(corpus, "sdk", sdk))
			if len(cases) == 0 {
				t.Skip("no captured events")
			}
			hashes := func(c string) []string {
				var hs []string
				for _, ev := range cases[c] {
					hs = append(hs, DefaultGrouping(ev).Hash)
				}
				return hs
			}
			distinct := func(hs []string) int {
				m := map[string]bool{}
				for _, h := range hs {
					m[h] = true
				}
				return len(m)
			}
			names := make([]string, 0, len(cases))
			for c := range cases {
				names = append(names, c)
			}
			sort.Strings(names)
			for _, c := range names {
				t.Logf("%s: %d events, hashes %v", c, len(cases[c]), hashes(c))
			}
			same := hashes("grouping-same-line")
			if len(same) >= 2 && distinct(same) != 1 {
				t.Errorf("same line: %d groups, want 1", distinct(same))
			}
			if other := hashes("grouping-other-line"); len(same) > 0 && len(other) > 0 && other[0] == same[0] {
				t.Errorf("another line shares the group %s", other[0])
			}
			for _, c := range []string{"message-params", "message-parameterize"} {
				if hs := hashes(c); len(hs) >= 2 && distinct(hs) != 1 {
					t.Errorf("%s: %d groups, want 1", c, distinct(hs))
				}
			}
			if hs := hashes("fingerprint-default"); len(hs) >= 2 {
				fps := map[string]bool{}
				for _, ev := range cases["fingerprint-default"] {
					fps[fmt.Sprint(ev.Fingerprint)] = true
				}
				if distinct(hs) != len(fps) {
					t.Errorf("fingerprint-default: %d groups for %d distinct fingerprints", distinct(hs), len(fps))
				}
			}
		})
	}
}
