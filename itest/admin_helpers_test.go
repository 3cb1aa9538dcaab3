package itest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/adminclient"
)

// admClient sends admin API requests for a test and records, for every
// documented operation, which statuses it saw, so that the test can prove
// it exercised every route, with success and with an error.
type admClient struct {
	t   *testing.T
	s   *Server
	ops []admOp

	mu   sync.Mutex
	hits map[string]map[int]bool // "GET /api/admin/..." -> statuses
}

// admOp is one documented operation, matched by a regexp of its path.
type admOp struct {
	key, tag string
	re       *regexp.Regexp
}

// newAdmClient reads the operations from the server's own openapi.json.
func newAdmClient(t *testing.T, s *Server) *admClient {
	t.Helper()
	resp, err := http.Get(s.URL + "/api/admin/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/admin/openapi.json without credentials: status %d, %v", resp.StatusCode, err)
	}
	c := &admClient{t: t, s: s, hits: map[string]map[int]bool{}}
	param := regexp.MustCompile(`\\\{[a-z_]+\\\}`)
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Tags []string `json:"tags"`
			}
			_ = json.Unmarshal(raw, &op)
			re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$")
			c.ops = append(c.ops, admOp{key: strings.ToUpper(method) + " " + path, tag: strings.Join(op.Tags, ","), re: re})
		}
	}
	// A literal segment beats a parameter ("/events/latest" over
	// "/events/{event_id}"): try longer templates with fewer parameters first.
	sort.Slice(c.ops, func(i, j int) bool {
		pi, pj := strings.Count(c.ops[i].key, "{"), strings.Count(c.ops[j].key, "{")
		if pi != pj {
			return pi < pj
		}
		return c.ops[i].key < c.ops[j].key
	})
	c.record("GET", "/api/admin/openapi.json", 200)
	return c
}

func (c *admClient) record(method, path string, status int) {
	path, _, _ = strings.Cut(path, "?")
	for _, op := range c.ops {
		m, p, _ := strings.Cut(op.key, " ")
		if m == method && op.re.MatchString(path) {
			_ = p
			c.mu.Lock()
			if c.hits[op.key] == nil {
				c.hits[op.key] = map[int]bool{}
			}
			c.hits[op.key][status] = true
			c.mu.Unlock()
			return
		}
	}
	c.t.Errorf("%s %s matches no documented operation", method, path)
}

// do sends a request with the admin key and records it; see Server.Do.
func (c *admClient) do(method, path string, body, out any) int {
	c.t.Helper()
	code := c.s.Do(method, path, body, out)
	c.record(method, path, code)
	return code
}

// want sends a request and fails the test unless the status is want.
func (c *admClient) want(want int, method, path string, body, out any) {
	c.t.Helper()
	var raw json.RawMessage
	code := c.do(method, path, body, &raw)
	if code != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, raw)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}

// wantErr sends a request and fails the test unless it is refused with
// status in the admin API's error shape, naming field when field is set.
func (c *admClient) wantErr(status int, field, method, path string, body any) {
	c.t.Helper()
	var e struct {
		Error struct {
			Code, Message, Field string
		} `json:"error"`
	}
	code := c.do(method, path, body, &e)
	if code != status || e.Error.Code == "" || e.Error.Message == "" {
		c.t.Fatalf("%s %s: status %d %+v, want %d in the error shape", method, path, code, e, status)
	}
	if field != "" && e.Error.Field != field {
		c.t.Fatalf("%s %s: error names field %q (%s), want %q", method, path, e.Error.Field, e.Error.Message, field)
	}
}

// raw sends a request without JSON handling (no credentials when key is
// empty) and records it.
func (c *admClient) raw(method, path, key string) (int, []byte, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.s.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.record(method, path, resp.StatusCode)
	return resp.StatusCode, b, resp.Header
}

// checkCoverage fails the test for every documented operation that was not
// answered both with success (2xx) and with an error (4xx), except the
// ones listed as success-only.
func (c *admClient) checkCoverage(successOnly ...string) {
	c.t.Helper()
	for _, op := range c.ops {
		var ok, bad bool
		for code := range c.hits[op.key] {
			ok = ok || code/100 == 2
			bad = bad || code/100 == 4
		}
		only := false
		for _, s := range successOnly {
			only = only || s == op.key
		}
		if !ok || (!bad && !only) {
			c.t.Errorf("%s was not exercised with success and an error: saw %v", op.key, c.hits[op.key])
		}
	}
}

// admIssue is the admin API's issue with its histogram.
type admIssue = adminclient.IssueDetail

// issuesByTitle lists a project's issues (up to 1000) by title.
func (c *admClient) issuesByTitle(projectID int64) map[string]admIssue {
	c.t.Helper()
	var out struct {
		Issues []admIssue `json:"issues"`
	}
	c.want(200, "GET", fmt.Sprintf("/api/admin/projects/%d/issues?limit=1000", projectID), nil, &out)
	m := map[string]admIssue{}
	for _, is := range out.Issues {
		m[is.Title] = is
	}
	return m
}

// waitCounts polls until the project's issues have exactly these titles
// and counts.
func (c *admClient) waitCounts(projectID int64, want map[string]int64) map[string]admIssue {
	c.t.Helper()
	var got map[string]admIssue
	deadline := time.Now().Add(15 * time.Second)
	for {
		got = c.issuesByTitle(projectID)
		same := len(got) == len(want)
		for title, n := range want {
			same = same && got[title].Count == n
		}
		if same {
			return got
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("issues %v, want counts %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sendEnvelope posts an envelope with the DSN's key and returns the status.
func sendEnvelope(t *testing.T, dsn string, body []byte) int {
	t.Helper()
	m := dsnRE.FindStringSubmatch(dsn)
	if m == nil {
		t.Fatalf("bad DSN %q", dsn)
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%s/api/%s/envelope/", m[2], m[3]), bytes.NewReader(body))
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+m[1]+", sentry_client=itest/1.0")
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// hookReceiver counts the requests a destination test sends.
type hookReceiver struct {
	mu sync.Mutex
	n  int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.n++
	h.mu.Unlock()
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}
