package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/periscope-hq/periscope/core/postgres/pgtest"
)

// scrape reads /metrics with token and returns the families, or fails.
func scrape(tb testing.TB, url, token string) map[string]*dto.MetricFamily {
	tb.Helper()
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		tb.Fatalf("GET /metrics: status %d, want 200", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	return fams
}

// metricValue returns the value of the series of name whose labels
// include want ("k=v" pairs), summing matches; histograms give their
// sample count. ok is false when no series matches.
func metricValue(fams map[string]*dto.MetricFamily, name string, want ...string) (v float64, ok bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for _, w := range want {
			k, val, _ := strings.Cut(w, "=")
			if labels[k] != val {
				continue next
			}
		}
		ok = true
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Histogram != nil:
			v += float64(m.Histogram.GetSampleCount())
		}
	}
	return v, ok
}

// TestMetrics scrapes /metrics on both databases: the token is required,
// and the counters move as events are accepted, refused and stored.
func TestMetrics(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := []string{"PERISCOPE_METRICS_TOKEN=scrape-secret"}
			if db == "postgres" {
				env = append(env, "POSTGRES_ENABLED=true", "PERISCOPE_POSTGRES_URL="+pgtest.URL(t))
			}
			s := MustRunMain(t, withEnv(env...))
			resp, err := http.Get(s.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET /metrics without the token: %d, want 401", resp.StatusCode)
			}

			id, dsn := s.project("web")
			proj := fmt.Sprintf("project=%d", id)
			before := scrape(t, s.URL, "scrape-secret")
			if v, _ := metricValue(before, "periscope_events_stored_total", proj); v != 0 {
				t.Fatalf("stored before any event: %v", v)
			}
			for _, name := range []string{"go_goroutines", "periscope_queue_events", "periscope_queue_bytes",
				"periscope_rule_reloads_total", "periscope_db_write_retries_total"} {
				if _, ok := metricValue(before, name); !ok {
					t.Errorf("%s missing from /metrics", name)
				}
			}
			const n = 3
			for i := range n {
				s.store(dsn, fmt.Sprintf(`{"event_id":"%032x","message":"metrics %d","level":"error"}`, i+1, i))
			}
			// A request with a wrong key is refused (unauthorized).
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/%d/store/", s.URL, id), strings.NewReader(`{}`))
			req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key=0123456789abcdef0123456789abcdef")
			if resp, err := http.DefaultClient.Do(req); err != nil {
				t.Fatal(err)
			} else {
				resp.Body.Close()
			}
			var after map[string]*dto.MetricFamily
			waitFor(t, "the stored counter to reach 3", func() bool {
				after = scrape(t, s.URL, "scrape-secret")
				v, _ := metricValue(after, "periscope_events_stored_total", proj)
				return v == n
			})
			if v, _ := metricValue(after, "periscope_events_accepted_total", proj); v != n {
				t.Errorf("accepted: %v, want %d", v, n)
			}
			if v, _ := metricValue(after, "periscope_events_rejected_total", proj, "reason=unauthorized"); v != 1 {
				t.Errorf("rejected (unauthorized): %v, want 1", v)
			}
			if v, _ := metricValue(after, "periscope_write_batch_events"); v < 1 {
				t.Errorf("batch size histogram: %v observations, want at least 1", v)
			}
			if v, _ := metricValue(after, "periscope_write_commit_seconds"); v < 1 {
				t.Errorf("commit latency histogram: %v observations, want at least 1", v)
			}
		})
	}
}

// TestMetricsDisabled: metrics.enabled false answers 404.
func TestMetricsDisabled(t *testing.T) {
	s := MustRunMain(t, withEnv("PERISCOPE_METRICS_ENABLED=false"))
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics with metrics disabled: %d, want 404", resp.StatusCode)
	}
}
