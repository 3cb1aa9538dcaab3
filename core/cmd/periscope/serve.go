package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/periscope-hq/periscope/core/config"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/metrics"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/service"
	"github.com/periscope-hq/periscope/core/sourcemap"
	"github.com/periscope-hq/periscope/core/spool"
	"github.com/periscope-hq/periscope/core/web"
	"github.com/periscope-hq/periscope/rules"
)

// Main is a running Periscope: configuration, store, pipeline and HTTP
// server. Tests run it in-process with Config.Server.Port = 0 (see
// MustRunMain): Run then sets Port to the port the system picked.
type Main struct {
	Config *config.Config
	Logger *slog.Logger

	Store    migratingStore
	Rules    *rules.Holder
	Pipeline *pipeline.Pipeline
	// Spool is the write-ahead spool of ingest.ack: spooled (nil in the
	// other modes).
	Spool *spool.Spool
	HTTP  *phttp.Server
	// Metrics are served at /metrics (nil with metrics.enabled false).
	Metrics *metrics.Metrics

	storeDesc string
	cancel    context.CancelFunc // stops background watchers
	alerts    *alerting          // plugin host, dispatcher, threshold rules (notify.go)
	pruner    *pruner            // retention (retention.go)
}

// Run opens and migrates the database, starts the pipeline and listens.
// It returns once the server accepts connections.
func (m *Main) Run(ctx context.Context) error {
	c := m.Config
	if m.Logger == nil {
		m.Logger = newLogger(c)
	}
	store, desc, err := openStore(ctx, c, m.Logger)
	if err != nil {
		return err
	}
	m.Store, m.storeDesc = store, desc
	if err := store.Migrate(ctx); err != nil {
		return withCode(exitDatabase, fmt.Errorf("migrating %s: %w", desc, err))
	}

	m.Rules, err = newGrouper(c, m.Logger)
	if err != nil {
		return withCode(exitConfig, fmt.Errorf("grouping rules: %w", err))
	}
	if c.Metrics.Enabled {
		m.Metrics = metrics.New()
	}
	if m.alerts, err = startAlerting(ctx, c, store, m.Logger, m.Metrics); err != nil {
		return err
	}
	bg, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	watchRules(bg, m.Rules, m.Logger)
	// The HTTP server, built below on the pipeline, counts what the
	// pipeline writes for its ingest summary. Events the spool replays are
	// written while it is being built, on the pipeline's goroutines: an
	// atomic pointer publishes it to them (the race detector caught the
	// plain pointer in itest's kill -9 tests).
	var srv atomic.Pointer[phttp.Server]
	if c.Ingest.Ack == "spooled" {
		if m.Spool, err = openSpool(c, store, m.Logger); err != nil {
			_ = m.alerts.close(ctx)
			return err
		}
	}
	symbolicator := sourcemap.New(store, c.SourceMaps.CacheSize, m.Logger)
	m.Pipeline = pipeline.New(m.alerts.writer(store), m.Rules, m.Logger, pipeline.Options{
		Workers:    c.Ingest.Workers,
		QueueSize:  c.Ingest.QueueSize,
		QueueBytes: c.Ingest.QueueBytes,
		BatchSize:  c.Ingest.BatchSize,
		OnAlert:    m.alerts.dispatcher.Kick,
		OnCommit:   m.Metrics.Commit,
		OnWritten: func(project int64, w pipeline.Written) {
			m.Metrics.Stored(project, int(w.Stored))
			m.Metrics.Unprocessable(project, int(w.Rejected))
			if srv := srv.Load(); srv != nil { // nil while the spool is replayed
				srv.CountWritten(project, w.Stored, w.Duplicates, w.Rejected)
			}
		},
		Spool: m.Spool,
		// JavaScript frames are mapped through uploaded source maps
		// before grouping.
		Symbolicate: symbolicator.Symbolicate,
	})
	m.Pipeline.Start()
	if err := m.replay(ctx); err != nil {
		return err
	}

	// Bound before the server exists: on port 0 the system picks the port,
	// and the public URL, built from the listen address when none is
	// configured, must carry the real one (DSNs are built from it).
	ln, err := net.Listen("tcp", c.ListenAddr())
	if err != nil {
		_ = m.alerts.close(ctx) // stop the plugin processes validation started
		return fmt.Errorf("listen on %s: %w", c.ListenAddr(), err)
	}
	if c.Server.Port == 0 {
		c.Server.Port = ln.Addr().(*net.TCPAddr).Port
	}
	if c.Admin.SecretKey == "" {
		m.Logger.Warn("the admin API is disabled: API_SECRET_KEY_ADMIN is empty, so every /api/admin/ request is answered 401")
	}
	uiSvc := service.New(store, m.alerts.host)
	uiSvc.DefaultGroupingConfig, uiSvc.GroupingTransition = c.Grouping.DefaultConfig, c.Grouping.Transition
	ui, err := web.New(uiSvc, m.Logger, web.Options{PublicURL: c.PublicURL(), SessionTTL: c.Web.SessionTTL, Rules: webRules{c, m.Rules, store}})
	if err != nil {
		ln.Close()
		return err
	}
	m.HTTP = phttp.NewServer(store, m.Pipeline, m.Logger, phttp.Options{
		AdminKey:             c.Admin.SecretKey,
		PublicURL:            c.PublicURL(),
		MaxEventSize:         c.Ingest.MaxEventSize,
		MaxEnvelopeSize:      c.Ingest.MaxEnvelopeSize,
		MaxAttachmentSize:    c.Ingest.MaxAttachmentSize,
		CORSOrigins:          c.Ingest.CORSOrigins,
		RateLimit:            c.Ingest.RateLimit,
		DefaultRetentionDays: c.Retention.Days,
		AckCommitted:         c.Ingest.Ack == "committed",
		Metrics:              m.metricsHandler(),
		Observer:             m.Metrics,

		IngestSummaryInterval: summaryInterval(c.Log.IngestSummaryInterval),
		// A project created without a grouping configuration gets the
		// default one, and a change keeps the old one for a while.
		DefaultGroupingConfig: c.Grouping.DefaultConfig,
		GroupingTransition:    c.Grouping.Transition,
		UI:                    ui.Register,
		MaxBundleSize:         c.SourceMaps.MaxBundleSize,
		CheckSourceMap:        sourcemap.Check,
		SourceMapsUploaded:    symbolicator.Forget,
	})
	srv.Store(m.HTTP)
	m.HTTP.PipelineStats = m.Pipeline.Snapshot
	m.HTTP.Notify = m.alerts.host
	m.HTTP.Writable = m.Pipeline.Writable
	m.HTTP.Ready = func(context.Context) error {
		if err := m.Rules.LastError(); err != nil {
			return fmt.Errorf("grouping rules not reloaded (the previous rules stay in use): %w", err)
		}
		return nil
	}
	m.registerGauges()
	m.HTTP.Serve(ln)
	m.pruner = newPruner(store, c.Retention, m.Logger)
	m.pruner.start()
	m.Logger.Info("periscope is serving", "addr", "http://"+m.HTTP.Addr(), "public_url", c.PublicURL(), "database", desc)
	return nil
}

