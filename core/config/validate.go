package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// validate returns one line per problem, each starting with its key.
// MinAdminKeyLength is the shortest admin.secret_key accepted: a shorter
// bearer token can be guessed.
const MinAdminKeyLength = 16

func (c *Config) validate() []string {
	var p []string
	add := func(key, format string, args ...any) {
		p = append(p, key+": "+fmt.Sprintf(format, args...))
	}
	if k := c.Admin.SecretKey; k != "" && len(k) < MinAdminKeyLength {
		add("admin.secret_key", "must be at least %d characters (API_SECRET_KEY_ADMIN), or empty to disable the admin API; make one with: openssl rand -hex 32", MinAdminKeyLength)
	}
	if c.Server.Host == "" {
		add("server.host", "must not be empty (HOST)")
	}
	if c.Server.Port < 0 || c.Server.Port > 65535 {
		add("server.port", "%d is not a TCP port (PORT)", c.Server.Port)
	}
	if c.Server.PublicURL != "" {
		u, err := url.Parse(c.Server.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("server.public_url", "%q must be an absolute http(s) URL such as https://errors.example.com (PERISCOPE_PUBLIC_URL)", c.Server.PublicURL)
		}
	}
	if c.Server.ShutdownTimeout <= 0 {
		add("server.shutdown_timeout", "must be positive")
	}
	if c.Database.Postgres.Enabled {
		pg := c.Database.Postgres
		if pg.URL == "" {
			if pg.Host == "" {
				add("database.postgres.host", "must not be empty when Postgres is enabled (POSTGRES_HOST)")
			}
			if pg.Port <= 0 || pg.Port > 65535 {
				add("database.postgres.port", "%d is not a TCP port (POSTGRES_PORT)", pg.Port)
			}
			if pg.User == "" {
				add("database.postgres.user", "must not be empty (POSTGRES_USER)")
			}
			if pg.Database == "" {
				add("database.postgres.database", "must not be empty (POSTGRES_DATABASE)")
			}
		}
	} else {
		if c.Database.SQLite.Path == "" {
			add("database.sqlite.path", "must not be empty (PERISCOPE_SQLITE_PATH)")
		}
		switch c.Database.SQLite.Synchronous {
		case "", "full", "normal":
		default:
			add("database.sqlite.synchronous", "%q must be \"full\" or \"normal\" (or empty: normal with ingest.ack spooled, else full)", c.Database.SQLite.Synchronous)
		}
	}
	switch c.Ingest.Ack {
	case "accepted", "committed", "spooled":
	default:
		add("ingest.ack", "%q must be \"spooled\", \"committed\" or \"accepted\"", c.Ingest.Ack)
	}
	if c.Ingest.SpoolBytes <= 0 {
		add("ingest.spool_bytes", "must be positive")
	}
	if c.Ingest.MaxEventSize <= 0 {
		add("ingest.max_event_size", "must be positive")
	}
	if c.Ingest.MaxEnvelopeSize < c.Ingest.MaxEventSize {
		add("ingest.max_envelope_size", "must be at least ingest.max_event_size")
	}
	if c.Ingest.MaxAttachmentSize < 0 {
		add("ingest.max_attachment_size", "must not be negative")
	}
	if c.Ingest.QueueSize <= 0 {
		add("ingest.queue_size", "must be positive")
	}
	if c.Ingest.QueueBytes <= 0 {
		add("ingest.queue_bytes", "must be positive")
	}
	if c.Ingest.Workers < 0 {
		add("ingest.workers", "must not be negative (0 means one per CPU)")
	}
	if c.Ingest.BatchSize <= 0 {
		add("ingest.batch_size", "must be positive")
	}
	if c.Ingest.RateLimit < 0 {
		add("ingest.rate_limit", "must not be negative")
	}
	if c.Grouping.Transition < 0 {
		add("grouping.transition", "must not be negative (0: a change of grouping configuration takes effect at once)")
	}
	if c.Web.SessionTTL < time.Minute {
		add("web.session_ttl", "must be at least 1m")
	}
	p = append(p, c.validateAlerting()...)
	p = append(p, c.Retention.validate()...)
	if c.SourceMaps.MaxBundleSize < 1 {
		p = append(p, "sourcemaps.max_bundle_size: must be at least 1 byte")
	}
	if c.SourceMaps.CacheSize < 1 {
		p = append(p, "sourcemaps.cache_size: must be at least 1")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "%q must be one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		add("log.format", "%q must be text or json", c.Log.Format)
	}
	if c.Log.IngestSummaryInterval < 0 {
		add("log.ingest_summary_interval", "%s must not be negative (0 turns the summary off)", c.Log.IngestSummaryInterval)
	}
	return p
}

// ListenAddr returns host:port.
func (c *Config) ListenAddr() string {
	host := c.Server.Host
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(c.Server.Port)
}

// PublicURL returns the scheme and host DSNs carry, without a trailing slash.
func (c *Config) PublicURL() string {
	if c.Server.PublicURL != "" {
		return strings.TrimRight(c.Server.PublicURL, "/")
	}
	return "http://" + c.ListenAddr()
}

// PostgresURL returns the connection URL built from the Postgres fields
// (or Postgres.URL when set).
func (c *Config) PostgresURL() string {
	pg := c.Database.Postgres
	if pg.URL != "" {
		return pg.URL
	}
	u := url.URL{
		Scheme: "postgres",
		Host:   pg.Host + ":" + strconv.Itoa(pg.Port),
		Path:   "/" + pg.Database,
	}
	if pg.Password != "" {
		u.User = url.UserPassword(pg.User, pg.Password)
	} else {
		u.User = url.User(pg.User)
	}
	if pg.SSLMode != "" {
		u.RawQuery = "sslmode=" + url.QueryEscape(pg.SSLMode)
	}
	return u.String()
}

// maxRetentionBatch bounds retention.batch_size: a delete transaction of
// more rows would hold SQLite's single writer for too long.
const maxRetentionBatch = 10000

// validate returns one line per problem of the retention section.
func (r Retention) validate() []string {
	var p []string
	if r.Days < 0 {
		p = append(p, "retention.days: must not be negative (0 keeps events forever)")
	} else if r.Days > 100*365 {
		p = append(p, fmt.Sprintf("retention.days: %d is more than 100 years; use 0 to keep events forever", r.Days))
	}
	if r.MaxEventsPerProject < 0 {
		p = append(p, "retention.max_events_per_project: must not be negative (0 means no cap)")
	}
	if r.Interval < time.Second {
		p = append(p, fmt.Sprintf("retention.interval: %v must be at least 1s", r.Interval))
	}
	if r.BatchSize < 1 || r.BatchSize > maxRetentionBatch {
		p = append(p, fmt.Sprintf("retention.batch_size: %d must be between 1 and %d", r.BatchSize, maxRetentionBatch))
	}
	return p
}
