package main

import (
	"context"
	"net/http"
)

// metricsHandler is /metrics' handler, or nil with metrics off.
func (m *Main) metricsHandler() http.Handler {
	if m.Metrics == nil {
		return nil
	}
	return m.Metrics.Handler(m.Config.Metrics.Token)
}

// registerGauges adds the metrics read at scrape time: the pipeline's
// queue and counters, the spool, the rules and the outbox.
func (m *Main) registerGauges() {
	met := m.Metrics
	if met == nil {
		return
	}
	p, st := m.Pipeline, m.Pipeline.Stats()
	met.Gauge("periscope_queue_events", "Events accepted and not yet committed (both pipeline topics).",
		func() float64 { return float64(p.Queued()) })
	met.Gauge("periscope_queue_bytes", "Payload bytes held between acceptance and commit (bounded by ingest.queue_bytes).",
		func() float64 { return float64(p.HeldBytes()) })
	met.Counter("periscope_db_write_retries_total", "Write transactions tried again after a database error.",
		func() float64 { return float64(st.WriteRetries.Load()) })
	met.Counter("periscope_events_duplicate_total", "Events dropped as already stored (same project and event id).",
		func() float64 { return float64(st.Duplicates.Load()) })
	if sp := m.Spool; sp != nil {
		met.Gauge("periscope_spool_bytes", "Bytes of the write-ahead spool's files (bounded by ingest.spool_bytes).",
			func() float64 { return float64(sp.Stats().Bytes) })
		met.Gauge("periscope_spool_pending_events", "Events in the spool not yet committed to the database.",
			func() float64 { return float64(sp.Stats().Pending) })
	}
	r := m.Rules
	met.Counter("periscope_rule_reloads_total", "Successful reloads of the grouping rules.",
		func() float64 { return float64(r.Reloads()) })
	met.Gauge("periscope_rule_reload_failing", "1 while the last reload of the grouping rules failed (the previous rules stay in use).",
		func() float64 {
			if r.LastError() != nil {
				return 1
			}
			return 0
		})
	store := m.Store
	met.GaugesBy("periscope_notifications_pending", "Notifications waiting in the outbox (due, retrying or claimed), by plugin; shared by every node on the database.",
		"plugin", func(ctx context.Context) (map[string]int64, error) { return store.PendingNotifications(ctx) })
}
