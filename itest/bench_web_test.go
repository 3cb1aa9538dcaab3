package itest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
	"github.com/periscope-hq/periscope/core/service"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// BenchmarkWebPages measures the web UI's issue list (first page of
// unresolved issues, 50 rows with their 24-hour trends) and issue detail
// (the largest issue, and a small one) on the dataset of
// BenchmarkIssueListing (PERISCOPE_BENCH_ADMIN=1; PERISCOPE_BENCH_EVENTS
// and PERISCOPE_BENCH_GROUPS change its sizes), signed in, through the
// real binary over loopback HTTP, on SQLite and Postgres. It reports
// latency percentiles (p50-ms, p95-ms, p99-ms: measured by the client on
// loopback, so an upper bound of the server's time) and the page size
// (page-KB).
//
//	PERISCOPE_BENCH_ADMIN=1 go test ./itest -run '^$' -bench BenchmarkWebPages -benchtime 200x -timeout 60m
func BenchmarkWebPages(b *testing.B) {
	if os.Getenv(benchEnv) == "" {
		b.Skipf("set %s=1 to run: it loads 1,000,000 events into SQLite and Postgres first (minutes)", benchEnv)
	}
	events, groups := envInt("PERISCOPE_BENCH_EVENTS", 1_000_000), envInt("PERISCOPE_BENCH_GROUPS", 10_000)
	for _, db := range []string{"sqlite", "postgres"} {
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
			big, small := benchUser(b, s, d, projectID)
			s.Start()
			client := signedInClient(b, s)
			pages := []struct{ name, path string }{
				{"list", fmt.Sprintf("/projects/%d/issues", projectID)},
				{"list-search", fmt.Sprintf("/projects/%d/issues?status=all&q=checkout", projectID)},
				{"detail-largest", fmt.Sprintf("/issues/%d", big)},
				{"detail-small", fmt.Sprintf("/issues/%d", small)},
			}
			for _, p := range pages {
				b.Run(p.name, func(b *testing.B) { measurePage(b, client, s.URL+p.path) })
			}
		})
	}
}

// benchUser creates the user the benchmark signs in as, on the database
// directly, and returns the ids of the issue with most events and of one
// with few.
func benchUser(b *testing.B, s *Server, d DB, projectID int64) (big, small int64) {
	ctx := context.Background()
	var st core.Store
	var err error
	if d.Name == "postgres" {
		st, err = postgres.Open(ctx, d.PostgresURL)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(s.Dir, "data", "periscope.db"))
	}
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := service.New(st, nil).CreateUser(ctx, service.CreateUserInput{Email: "bench@example.com", Role: core.RoleAdmin, Password: "bench password"}); err != nil {
		b.Fatal(err)
	}
	top, _, err := st.FindIssues(ctx, core.IssueFilter{ProjectID: projectID, Sort: "count", Limit: 1})
	if err != nil || len(top) == 0 {
		b.Fatalf("largest issue: %v", err)
	}
	some, _, err := st.FindIssues(ctx, core.IssueFilter{ProjectID: projectID, Sort: "last_seen", Limit: 100})
	if err != nil || len(some) == 0 {
		b.Fatalf("issues: %v", err)
	}
	small = some[0].ID
	for _, is := range some {
		if is.Count < some[0].Count {
			small = is.ID
		}
	}
	b.Logf("largest issue %d has %d events", top[0].ID, top[0].Count)
	return top[0].ID, small
}

var benchCSRF = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// signedInClient signs in through the sign-in form and keeps the cookie.
func signedInClient(b *testing.B, s *Server) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second}
	resp, err := c.Get(s.URL + "/signin")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := benchCSRF.FindSubmatch(body)
	if m == nil {
		b.Fatalf("sign-in page without a CSRF field:\n%s", body)
	}
	resp, err = c.PostForm(s.URL+"/signin", url.Values{"_csrf": {string(m[1])}, "email": {"bench@example.com"}, "password": {"bench password"}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/projects" {
		b.Fatalf("sign-in ended at %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	return c
}

// measurePage GETs url b.N times after a warm-up and reports latency
// percentiles and the page's size.
func measurePage(b *testing.B, c *http.Client, url string) {
	get := func() int {
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Request.URL.String() != url {
			b.Fatalf("GET %s: %d at %s", url, resp.StatusCode, resp.Request.URL)
		}
		return len(body)
	}
	size := 0
	for range 3 {
		size = get()
	}
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		get()
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(size)/1024, "page-KB")
}
