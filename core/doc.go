// Package core is Periscope's domain: the types every other package speaks
// (projects, keys, issues, events, alerts, destinations, notifications), the
// storage contract they are kept behind, the error codes the HTTP layer
// maps to statuses, and the pure decisions about them (issue.go: how events
// change an issue, regressions, ignore expiry, which alert they raise;
// threshold.go: what an alert rule decides).
//
// core imports only the standard library. Each technology lives in a
// subpackage that imports core and never another adapter: bus (the in-memory
// topic bus), sqlite and postgres (Store implementations; the SQL they
// share, and the Go around it, is written once in internal/sqlq, and
// internal/dbutil has their common helpers), http (Fiber:
// Sentry ingestion and the admin API), notify (the go-plugin host and outbox
// dispatcher), sentry (the wire protocol: envelopes, auth, normalization),
// pipeline (processing workers and the batching writer), threshold (threshold
// alert rules, evaluated after commit), metrics (Prometheus), config (the plain values of
// config.yaml, which notify takes as its Config: config imports no
// adapter), and cmd/periscope (wiring and subcommands).
//
// # The path of an alert
//
//  1. event: pipeline/write.go batches processed events into one Store.WriteEvents call (through threshold/writer.go when rules exist).
//  2. writer: sqlite/write.go and postgres/write_events.go fold each batch into its issues (internal/dbutil/batch.go, IssueAgg.Apply).
//  3. decision: issue.go, in that transaction: Issue.AddEvents (regression, ignore expiry, title, level), IssueAlertKind (new or regressed); after commit threshold/threshold.go asks threshold.go's AlertRule.
//  4. outbox: the same transaction (CreateThresholdAlert's for a threshold alert) inserts the alert and one notifications row per destination.
//  5. delivery: notify/dispatcher.go claims due outbox rows and calls the notifier plugins through notify/host.go, recording every attempt.
package core