// Close stops gracefully: no new requests, every queued event stored,
// then the database closed.
func (m *Main) Close(ctx context.Context) error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if m.cancel != nil {
		m.cancel()
	}
	keep(m.pruner.close(ctx))
	if m.HTTP != nil {
		keep(m.HTTP.Shutdown(ctx))
	}
	if m.Pipeline != nil {
		keep(m.Pipeline.Stop(ctx))
	}
	if m.Spool != nil {
		// After the writer drained: what it stored is marked done (behind
		// the database barrier) before the database closes below.
		keep(m.Spool.Close())
	}
	keep(m.alerts.close(ctx))
	if m.Store != nil {
		keep(m.Store.Close())
	}
	return first
}

// summaryInterval maps log.ingest_summary_interval (0: off) to the
// server's option (negative: off).
func summaryInterval(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, err := parseConfigFlags(fs, args, configFlag(fs))
	if err != nil {
		return err
	}
	if path := os.Getenv("PERISCOPE_CPU_PROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	m := &Main{Config: c}
	if err := m.Run(ctx); err != nil {
		if m.Store != nil {
			m.Store.Close()
		}
		return err
	}
	<-ctx.Done()
	m.Logger.Info("stopping: draining queued events", "queued", m.Pipeline.Queued(), "timeout", c.Server.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.Server.ShutdownTimeout)
	defer cancel()
	start := time.Now()
	if err := m.Close(sctx); err != nil {
		return fmt.Errorf("stopping: %w", err)
	}
	st := m.Pipeline.Stats()
	m.Logger.Info("stopped", "took", time.Since(start).Round(time.Millisecond), "stored", st.Stored.Load(), "rejected", st.Rejected.Load())
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, err := parseConfigFlags(fs, args, configFlag(fs))
	if err != nil {
		return err
	}
	store, desc, err := openMigrated(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(stdout, "%s: schema is current\n", desc)
	return nil
}

// startCPUProfile writes a CPU profile of the whole serve run to path (set
// PERISCOPE_CPU_PROFILE; itest/bench/README.md reads it with go tool pprof).
// The returned function stops it and closes the file.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("PERISCOPE_CPU_PROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("PERISCOPE_CPU_PROFILE: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
