package http

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/semaphore"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// Options configures a Server. Zero values take the documented defaults.
type Options struct {
	// AdminKey is the bearer token of /api/admin/; empty answers 401 to all.
	AdminKey string
	// PublicURL is the scheme and host put in DSNs, without trailing slash.
	PublicURL string
	// Limits, in bytes after decompression.
	MaxEventSize      int64
	MaxEnvelopeSize   int64
	MaxAttachmentSize int64
	// BodyBudget bounds the request body bytes held by all requests being
	// read or handled at once (default 4 envelopes of MaxEnvelopeSize); a
	// request that finds it spent is answered 429 with Retry-After.
	BodyBudget int64
	// ReadTimeout bounds the reading of one request, headers and body
	// (default 60s): a slow body is cut when it expires.
	ReadTimeout time.Duration
	// CORSOrigins lists the origins browsers may send from; "*" is any.
	CORSOrigins []string
	// RateLimit is the default events per minute per key (0: none).
	RateLimit int
	// DefaultRetentionDays is retention.days: how long events of a project
	// whose retention_days is 0 are kept (0: forever). The admin API
	// reports it as a project's effective_retention_days.
	DefaultRetentionDays int
	// AckCommitted makes ingestion answer only once the event's batch is
	// committed (ingest.ack: committed).
	AckCommitted bool
	// KeyCacheTTL bounds how long a key lookup is reused (default 2s). A key
	// revoked through this server is dropped from its cache at once.
	KeyCacheTTL time.Duration
	// StatsFlushInterval is how often ingestion's per-project counters are
	// written to the store (default 10s; also at Shutdown and before the
	// stats route answers).
	StatsFlushInterval time.Duration
	// IngestSummaryInterval is how often the "ingest summary" line is
	// logged while events arrive (default 1m; negative: never).
	IngestSummaryInterval time.Duration
	// PurgeBatch bounds the rows one step of a project deletion removes
	// (default 500); PurgePause is the pause between steps (default 50ms).
	PurgeBatch int
	// Metrics, when set, is served at /metrics (it checks its own token);
	// Observer, when set, is told what ingestion accepted and refused.
	Metrics    http.Handler
	Observer   IngestObserver
	PurgePause time.Duration
	// DefaultGroupingConfig is the grouping configuration a project created
	// without one gets (grouping.default_config).
	DefaultGroupingConfig string
	// GroupingTransition is how long a project whose configuration changes
	// is grouped with both (grouping.transition).
	GroupingTransition time.Duration
	// UI, when set, registers the browser UI's routes (core/web) after
	// every API route, on the same app and port.
	UI func(app *fiber.App)
	// MaxBundleSize bounds an artifact bundle sentry-cli uploads
	// (sourcemaps.max_bundle_size; 0: service.DefaultMaxBundleSize).
	MaxBundleSize int64
	// CheckSourceMap refuses an upload holding a source map it returns an
	// error for (core/sourcemap.Check); nil checks nothing.
	CheckSourceMap func([]byte) error
	// SourceMapsUploaded, when set, is told of each artifact bundle stored
	// for a project (the symbolicator forgets the lookups that found none).
	SourceMapsUploaded func(projectID int64)
}

// Sink takes accepted events off the ingestion path. Submit returns a
// core.ERATELIMITED error when the pipeline (or its spool) is full and an
// EUNAVAILABLE one when the database or the spool cannot be written; once
// it has returned nil, the event is the pipeline's. It does not wait for
// the database; with ingest.ack: spooled it returns once the event is
// fsynced to the spool, so that a 200 survives kill -9 and a power loss.
// When the event's Done is not nil the sink sends on it once the event is
// committed (or the store's error), for ingest.ack: committed.
type Sink interface {
	Submit(ev *core.Accepted) error
}

// Server is the HTTP server. Create it with NewServer, then Listen or
// Serve; Shutdown stops accepting and waits for in-flight requests.
type Server struct {
	Store  core.Store
	Sink   Sink
	Logger *slog.Logger
	// Writable, when set, reports whether the database can be written
	// (the pipeline's last write succeeded); /readyz is not ready while it
	// returns an error.
	Writable func() error
	// Ready is an extra readiness check for /readyz (rules loaded, ...).
	Ready func(ctx context.Context) error
	// PipelineStats reports the pipeline's counters for /api/admin/stats.
	PipelineStats func() map[string]int64
	// Notify validates destinations and sends test notifications
	// (core/notify's Host); nil disables those routes' plugin checks.
	Notify Notifier

	opts Options
	app  *fiber.App
	keys *keyCache
	// bodyBudget holds the bytes of request bodies being read (body.go).
	bodyBudget *semaphore.Weighted
	// bodyHeld is what bodyBudget has handed out, for tests and metrics
	// (a semaphore does not tell).
	bodyHeld atomic.Int64
	limiter  *limiter
	// adminFails counts failed admin authentications per address.
	adminFails *limiter
	stats      IngestStats
	ln         net.Listener

	counters  *counters     // per-project ingestion counts (background.go)
	summary   ingestSummary // counts since the last "ingest summary" line (summary.go)
	purgeKick chan struct{} // wakes the project purger
	purgeHeld bool          // this node took the purge job (background goroutine only)

	metricsOnce  sync.Once
	metricsFiber fiber.Handler
	bgStop       chan struct{}
	bgDone       chan struct{}
	bgOnce       sync.Once
}

