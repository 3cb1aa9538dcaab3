package itest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// Payload is the documented notification payload (sdk/README.md) as a
// receiver reads it.
type Payload struct {
	IdempotencyKey string `json:"idempotency_key"`
	Test           bool   `json:"test"`
	IssueURL       string `json:"issue_url"`
	Alert          struct {
		ID        int64     `json:"id"`
		Kind      string    `json:"kind"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"alert"`
	Project struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"project"`
	Issue struct {
		ID        int64     `json:"id"`
		Title     string    `json:"title"`
		Culprit   string    `json:"culprit"`
		Level     string    `json:"level"`
		Platform  string    `json:"platform"`
		Status    string    `json:"status"`
		Count     int64     `json:"count"`
		FirstSeen time.Time `json:"first_seen"`
		LastSeen  time.Time `json:"last_seen"`
		URL       string    `json:"url"`
	} `json:"issue"`
	Event struct {
		ID          string `json:"id"`
		Environment string `json:"environment"`
		Release     string `json:"release"`
		Tags        []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"tags"`
		Message   string `json:"message"`
		Exception *struct {
			Type   string `json:"type"`
			Value  string `json:"value"`
			Module string `json:"module"`
			Frames []struct {
				Function string `json:"function"`
				Filename string `json:"filename"`
				Module   string `json:"module"`
				Lineno   int    `json:"lineno"`
			} `json:"frames"`
		} `json:"exception"`
	} `json:"event"`
}

// received is one request a receiver answered.
type received struct {
	Header http.Header
	Body   []byte
	Status int // what the receiver answered
}

// Receiver is an HTTP endpoint standing in for a webhook or Slack: it
// records every request and answers as its mode says.
type Receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
	// mode decides the answer to each request: "ok" (200), "down" (503),
	// "block" (hold the request until the client goes away, then 200 is
	// never sent), or "fail:N" (503 for the next N requests, then ok).
	mode    string
	arrived chan struct{} // a request arrived while blocking
	release chan struct{} // closed at the end of the test: blocked requests end
}

// NewReceiver starts a receiver in mode, closed when tb ends.
func NewReceiver(tb testing.TB, mode string) *Receiver {
	tb.Helper()
	r := &Receiver{mode: mode, arrived: make(chan struct{}, 16), release: make(chan struct{})}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.Server.Close)
	tb.Cleanup(func() { close(r.release) }) // runs first
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	mode := r.mode
	status := http.StatusOK
	switch {
	case mode == "down":
		status = http.StatusServiceUnavailable
	case strings.HasPrefix(mode, "fail:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(mode, "fail:"))
		if n > 0 {
			status = http.StatusServiceUnavailable
			r.mode = "fail:" + strconv.Itoa(n-1)
		}
	}
	if mode == "block" {
		r.reqs = append(r.reqs, received{Header: req.Header.Clone(), Body: body, Status: 0})
		r.mu.Unlock()
		select {
		case r.arrived <- struct{}{}:
		default:
		}
		select {
		case <-req.Context().Done(): // the plugin (or Periscope) went away
		case <-r.release:
		}
		return
	}
	r.reqs = append(r.reqs, received{Header: req.Header.Clone(), Body: body, Status: status})
	r.mu.Unlock()
	w.WriteHeader(status)
}

// SetMode changes how the next requests are answered.
func (r *Receiver) SetMode(mode string) {
	r.mu.Lock()
	r.mode = mode
	r.mu.Unlock()
}

// Requests returns every request so far.
func (r *Receiver) Requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.reqs...)
}

// Delivered returns the bodies answered 200, decoded.
func (r *Receiver) Delivered(tb testing.TB) []Payload {
	tb.Helper()
	var out []Payload
	for _, q := range r.Requests() {
		if q.Status != http.StatusOK {
			continue
		}
		var p Payload
		if err := json.Unmarshal(q.Body, &p); err != nil {
			tb.Fatalf("receiver got a body that is not JSON (%v): %s", err, q.Body)
		}
		out = append(out, p)
	}
	return out
}

// DeliveredKind returns the delivered payloads of one alert kind, tests
// excluded.
func (r *Receiver) DeliveredKind(tb testing.TB, kind string) []Payload {
	tb.Helper()
	var out []Payload
	for _, p := range r.Delivered(tb) {
		if p.Alert.Kind == kind && !p.Test {
			out = append(out, p)
		}
	}
	return out
}

