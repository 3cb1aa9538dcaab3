// Package config loads Periscope's configuration with koanf: built-in
// defaults, then a YAML file (config.yaml), then environment variables.
//
// The environment names of the original README keep their meaning
// (API_SECRET_KEY_ADMIN, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER,
// POSTGRES_PASSWORD, POSTGRES_DATABASE, POSTGRES_ENABLED), HOST and PORT set
// the listen address, and every other key has a PERISCOPE_ name: the key's
// path upper-cased with dots as underscores (ingest.max_event_size is
// PERISCOPE_INGEST_MAX_EVENT_SIZE), plus the short aliases in envAliases.
//
// Parsing is separate from file I/O: Parse takes the YAML bytes and the
// environment, so tests feed strings.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	goyaml "go.yaml.in/yaml/v3"
)

// Config is the whole configuration. Every field has a default (Default).
type Config struct {
	Server   Server   `koanf:"server"`
	Admin    Admin    `koanf:"admin"`
	Database Database `koanf:"database"`
	Ingest   Ingest   `koanf:"ingest"`
	Grouping Grouping `koanf:"grouping"`
	Notify   Notify   `koanf:"notify"`
	Alerts   Alerts   `koanf:"alerts"`
	Log      Log      `koanf:"log"`

	// Retention bounds the events kept (retention.*).
	Retention Retention `koanf:"retention"`
	// Web is the browser UI (web.*).
	Web Web `koanf:"web"`

	// SourceMaps bounds source map uploads and their cache (sourcemaps.*).
	SourceMaps SourceMaps `koanf:"sourcemaps"`

	// Metrics is the Prometheus endpoint (metrics.*).
	Metrics Metrics `koanf:"metrics"`

	// Path is the file the configuration was read from ("" for none); not a key.
	Path string `koanf:"-"`
	// Raw is the YAML text that was read, for loaders that need positions
	// (grouping rules report line and column); not a key.
	Raw []byte `koanf:"-"`
	// Environ is the environment the configuration was parsed with, so a
	// reload of the file applies the same overrides; not a key.
	Environ []string `koanf:"-"`
}

