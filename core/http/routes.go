package http

// routes registers every route of the server, top to bottom in the order
// Fiber tries them. Order matters in two places: the admin group's
// authentication runs before any admin handler, and the ingestion group's
// CORS middleware, whose /api/:project_id prefix also matches
// /api/admin/..., comes after every admin route so it never runs for them.
func (s *Server) routes() {
	s.app.Use(s.bodyScope)   // body.go
	s.app.Use(s.logRequests) // summary.go

	// Operations.
	s.app.Get("/healthz", s.handleHealthz) // server.go
	s.app.Get("/readyz", s.handleReadyz)   // server.go
	s.app.Get("/metrics", s.handleMetrics) // metrics.go

	// Admin API: JSON, bearer API_SECRET_KEY_ADMIN. Its description is
	// public: it holds no data.
	s.app.Get("/api/admin/openapi.json", s.handleOpenAPI) // openapi.go
	admin := s.app.Group("/api/admin", s.requireAdmin)    // server.go

	// Projects and their keys (project.go, stats.go).
	admin.Get("/projects", s.handleListProjects)
	admin.Post("/projects", s.handleCreateProject)
	admin.Get("/projects/:id", s.handleGetProject)
	admin.Patch("/projects/:id", s.handleUpdateProject)
	admin.Delete("/projects/:id", s.handleDeleteProject)
	admin.Get("/projects/:id/stats", s.handleProjectStats)
	admin.Get("/projects/:id/keys", s.handleListKeys)
	admin.Post("/projects/:id/keys", s.handleCreateKey)
	admin.Patch("/projects/:id/keys/:key", s.handleUpdateKey)
	admin.Delete("/projects/:id/keys/:key", s.handleRevokeKey)
	admin.Get("/stats", s.handleStats) // server.go: process-wide counters

	// API tokens for sentry-cli and the source maps it uploaded (token.go).
	admin.Get("/projects/:id/tokens", s.handleListTokens)
	admin.Post("/projects/:id/tokens", s.handleCreateToken)
	admin.Delete("/projects/:id/tokens/:token_id", s.handleRevokeToken)
	admin.Get("/projects/:id/sourcemaps", s.handleListBundles)

	// Issues (issue.go).
	admin.Get("/projects/:id/issues", s.handleListIssues)
	admin.Get("/issues/:id", s.handleGetIssue)
	admin.Patch("/issues/:id", s.handleUpdateIssue)
	admin.Delete("/issues/:id", s.handleDeleteIssue)
	admin.Post("/issues/:id/merge", s.handleMergeIssues)

	// Events (event.go).
	admin.Get("/issues/:id/events", s.handleListEvents)
	admin.Get("/issues/:id/events/latest", s.handleLatestEvent)
	admin.Get("/issues/:id/fingerprints", s.handleListFingerprints)
	admin.Get("/issues/:id/tags", s.handleListIssueTags)
	admin.Get("/projects/:id/events/:event_id", s.handleGetEvent)
	admin.Get("/projects/:id/events/:event_id/grouping", s.handleGetGrouping)
	admin.Get("/projects/:id/events/:event_id/attachments/:attachment_id", s.handleGetAttachment)

	// Notification destinations (destination.go).
	const dests = "/projects/:id/alert_notification_destinations"
	admin.Get(dests, s.handleListDestinations)
	admin.Post(dests, s.handleCreateDestination)
	admin.Get(dests+"/:dest_id", s.handleGetDestination)
	admin.Patch(dests+"/:dest_id", s.handleUpdateDestination)
	admin.Delete(dests+"/:dest_id", s.handleDeleteDestination)
	admin.Post(dests+"/:dest_id/test", s.handleTestDestination)

	// Alerts (alert.go).
	admin.Get("/projects/:id/alerts", s.handleListAlerts)
	admin.Post("/alerts/:id/acknowledge", s.handleAcknowledgeAlert)

	// People who sign in to the web UI (user.go).
	admin.Get("/users", s.handleListUsers)
	admin.Post("/users", s.handleCreateUser)
	admin.Delete("/users/:id", s.handleDeleteUser)
	admin.Put("/users/:id/password", s.handleSetUserPassword)

	// The Sentry web API sentry-cli uploads source maps and creates
	// releases with (sentryapi.go), bearer API token.
	sapi := s.app.Group("/api/0", s.requireToken)
	sapi.Get("/organizations/:org/chunk-upload", s.handleChunkOptions)
	sapi.Post("/organizations/:org/chunk-upload", s.handleChunkUpload)
	sapi.Post("/organizations/:org/artifactbundle/assemble", s.handleAssemble)
	sapi.Post("/organizations/:org/releases", s.handleRelease)
	sapi.Get("/organizations/:org/releases/:version", s.handleGetRelease)
	sapi.Put("/organizations/:org/releases/:version", s.handleRelease)
	sapi.Post("/projects/:org/:project/releases", s.handleRelease)
	sapi.Get("/projects/:org/:project/releases/:version", s.handleGetRelease)
	sapi.Put("/projects/:org/:project/releases/:version", s.handleRelease)
	sapi.All("/*", s.handleSentryAPIOther)

	// Sentry ingestion (envelope.go), with CORS for browsers.
	api := s.app.Group("/api/:project_id", s.cors) // cors.go
	api.Post("/envelope", s.handleEnvelope)
	api.Post("/store", s.handleStore)
	api.Options("/envelope", s.cors)
	api.Options("/store", s.cors)

	// Minidumps (minidump.go) and browser security reports (security.go).
	s.app.Post("/api/:project_id/minidump", s.cors, s.handleMinidump)
	s.app.Options("/api/:project_id/minidump", s.cors)
	for _, p := range []string{"/api/:project_id/security", "/api/:project_id/csp-report"} {
		s.app.Post(p, s.cors, s.handleSecurity)
		s.app.Options(p, s.cors)
	}

	// The browser UI (core/web), wired in by the binary.
	if s.opts.UI != nil {
		s.opts.UI(s.app)
	}
}