// NewServer builds the routes. store, sink and logger are required.
func NewServer(store core.Store, sink Sink, logger *slog.Logger, opts Options) *Server {
	if opts.MaxEventSize <= 0 {
		opts.MaxEventSize = 1 << 20
	}
	if opts.MaxEnvelopeSize <= 0 {
		opts.MaxEnvelopeSize = 20 << 20
	}
	if opts.MaxAttachmentSize <= 0 {
		opts.MaxAttachmentSize = opts.MaxEnvelopeSize
	}
	if opts.BodyBudget <= 0 {
		opts.BodyBudget = 4 * (opts.MaxEnvelopeSize + wireSlack)
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 60 * time.Second
	}
	if opts.KeyCacheTTL <= 0 {
		opts.KeyCacheTTL = 2 * time.Second
	}
	if len(opts.CORSOrigins) == 0 {
		opts.CORSOrigins = []string{"*"}
	}
	if opts.StatsFlushInterval <= 0 {
		opts.StatsFlushInterval = 10 * time.Second
	}
	if opts.IngestSummaryInterval == 0 {
		opts.IngestSummaryInterval = time.Minute
	}
	if opts.PurgeBatch <= 0 {
		opts.PurgeBatch = 500
	}
	if opts.PurgePause <= 0 {
		opts.PurgePause = 50 * time.Millisecond
	}
	s := &Server{Store: store, Sink: sink, Logger: logger, opts: opts, counters: newCounters(),
		purgeKick: make(chan struct{}, 1), bgStop: make(chan struct{}), bgDone: make(chan struct{})}
	s.stats.byType = newItemCounts()
	s.keys = newKeyCache(store, opts.KeyCacheTTL)
	s.limiter = newLimiter()
	s.adminFails = newLimiter()
	s.bodyBudget = semaphore.NewWeighted(opts.BodyBudget)
	s.app = fiber.New(fiber.Config{
		// Bodies are streamed and read by readBody (body.go), which
		// enforces the limits and the budget; the HTTP layer reads at
		// most 8 KiB ahead, whatever Content-Length declares.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    int(opts.MaxEnvelopeSize) + wireSlack,
		DisableStartupMessage:        true,
		ErrorHandler:                 s.fiberErrorHandler,
		ReadTimeout:                  opts.ReadTimeout,
		IdleTimeout:                  120 * time.Second,
		StrictRouting:                false,
		UnescapePath:                 false,
	})
	s.routes()
	go s.background()
	return s
}

// App exposes the Fiber app for in-process tests (app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Listen binds addr (host:port; port 0 picks a free one) and serves in the
// background. Addr reports the bound address.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.Serve(ln)
	return nil
}

// Serve serves on ln in the background (a listener bound by the caller,
// who needs its address before the server exists); Shutdown closes it.
func (s *Server) Serve(ln net.Listener) {
	s.ln = ln
	go func() {
		if err := s.app.Listener(ln); err != nil {
			s.Logger.Error("http server stopped", "err", err)
		}
	}()
}

// Addr returns the bound address after Listen.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx is done, then stops the background work (stats flush, project
// purge) after a last flush of the ingestion counters.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.app.ShutdownWithContext(ctx)
	s.stopBackground(ctx)
	return err
}

func isAdminPath(p string) bool { return strings.HasPrefix(p, "/api/admin") }

func (s *Server) handleHealthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) handleReadyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	checks := fiber.Map{}
	ready := true
	if err := s.Store.Ping(ctx); err != nil {
		checks["database"] = err.Error()
		ready = false
	} else {
		checks["database"] = "ok"
	}
	if s.Writable != nil {
		if err := s.Writable(); err != nil {
			checks["database_writes"] = core.ErrorMessage(err)
			ready = false
		} else {
			checks["database_writes"] = "ok"
		}
	}
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			checks["config"] = err.Error()
			ready = false
		} else {
			checks["config"] = "ok"
		}
	}
	if !ready {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ok", "checks": checks})
}

// handleStats reports process-wide counters since start: what ingestion
// accepted or refused and what the pipeline stored.
func (s *Server) handleStats(c *fiber.Ctx) error {
	out := fiber.Map{"ingest": fiber.Map{
		"accepted":      s.stats.Accepted.Load(),
		"rate_limited":  s.stats.RateLimited.Load(),
		"invalid":       s.stats.Invalid.Load(),
		"other_items":   s.stats.Other.Load(),
		"items_by_type": s.stats.ItemsByType(),
	}}
	if s.PipelineStats != nil {
		out["pipeline"] = s.PipelineStats()
	}
	return c.JSON(out)
}

// svc returns the admin use cases over the server's Store and Notify
// (both fields may be set after NewServer, so it is built per call; it
// holds no state).
func (s *Server) svc() *service.Service {
	svc := service.New(s.Store, s.Notify)
	svc.DefaultGroupingConfig, svc.GroupingTransition = s.opts.DefaultGroupingConfig, s.opts.GroupingTransition
	svc.MaxBundleSize, svc.CheckSourceMap = s.opts.MaxBundleSize, s.opts.CheckSourceMap
	return svc
}