// SlackKinds counts the Slack messages answered 200 by their header's
// alert kind ("New issue", "Regression", "Threshold reached"), test
// messages excluded.
func (r *Receiver) SlackKinds(tb testing.TB) map[string]int {
	tb.Helper()
	out := map[string]int{}
	for _, q := range r.Requests() {
		if q.Status != http.StatusOK {
			continue
		}
		var m struct {
			Blocks []struct {
				Type string `json:"type"`
				Text struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"blocks"`
		}
		if err := json.Unmarshal(q.Body, &m); err != nil || len(m.Blocks) == 0 || m.Blocks[0].Type != "header" {
			tb.Fatalf("slack receiver got a body that is not a Block Kit message (%v): %s", err, q.Body)
		}
		h := m.Blocks[0].Text.Text
		if strings.Contains(h, "[test]") {
			continue
		}
		for _, kind := range []string{"New issue", "Regression", "Threshold reached"} {
			if strings.Contains(h, kind+" in ") {
				out[kind]++
			}
		}
	}
	return out
}

// verifySignature checks X-Periscope-Signature as sdk/README.md documents.
func verifySignature(body []byte, header, secret string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal([]byte(header), []byte("sha256="+hex.EncodeToString(mac.Sum(nil))))
}

// Alert is the admin API's alert with its notifications.
type Alert = core.Alert

// Alerts lists a project's alerts with the given query ("?kind=...").
func (s *Server) Alerts(tb testing.TB, projectID int64, query string) []Alert {
	tb.Helper()
	var out struct {
		Alerts []Alert `json:"alerts"`
	}
	if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/alerts%s", projectID, query), nil, &out); code != 200 {
		tb.Fatalf("list alerts: status %d", code)
	}
	return out.Alerts
}

// CreateDestination posts a destination and returns its id.
func (s *Server) CreateDestination(tb testing.TB, projectID int64, body any) int64 {
	tb.Helper()
	var d struct {
		ID int64 `json:"id"`
	}
	var raw json.RawMessage
	if code := s.Do("POST", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", projectID), body, &raw); code != 201 {
		tb.Fatalf("create destination %v: status %d: %s", body, code, raw)
	}
	if err := json.Unmarshal(raw, &d); err != nil || d.ID <= 0 {
		tb.Fatalf("created destination without an id: %s", raw)
	}
	return d.ID
}

// pluginPIDs returns the pids of the server's child processes whose
// command is a plugin binary named name (Linux /proc).
func (s *Server) pluginPIDs(tb testing.TB, name string) []int {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skip("finding plugin processes reads /proc")
	}
	parent := s.cmd.Process.Pid
	entries, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so cut at the last ')'.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid != parent {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && filepath.Base(exe) == "periscope-plugin-"+name {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids
}

// killPIDs sends SIGKILL to each process.
func killPIDs(tb testing.TB, pids []int) {
	tb.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
			tb.Errorf("kill %d: %v", pid, err)
		}
	}
}

// Crash kills the server with SIGKILL, as a power cut would, and kills
// the plugin processes it leaves behind.
func (s *Server) Crash(tb testing.TB) {
	tb.Helper()
	var orphans []int
	for _, name := range []string{"webhook", "slack", "email"} {
		orphans = append(orphans, s.pluginPIDs(tb, name)...)
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	killPIDs(tb, orphans)
}

var (
	jsonlOnce sync.Once
	jsonlBin  string
	jsonlErr  error
)

// buildJSONLPlugin builds sdk/examples/jsonl as a module of its own that
// requires the Periscope module (replaced by this checkout) for its sdk
// only, as a plugin author would, and returns the binary's path.
func buildJSONLPlugin(tb testing.TB) string {
	tb.Helper()
	jsonlOnce.Do(func() {
		root := repoRoot()
		mod := filepath.Join(binDir, "jsonl-module")
		if jsonlErr = os.MkdirAll(mod, 0o755); jsonlErr != nil {
			return
		}
		src, err := os.ReadFile(filepath.Join(root, "sdk", "examples", "jsonl", "main.go"))
		if err != nil {
			jsonlErr = err
			return
		}
		sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
		if err != nil {
			jsonlErr = err
			return
		}
		gomod := "module example.com/periscope-plugin-jsonl\n\ngo 1.26\n\n" +
			"require github.com/periscope-hq/periscope v0.0.0\n\n" +
			"replace github.com/periscope-hq/periscope => " + root + "\n"
		for name, data := range map[string][]byte{"main.go": src, "go.mod": []byte(gomod), "go.sum": sum} {
			if jsonlErr = os.WriteFile(filepath.Join(mod, name), data, 0o644); jsonlErr != nil {
				return
			}
		}
		bin := filepath.Join(binDir, "custom", "periscope-plugin-jsonl")
		flags, env := sdktest.BuildConfig()
		cmd := exec.Command("go", append(append([]string{"build", "-mod=mod"}, flags...), "-o", bin, ".")...)
		cmd.Dir = mod
		cmd.Env = append(env, "GOWORK=off", "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			jsonlErr = fmt.Errorf("build the sdk example as an outside module: %v\n%s", err, out)
			return
		}
		jsonlBin = bin
	})
	if jsonlErr != nil {
		tb.Fatal(jsonlErr)
	}
	return jsonlBin
}

// readJSONL decodes the payloads the custom plugin appended to path.
func readJSONL(tb testing.TB, path string) []Payload {
	tb.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		tb.Fatal(err)
	}
	var out []Payload
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var p Payload
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			tb.Fatalf("jsonl line %q: %v", line, err)
		}
		out = append(out, p)
	}
	return out
}
