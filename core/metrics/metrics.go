// Package metrics exposes Periscope's Prometheus metrics (client_golang):
// what ingestion accepted, refused and stored, the pipeline's queue,
// batches and commits, the outbox, the plugins, the rules, and the Go
// runtime. The other packages know nothing of Prometheus: they take
// callbacks, and cmd/periscope wires them to a Metrics.
//
// Every method is safe for concurrent use and cheap (an atomic add or a
// histogram observation); a nil *Metrics records nothing.
package metrics

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the registry and the metrics Periscope records.
type Metrics struct {
	reg *prometheus.Registry

	accepted, rateLimited, stored *prometheus.CounterVec // project
	rejected                      *prometheus.CounterVec // project, reason
	batchSize                     prometheus.Histogram
	commitSeconds                 prometheus.Histogram
	dbErrors                      prometheus.Counter
	notifications                 *prometheus.CounterVec // plugin, outcome
	pluginRestarts                *prometheus.CounterVec // plugin
}

// New returns metrics registered in a registry of their own, with the Go
// runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	counterVec := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	m.accepted = counterVec("periscope_events_accepted_total", "Events accepted by ingestion (answered 200), by project.", "project")
	m.rateLimited = counterVec("periscope_events_rate_limited_total", "Events refused with 429 (rate limit, full queue or spool), by project.", "project")
	m.rejected = counterVec("periscope_events_rejected_total", "Ingestion requests refused, by project and reason (error code), and events stored as rejected (reason \"processing\").", "project", "reason")
	m.stored = counterVec("periscope_events_stored_total", "Events committed to the database, by project.", "project")
	m.notifications = counterVec("periscope_notifications_total", "Notification attempts by plugin and outcome (delivered, retry, failed, skipped).", "plugin", "outcome")
	m.pluginRestarts = counterVec("periscope_plugin_restarts_total", "Notifier plugin processes restarted after they exited, by plugin.", "plugin")
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "periscope_write_batch_events",
		Help: "Events per write transaction.", Buckets: prometheus.ExponentialBuckets(1, 2, 11)})
	m.commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "periscope_write_commit_seconds",
		Help: "Time of a write transaction, failed ones included.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.dbErrors = prometheus.NewCounter(prometheus.CounterOpts{Name: "periscope_db_write_errors_total",
		Help: "Write transactions that failed (each is retried or bisected; see periscope_db_write_retries_total)."})
	m.reg.MustRegister(m.batchSize, m.commitSeconds, m.dbErrors)
	return m
}

func project(id int64) string { return strconv.FormatInt(id, 10) }

// Accepted counts n events of project answered 200.
func (m *Metrics) Accepted(projectID int64, n int) {
	if m != nil {
		m.accepted.WithLabelValues(project(projectID)).Add(float64(n))
	}
}

// RateLimited counts n events of project refused with 429.
func (m *Metrics) RateLimited(projectID int64, n int) {
	if m != nil {
		m.rateLimited.WithLabelValues(project(projectID)).Add(float64(n))
	}
}

// Rejected counts a refused request (or an event stored as rejected) of
// project, by reason.
func (m *Metrics) Rejected(projectID int64, reason string) {
	if m != nil {
		m.rejected.WithLabelValues(project(projectID), reason).Inc()
	}
}

// Unprocessable counts n events of project stored as rejected by the
// pipeline (reason "processing").
func (m *Metrics) Unprocessable(projectID int64, n int) {
	if m != nil && n > 0 {
		m.rejected.WithLabelValues(project(projectID), "processing").Add(float64(n))
	}
}

// Stored counts n events of project committed.
func (m *Metrics) Stored(projectID int64, n int) {
	if m != nil && n > 0 {
		m.stored.WithLabelValues(project(projectID)).Add(float64(n))
	}
}

// Commit records one write transaction of events events that took took
// and failed with err (nil: committed).
func (m *Metrics) Commit(events int, took time.Duration, err error) {
	if m == nil {
		return
	}
	m.commitSeconds.Observe(took.Seconds())
	if err != nil {
		m.dbErrors.Inc()
		return
	}
	m.batchSize.Observe(float64(events))
}

// Notification counts one delivery attempt through plugin; outcome is
// delivered, retry, failed or skipped.
func (m *Metrics) Notification(plugin, outcome string) {
	if m != nil {
		m.notifications.WithLabelValues(plugin, outcome).Inc()
	}
}

// PluginRestarted counts a restart of plugin's process.
func (m *Metrics) PluginRestarted(plugin string) {
	if m != nil {
		m.pluginRestarts.WithLabelValues(plugin).Inc()
	}
}

// Gauge registers a gauge read from f at every scrape.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// Counter registers a counter read from f (a monotonic count) at every
// scrape.
func (m *Metrics) Counter(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
}

// GaugesBy registers a gauge with one label, whose values f returns at
// every scrape (f gets a context bounded by the scrape's timeout; an error
// reports the gauge as unavailable in the scrape).
func (m *Metrics) GaugesBy(name, help, label string, f func(ctx context.Context) (map[string]int64, error)) {
	m.reg.MustRegister(&mapCollector{desc: prometheus.NewDesc(name, help, []string{label}, nil), f: f})
}

type mapCollector struct {
	desc *prometheus.Desc
	f    func(ctx context.Context) (map[string]int64, error)
}

func (c *mapCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *mapCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	vals, err := c.f(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for k, v := range vals {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(v), k)
	}
}

// Handler serves the metrics in Prometheus' text format. A non-empty
// token is required as "Authorization: Bearer <token>" (401 otherwise).
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics: a bearer token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
