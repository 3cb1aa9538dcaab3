package http

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// summaryProjects bounds the projects one summary tells apart: ingestion
// counts requests for any project id a client puts in the path, so beyond
// this many the rest are added up under project 0.
const summaryProjects = 1000

// ingestSummary adds up what ingestion and the pipeline did per project
// since the last "ingest summary" log line.
type ingestSummary struct {
	mu sync.Mutex
	m  map[int64]*summaryCounts
}

type summaryCounts struct {
	accepted, stored, duplicates, rateLimited int64
	rejected                                  map[string]int64 // by reason
}

// add applies f to the counts of project.
func (sm *ingestSummary) add(project int64, f func(*summaryCounts)) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if sm.m == nil {
		sm.m = map[int64]*summaryCounts{}
	}
	c := sm.m[project]
	if c == nil {
		if len(sm.m) >= summaryProjects {
			project = 0
		}
		if c = sm.m[project]; c == nil {
			c = &summaryCounts{}
			sm.m[project] = c
		}
	}
	f(c)
}

func (c *summaryCounts) reject(reason string, n int64) {
	if c.rejected == nil {
		c.rejected = map[string]int64{}
	}
	c.rejected[reason] += n
}

// take empties the summary and returns what it held.
func (sm *ingestSummary) take() map[int64]*summaryCounts {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	m := sm.m
	sm.m = nil
	return m
}

// CountWritten adds what the pipeline wrote for a project to the ingest
// summary: new events, duplicates, and events kept as rejected because
// they could not be processed (reason "processing"). Safe for concurrent
// use; wire it to pipeline.Options.OnWritten.
func (s *Server) CountWritten(project int64, stored, duplicates, rejected int64) {
	s.summary.add(project, func(c *summaryCounts) {
		c.stored += stored
		c.duplicates += duplicates
		if rejected > 0 {
			c.reject("processing", rejected)
		}
	})
}

// LogIngestSummary logs what happened since the last call as one
// "ingest summary" line, per project, and nothing when nothing happened.
// The background loop calls it every Options.IngestSummaryInterval.
func (s *Server) LogIngestSummary() {
	m := s.summary.take()
	if len(m) == 0 {
		return
	}
	var total summaryCounts
	projects := make([]any, 0, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		c := m[id]
		var attrs []any
		for _, f := range []struct {
			name string
			n    int64
			sum  *int64
		}{{"accepted", c.accepted, &total.accepted}, {"stored", c.stored, &total.stored},
			{"duplicates", c.duplicates, &total.duplicates}, {"rate_limited", c.rateLimited, &total.rateLimited}} {
			*f.sum += f.n
			if f.n != 0 {
				attrs = append(attrs, slog.Int64(f.name, f.n))
			}
		}
		if len(c.rejected) > 0 {
			var reasons []any
			for _, r := range slices.Sorted(maps.Keys(c.rejected)) {
				reasons = append(reasons, slog.Int64(r, c.rejected[r]))
				total.reject(r, c.rejected[r])
			}
			attrs = append(attrs, slog.Group("rejected", reasons...))
		}
		projects = append(projects, slog.Group(strconv.FormatInt(id, 10), attrs...))
	}
	var rejected int64
	for _, n := range total.rejected {
		rejected += n
	}
	s.Logger.Info("ingest summary", "interval", s.opts.IngestSummaryInterval,
		"accepted", total.accepted, "stored", total.stored, "duplicates", total.duplicates,
		"rate_limited", total.rateLimited, "rejected", rejected, slog.Group("projects", projects...))
}

// logRequests logs one debug line per request: method, path (never the
// query string, which may carry sentry_key), status and duration. Headers,
// which carry credentials, are never logged.
func (s *Server) logRequests(c *fiber.Ctx) error {
	if !s.Logger.Enabled(context.Background(), slog.LevelDebug) {
		return c.Next()
	}
	start := time.Now()
	if err := c.Next(); err != nil {
		// Let the error handler write the answer now, so that the line
		// carries the status the client gets.
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	s.Logger.Debug("request", "method", c.Method(), "path", c.Path(),
		"status", c.Response().StatusCode(), "duration", time.Since(start))
	return nil
}