// Server is the HTTP listener.
type Server struct {
	Host string `koanf:"host"`
	Port int    `koanf:"port"`
	// PublicURL is the scheme and host DSNs carry ("http://errors.example.com");
	// empty means http://host:port.
	PublicURL       string        `koanf:"public_url"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
}

// Admin guards the admin API.
type Admin struct {
	// SecretKey is the bearer token of /api/admin/; empty disables the API.
	SecretKey string `koanf:"secret_key"`
}

// Database selects and configures the store.
type Database struct {
	SQLite   SQLite   `koanf:"sqlite"`
	Postgres Postgres `koanf:"postgres"`
}

// SQLite is the embedded default store.
type SQLite struct {
	Path string `koanf:"path"`
	// Synchronous is "full" (each commit is synced to disk: a power loss
	// loses no committed event) or "normal" (synced at checkpoints: a
	// process crash loses nothing committed, a power loss may); "" (the
	// default) is "normal" with ingest.ack spooled, whose spool keeps each
	// event until its commit is durable, and "full" otherwise. See
	// Config.SQLiteSynchronous.
	Synchronous string `koanf:"synchronous"`
}

// Postgres is the production store, used when Enabled.
type Postgres struct {
	Enabled  bool   `koanf:"enabled"`
	Host     string `koanf:"host"`
	Port     int    `koanf:"port"`
	User     string `koanf:"user"`
	Password string `koanf:"password"`
	Database string `koanf:"database"`
	SSLMode  string `koanf:"sslmode"`
	// URL, when set, replaces the fields above.
	URL string `koanf:"url"`
}

// Ingest bounds the Sentry endpoints and the pipeline behind them.
type Ingest struct {
	// Ack is "spooled" (the default: answer once the event is fsynced to
	// the write-ahead spool; kill -9 and a power loss lose nothing
	// answered 200), "committed" (answer once the batch holding the event
	// committed; 503 when it could not) or "accepted" (answer once the
	// event is queued in memory: a crash loses the queue).
	Ack string `koanf:"ack"`
	// SpoolDir is the spool's directory with ack spooled; "" is "spool"
	// beside the SQLite file (also with Postgres). See Config.SpoolDir.
	SpoolDir string `koanf:"spool_dir"`
	// SpoolBytes bounds the spool's files; when full, ingestion answers
	// 429 with Retry-After, as for a full queue.
	SpoolBytes        int64    `koanf:"spool_bytes"`
	MaxEventSize      int64    `koanf:"max_event_size"`
	MaxEnvelopeSize   int64    `koanf:"max_envelope_size"`
	MaxAttachmentSize int64    `koanf:"max_attachment_size"`
	QueueSize         int      `koanf:"queue_size"`
	QueueBytes        int64    `koanf:"queue_bytes"`
	Workers           int      `koanf:"workers"`
	BatchSize         int      `koanf:"batch_size"`
	CORSOrigins       []string `koanf:"cors_origins"`
	// RateLimit is the default events per minute per key; 0 means none.
	RateLimit int `koanf:"rate_limit"`
}

// Grouping is the rule engine's section (grouping.*). Package rules
// compiles it; the binary builds its engine from these values, so the
// environment names work like the file's keys.
type Grouping struct {
	// Rules are expr-lang rules (PERISCOPE_GROUPING_RULES takes them as a
	// YAML or JSON list).
	Rules []GroupingRule `koanf:"rules"`
	// RulesFile names a YAML file of more grouping settings, relative to
	// the configuration file.
	RulesFile string `koanf:"rules_file"`
	// SentryRules are Sentry fingerprint-rule lines; SentryRulesFile a file
	// of them.
	SentryRules     string `koanf:"sentry_rules"`
	SentryRulesFile string `koanf:"sentry_rules_file"`
	// StackRules are Sentry stack trace rules applied after the built-in ones.
	StackRules string `koanf:"stack_rules"`
	// DefaultConfig is the Sentry grouping configuration of projects that
	// choose none: newstyle:2023-01-11 or newstyle:2026-01-20 (package
	// rules checks it).
	DefaultConfig string `koanf:"default_config"`
	// Transition is how long a project whose configuration changes is
	// grouped with both, so that its issues keep receiving their events.
	Transition time.Duration `koanf:"transition"`
}

// GroupingRule is one entry of grouping.rules: expr-lang sources, checked
// when package rules compiles them.
type GroupingRule struct {
	Name        string   `koanf:"name"`
	When        string   `koanf:"when"`
	Fingerprint []string `koanf:"fingerprint"`
	Title       string   `koanf:"title"`
}

// Notify configures alert delivery (notify.*): the plugin host and
// dispatcher settings and the destinations every project gets. The values
// are plain; core/notify takes this section as its Config, applies the
// defaults below to zero values and checks it when the binary builds the
// host (the binary's config check reports its problems with the others).
type Notify struct {
	// PluginDir is where a plugin named "x" is found, as
	// PluginDir/periscope-plugin-x. Default: the folder of the running
	// periscope binary.
	PluginDir string `koanf:"plugin_dir"`
	// AllowPrivateNetworks lets HTTP plugins reach loopback, private and
	// link-local addresses (env PERISCOPE_NOTIFY_ALLOW_PRIVATE_NETWORKS).
	// The host passes it to every plugin as the reserved config key
	// allow_private_networks, overriding any value a destination sets.
	AllowPrivateNetworks bool `koanf:"allow_private_networks"`
	// AllowPrivateHosts lists internal addresses ("IP", "IP:port" or a
	// CIDR prefix; no host names) that plugins may reach although they are
	// loopback, private or link-local: a local SMTP relay, say. The email
	// plugin honours only this list (AllowPrivateNetworks is for HTTP
	// plugins). The host passes it to every plugin as the reserved config
	// key allow_private_hosts, overriding any value a destination sets, so
	// only the operator opens an internal address.
	AllowPrivateHosts []string `koanf:"allow_private_hosts"`
	// PublicURL is Periscope's external base URL; issue links in
	// notifications are PublicURL + "/issues/<id>", the web UI's issue
	// page. Empty: no links (the server wires server.public_url in).
	PublicURL string `koanf:"public_url"`
	// PollInterval is how often the dispatcher looks for due notifications
	// when nobody calls Kick. Default 1s.
	PollInterval time.Duration `koanf:"poll_interval"`
	// BatchSize is how many notifications one claim leases. Default 32.
	BatchSize int `koanf:"batch_size"`
	// Workers is how many deliveries run at once. Default 4.
	Workers int `koanf:"workers"`
	// AttemptTimeout bounds one delivery attempt. Default 30s.
	AttemptTimeout time.Duration `koanf:"attempt_timeout"`
	// Lease is how long a claimed notification is reserved for this node;
	// it must exceed AttemptTimeout. Default 2m.
	Lease time.Duration `koanf:"lease"`
	// IdleTimeout stops plugin processes unused for this long. Default 10m.
	IdleTimeout time.Duration `koanf:"idle_timeout"`
	// Backoff schedules retries.
	Backoff Backoff `koanf:"backoff"`
	// Destinations are read by the binary, which stores them as every
	// project's (or the listed projects') "config" destinations; the host
	// and dispatcher ignore them.
	Destinations []Destination `koanf:"destinations"`
}

// Backoff schedules notification retries (notify.backoff.*). It is
// exponential: the n-th failed attempt waits Base·2^(n-1), capped at Max,
// and the MaxAttempts-th failure is final.
type Backoff struct {
	Base        time.Duration `koanf:"base"`         // default 5s
	Max         time.Duration `koanf:"max"`          // default 1h
	MaxAttempts int           `koanf:"max_attempts"` // default 10
}

// Destination is one entry of notify.destinations: a notifier plugin with
// its config, for every project or for the listed ones.
type Destination struct {
	Name   string         `koanf:"name"`
	Plugin string         `koanf:"plugin"` // a name in notify.plugin_dir or a path
	Config map[string]any `koanf:"config"`
	When   string         `koanf:"when"` // optional expr filter
	// Projects are project names (or ids); empty means every project.
	Projects []string `koanf:"projects"`
}

// Alerts holds the alert rules (alerts.rules). New-issue and regression
// alerts need no rule; threshold alerts do.
type Alerts struct {
	Rules []AlertRule `koanf:"rules"`
}

// AlertRule is one entry of alerts.rules; core/notify checks and applies
// it (kind defaults to threshold, action_interval to 30m).
type AlertRule struct {
	Name           string        `koanf:"name"`
	Kind           string        `koanf:"kind"`
	Events         int           `koanf:"events"`
	Window         time.Duration `koanf:"window"`
	ActionInterval time.Duration `koanf:"action_interval"`
	When           string        `koanf:"when"`
}

// Web is the browser UI's section (web.*).
type Web struct {
	// SessionTTL is how long a sign-in lasts; the session ends earlier
	// when the person signs out.
	SessionTTL time.Duration `koanf:"session_ttl"`
}

// SourceMaps configures the source maps sentry-cli uploads.
type SourceMaps struct {
	// MaxBundleSize is the most bytes one uploaded artifact bundle may
	// hold (compressed as uploaded, and each file once unpacked).
	MaxBundleSize int64 `koanf:"max_bundle_size"`
	// CacheSize is how many parsed source maps are kept in memory.
	CacheSize int `koanf:"cache_size"`
}

// Retention bounds how much event data is kept; a background pruner
// deletes the rest in small batches.
type Retention struct {
	// Days is the default maximum age of an event (by when it was
	// received); 0 keeps events forever. A project's retention_days, when
	// set, replaces it for that project.
	Days int `koanf:"days"`
	// MaxEventsPerProject keeps only each project's newest events; 0 means
	// no cap.
	MaxEventsPerProject int `koanf:"max_events_per_project"`
	// Interval is how often the pruner runs.
	Interval time.Duration `koanf:"interval"`
	// BatchSize is the most rows deleted in one transaction.
	BatchSize int `koanf:"batch_size"`
}

// Metrics configures /metrics (Prometheus' text format).
type Metrics struct {
	// Enabled serves /metrics; false answers 404.
	Enabled bool `koanf:"enabled"`
	// Token, when set, is required as "Authorization: Bearer <token>".
	Token string `koanf:"token"`
}

// Log configures logging.
type Log struct {
	Level  string `koanf:"level"`  // debug, info, warn, error
	Format string `koanf:"format"` // text or json
	// IngestSummaryInterval is how often the server logs what it ingested
	// (one line, per project; none when nothing arrived); 0 turns it off.
	IngestSummaryInterval time.Duration `koanf:"ingest_summary_interval"`
}

// Default returns the built-in defaults.
func Default() map[string]any {
	return map[string]any{
		"server.host":                   "127.0.0.1",
		"server.port":                   8000,
		"server.public_url":             "",
		"server.shutdown_timeout":       "30s",
		"admin.secret_key":              "",
		"database.sqlite.path":          "./data/periscope.db",
		"database.sqlite.synchronous":   "",
		"database.postgres.enabled":     false,
		"database.postgres.host":        "localhost",
		"database.postgres.port":        5432,
		"database.postgres.user":        "pguser",
		"database.postgres.password":    "",
		"database.postgres.database":    "periscope",
		"database.postgres.sslmode":     "disable",
		"database.postgres.url":         "",
		"ingest.ack":                    "spooled",
		"ingest.spool_dir":              "",
		"ingest.spool_bytes":            1 << 30,
		"ingest.max_event_size":         1 << 20,
		"ingest.max_envelope_size":      20 << 20,
		"ingest.max_attachment_size":    20 << 20,
		"ingest.queue_size":             20000,
		"ingest.queue_bytes":            67108864,
		"ingest.workers":                0,
		"ingest.batch_size":             500,
		"ingest.cors_origins":           []string{"*"},
		"ingest.rate_limit":             0,
		"grouping.rules":                []any{},
		"grouping.rules_file":           "",
		"grouping.sentry_rules":         "",
		"grouping.sentry_rules_file":    "",
		"grouping.stack_rules":          "",
		"grouping.default_config":       "newstyle:2023-01-11",
		"grouping.transition":           "720h",
		"web.session_ttl":               "168h",
		"notify.plugin_dir":             "",
		"notify.allow_private_networks": false,
		"notify.allow_private_hosts":    []string{},
		"notify.public_url":             "",
		"notify.poll_interval":          "1s",
		"notify.batch_size":             32,
		"notify.workers":                4,
		"notify.attempt_timeout":        "30s",
		"notify.lease":                  "2m",
		"notify.idle_timeout":           "10m",
		"notify.backoff.base":           "5s",
		"notify.backoff.max":            "1h",
		"notify.backoff.max_attempts":   10,
		"log.level":                     "info",
		"log.format":                    "text",
		"log.ingest_summary_interval":   "1m",

		"sourcemaps.max_bundle_size":       64 << 20,
		"sourcemaps.cache_size":            64,
		"retention.days":                   90,
		"retention.max_events_per_project": 0,
		"retention.interval":               "1h",
		"retention.batch_size":             1000,
		"metrics.enabled":                  true,
		"metrics.token":                    "",
	}
}

// envAliases maps the original README's names and the documented short
// names to keys.
var envAliases = map[string]string{
	"API_SECRET_KEY_ADMIN":   "admin.secret_key",
	"HOST":                   "server.host",
	"PORT":                   "server.port",
	"POSTGRES_HOST":          "database.postgres.host",
	"POSTGRES_PORT":          "database.postgres.port",
	"POSTGRES_USER":          "database.postgres.user",
	"POSTGRES_PASSWORD":      "database.postgres.password",
	"POSTGRES_DATABASE":      "database.postgres.database",
	"POSTGRES_ENABLED":       "database.postgres.enabled",
	"PERISCOPE_PUBLIC_URL":   "server.public_url",
	"PERISCOPE_SQLITE_PATH":  "database.sqlite.path",
	"PERISCOPE_POSTGRES_URL": "database.postgres.url",
	"PERISCOPE_NOTIFY_ALLOW_PRIVATE_NETWORKS": "notify.allow_private_networks",
	"PERISCOPE_PLUGIN_DIR":                    "notify.plugin_dir",
	"PERISCOPE_LOG_LEVEL":                     "log.level",
}

// structuredEnv are the keys whose environment value is YAML, not a
// plain string.
var structuredEnv = map[string]bool{"grouping.rules": true}

// EnvNames returns every environment variable Parse reads, with its key.
func EnvNames() map[string]string {
	out := make(map[string]string, len(envAliases)+len(Default()))
	for k := range Default() {
		out["PERISCOPE_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = k
	}
	for name, k := range envAliases {
		out[name] = k
	}
	return out
}

// Reload reads c's file again (when it has one) and parses it with the
// environment c was parsed with, for reloading settings without a
// restart.
func (c *Config) Reload() (*Config, error) {
	var data []byte
	if c.Path != "" {
		b, err := os.ReadFile(c.Path)
		if err != nil {
			return nil, &Errors{Problems: []string{fmt.Sprintf("config file: %v", err)}}
		}
		data = b
	}
	nc, err := Parse(data, c.Environ)
	if nc != nil {
		nc.Path = c.Path
	}
	return nc, err
}

// Load reads the file at path (when it exists, or always when required) and
// the process environment. Use it from main; tests call Parse.
func Load(path string, required bool) (*Config, error) {
	var data []byte
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil && (required || !os.IsNotExist(err)) {
			return nil, &Errors{Problems: []string{fmt.Sprintf("config file: %v", err)}}
		} else if err == nil {
			data = b
		} else {
			path = ""
		}
	}
	c, err := Parse(data, os.Environ())
	if c != nil {
		c.Path = path
	}
	return c, err
}

// Parse builds a Config from YAML bytes (may be empty) and an environment
// in os.Environ form, then validates it. Every problem is reported at once
// in an *Errors.
func Parse(yamlData []byte, environ []string) (*Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(Default(), "."), nil); err != nil {
		return nil, err
	}
	var problems []string
	if len(yamlData) > 0 {
		if err := k.Load(rawbytes.Provider(yamlData), yaml.Parser()); err != nil {
			return nil, &Errors{Problems: []string{fmt.Sprintf("config file is not valid YAML: %v", err)}}
		}
	}
	names := EnvNames()
	env := map[string]any{}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		key, ok := names[name]
		if !ok {
			continue
		}
		if structuredEnv[key] {
			// A list of mappings cannot be a plain string: the value is
			// YAML (JSON is YAML too).
			var v any
			if err := goyaml.Unmarshal([]byte(val), &v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %s is not a YAML or JSON list: %v", key, name, err))
				continue
			}
			env[key] = v
			continue
		}
		env[key] = val
	}
	if err := k.Load(confmap.Provider(env, "."), nil); err != nil {
		return nil, err
	}

	var c Config
	var md mapstructure.Metadata
	err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		),
		Metadata:         &md,
		WeaklyTypedInput: true,
		Result:           &c,
		TagName:          "koanf",
	}})
	if err != nil {
		problems = append(problems, decodeProblems(err)...)
	}
	for _, key := range md.Unused {
		problems = append(problems, fmt.Sprintf("%s: unknown key", key))
	}
	c.Raw = yamlData
	c.Environ = environ
	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return &c, &Errors{Problems: problems}
	}
	return &c, nil
}

// decodeProblems splits mapstructure's multi-error text into one line each.
func decodeProblems(err error) []string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "*"))
		if line == "" || strings.HasPrefix(line, "decoding failed due to") || strings.HasSuffix(line, "error(s) decoding:") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// Errors is every problem found in a configuration, each naming its key.
type Errors struct {
	Problems []string
}

// Error lists the problems, one per line.
func (e *Errors) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}
