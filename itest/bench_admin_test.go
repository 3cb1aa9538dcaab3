package itest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
)

// benchEnv turns the heavy admin benchmark on: it loads a million events,
// which takes minutes, so it never runs by accident.
const benchEnv = "PERISCOPE_BENCH_ADMIN"

// BenchmarkIssueListing measures the admin API's first page of issues
// (GET /api/admin/projects/{id}/issues) with every filter, sort order and
// kind of search term, on a project holding 1,000,000 events in 10,000
// issues (PERISCOPE_BENCH_EVENTS and PERISCOPE_BENCH_GROUPS change the
// sizes), on SQLite and on Postgres (PERISCOPE_BENCH_DBS=sqlite or postgres
// runs one), through the real binary over HTTP. The dataset is loaded by
// loadBulk, then the server is started on that database. It reports the
// latency percentiles of the requests as p50-ms, p95-ms and p99-ms.
//
//	PERISCOPE_BENCH_ADMIN=1 go test ./itest -run '^$' -bench BenchmarkIssueListing -benchtime 400x -timeout 60m
//
// Issue #17's size (10,000,000 events in 100,000 issues):
//
//	PERISCOPE_BENCH_ADMIN=1 PERISCOPE_BENCH_EVENTS=10000000 PERISCOPE_BENCH_GROUPS=100000 \
//	  go test ./itest -run '^$' -bench BenchmarkIssueListing -benchtime 400x -timeout 240m
func BenchmarkIssueListing(b *testing.B) {
	if os.Getenv(benchEnv) == "" {
		b.Skipf("set %s=1 to run: it loads 1,000,000 events into SQLite and Postgres first (minutes)", benchEnv)
	}
	events, groups := envInt("PERISCOPE_BENCH_EVENTS", 1_000_000), envInt("PERISCOPE_BENCH_GROUPS", 10_000)
	for _, db := range benchDBs() {
		b.Run(db, func(b *testing.B) {
			d := DB{Name: db}
			if db == "postgres" {
				d.PostgresURL = os.Getenv("PERISCOPE_BENCH_POSTGRES_URL")
				if d.PostgresURL == "" {
					d.PostgresURL = pgtest.URL(b)
				}
			}
			s := NewServer(b, d, "")
			projectID := loadBenchData(b, s, d, events, groups)
			s.Start()
			for _, f := range listingFilters(time.Now()) {
				b.Run(f, func(b *testing.B) {
					q := url.Values{}
					for _, kv := range strings.Split(f, "&") {
						k, v, _ := strings.Cut(kv, "=")
						q.Set(k, v)
					}
					measureListing(b, s, fmt.Sprintf("%s/api/admin/projects/%d/issues?%s", s.URL, projectID, q.Encode()))
				})
			}
		})
	}
}

// listingFilters are the query strings BenchmarkIssueListing measures,
// unescaped (benchEvent says which issues match what): each separate
// filter, each sort order, and Sentry's search syntax (issue #17) with
// every kind of term, tags and free text that match one issue, some and
// most.
func listingFilters(now time.Time) []string {
	ago := func(d time.Duration) string { return now.Add(-d).UTC().Format(time.RFC3339) }
	return []string{
		"sort=last_seen",
		"sort=first_seen",
		"sort=count",
		"status=unresolved",
		"status=resolved&sort=first_seen",
		"level=warning",
		"level=warning&status=unresolved",
		"environment=production",
		"release=shop@1.4.2",
		"last_seen_from=" + ago(7*24*time.Hour),
		"last_seen_to=" + ago(7*24*time.Hour),
		"first_seen_from=" + ago(7*24*time.Hour) + "&sort=first_seen",
		"query=is:unresolved level:error",
		"query=!level:fatal is:unresolved",
		"query=release:shop@1.4.2",  // 1 issue in 7
		"query=environment:staging", // 1 in 3
		"query=browser.name:Chrome", // 1 in 4
		"query=browser.name:Firefox&sort=count",
		"query=route:/api/items/4242", // 1 issue
		"query=!browser.name:Chrome",
		"query=firstSeen:-7d times_seen:>1",
		"query=lastSeen:+1d",
		"query=times_seen:>100&sort=count",
		`query="item4242'"`,  // free text: 1 issue
		"query=handler42.js", // 1 in 97
		"query=checkout",     // 1 in 5
		"query=checkout&sort=first_seen",
		"query=TypeError", // every issue
		"query=is:unresolved browser.name:Safari cart",
	}
}

// benchDBs are the databases PERISCOPE_BENCH_DBS names (comma-separated),
// by default both.
func benchDBs() []string {
	if v := os.Getenv("PERISCOPE_BENCH_DBS"); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"sqlite", "postgres"}
}

// measureListing sends GET url b.N times (after a warm-up) and reports
// latency percentiles; every answer must be 200 with a full first page.
func measureListing(b *testing.B, s *Server, url string) {
	client := &http.Client{Timeout: 30 * time.Second}
	get := func() (int, int) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+s.Admin)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Issues []json.RawMessage `json:"issues"`
		}
		body, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(body, &out)
		return resp.StatusCode, len(out.Issues)
	}
	for range 5 {
		if code, n := get(); code != 200 || n == 0 {
			b.Fatalf("GET %s: status %d, %d issues", url, code, n)
		}
	}
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if code, _ := get(); code != 200 {
			b.Fatalf("GET %s: status %d", url, code)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchEvent is a small but realistic error event of group g.
func benchEvent(projectID int64, g, n int, ts time.Time) *core.Event {
	envs := []string{"production", "staging", "development"}
	browsers := []string{"Chrome", "Firefox", "Safari", "Edge"}
	levels := []string{core.LevelError, core.LevelError, core.LevelWarning, core.LevelFatal}
	id := fmt.Sprintf("%016x%016x", uint64(projectID), uint64(n)+1)
	title := fmt.Sprintf("TypeError: Cannot read properties of undefined (reading 'item%d')", g)
	culprit := fmt.Sprintf("app/%s/handler%d.js in handle%d", []string{"checkout", "cart", "search", "account", "orders"}[g%5], g%97, g)
	release := fmt.Sprintf("shop@1.4.%d", g%7)
	payload := fmt.Sprintf(`{"event_id":%q,"timestamp":%q,"level":%q,"platform":"javascript","environment":%q,"release":%q,`+
		`"exception":{"values":[{"type":"TypeError","value":"Cannot read properties of undefined (reading 'item%d')",`+
		`"stacktrace":{"frames":[{"filename":"app.js","function":"handle%d","lineno":%d,"in_app":true}]}}]},`+
		`"tags":{"route":"/api/items/%d"}}`, id, ts.Format(time.RFC3339Nano), levels[g%4], envs[g%3], release, g, g, 10+g%300, g)
	return &core.Event{
		ProjectID: projectID, EventID: id, Timestamp: ts, Received: ts.Add(50 * time.Millisecond),
		Title: title, Culprit: culprit, Level: levels[g%4], Platform: "javascript",
		Release: release, Environment: envs[g%3],
		Tags:    []core.Tag{{Key: "route", Value: fmt.Sprintf("/api/items/%d", g)}, {Key: "browser.name", Value: browsers[g%4]}},
		SDKName: "sentry.javascript.node", SDKVersion: "8.0.0",
		Grouping: core.Grouping{DecidedBy: "default", Hash: fmt.Sprintf("%024x%08d", 0, g)},
		Payload:  json.RawMessage(payload),
	}
}
