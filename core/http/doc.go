// Package http is Periscope's HTTP surface, built on Fiber: the Sentry
// ingestion endpoints (/api/{project_id}/envelope/ and /store/), the admin
// API under /api/admin/, and the health probes. No other package imports
// fiber.
//
// Ingestion never blocks on the database: it authenticates the key (from a
// bounded cache, served stale while the database is unreachable, 503 for a
// key never seen), decodes and splits the request, and hands each event
// to the pipeline, answering 429 when the pipeline is full. Request bodies
// are streamed and read only after the credentials in the headers are
// checked, within one budget of bytes shared by all connections (body.go).
// The admin API is a thin adapter over core/service: each handler decodes
// the request, calls one use case and encodes its answer (core.Error codes
// map to statuses in error.go). Failed admin authentication is limited per
// client address (admin_auth.go). Every route, with its method, middleware
// and handler, is registered in routes.go; TestRouteTable pins the table.
package http
