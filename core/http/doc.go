// Package http is Periscope's HTTP surface, built on Fiber: the Sentry
// ingestion endpoints (/api/{project_id}/envelope/ and /store/), the admin
// API under /api/admin/, and the health probes. No other package imports
// fiber.
//
// Ingestion never blocks on the database: it authenticates the key (from a
// short-lived cache), decodes and splits the request, and hands each event
// to the pipeline, answering 429 when the pipeline is full. The admin API
// calls the Store directly.
package http
