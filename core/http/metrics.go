package http

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/periscope-hq/periscope/core"
)

// IngestObserver is told what ingestion accepted and refused, per project
// (metrics). Its methods must not block.
type IngestObserver interface {
	Accepted(project int64, n int)
	RateLimited(project int64, n int)
	Rejected(project int64, reason string)
}

// metricsHandler adapts Options.Metrics once.
func (s *Server) metricsHandler() fiber.Handler {
	s.metricsOnce.Do(func() {
		if s.opts.Metrics != nil {
			s.metricsFiber = adaptor.HTTPHandler(s.opts.Metrics)
		}
	})
	return s.metricsFiber
}

// handleMetrics serves Options.Metrics (Prometheus' text format, which
// checks its own bearer token), or 404 when metrics are off.
func (s *Server) handleMetrics(c *fiber.Ctx) error {
	h := s.metricsHandler()
	if h == nil {
		return core.Errorf(core.ENOTFOUND, "metrics are disabled (metrics.enabled: false)")
	}
	return h(c)
}
