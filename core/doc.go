// Package core is Periscope's domain: the types every other package speaks
// (projects, keys, issues, events, alerts, destinations, notifications), the
// storage contract they are kept behind, and the error codes the HTTP layer
// maps to statuses.
//
// core imports only the standard library. Each technology lives in a
// subpackage that imports core and never another adapter: bus (the in-memory
// topic bus), sqlite and postgres (Store implementations), http (Fiber:
// Sentry ingestion and the admin API), notify (the go-plugin host and outbox
// dispatcher), sentry (the wire protocol: envelopes, auth, normalization),
// pipeline (processing workers and the batching writer), and cmd/periscope
// (configuration, wiring and subcommands).
package core
