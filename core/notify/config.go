package notify

import (
	"errors"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

// Config configures the plugin host and the dispatcher; it is the notify:
// section of config.yaml. Zero values mean the defaults (WithDefaults).
type Config struct {
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
}

// Backoff is exponential: the n-th failed attempt waits Base·2^(n-1),
// capped at Max, and the MaxAttempts-th failure is final.
type Backoff struct {
	Base        time.Duration `koanf:"base"`         // default 5s
	Max         time.Duration `koanf:"max"`          // default 1h
	MaxAttempts int           `koanf:"max_attempts"` // default 10
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.PollInterval, time.Second)
	def(&c.AttemptTimeout, 30*time.Second)
	def(&c.Lease, 2*time.Minute)
	def(&c.IdleTimeout, 10*time.Minute)
	def(&c.Backoff.Base, 5*time.Second)
	def(&c.Backoff.Max, time.Hour)
	if c.BatchSize == 0 {
		c.BatchSize = 32
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.Backoff.MaxAttempts == 0 {
		c.Backoff.MaxAttempts = 10
	}
	return c
}

// Validate reports every problem of c (after defaults) at once, each a
// core EINVALID error naming its key under "notify.".
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	bad := func(field, msg string) { errs = append(errs, core.FieldErrorf("notify."+field, "%s", msg)) }
	if c.PollInterval < 0 {
		bad("poll_interval", "must be positive")
	}
	if c.BatchSize < 1 {
		bad("batch_size", "must be at least 1")
	}
	if c.Workers < 1 {
		bad("workers", "must be at least 1")
	}
	if c.AttemptTimeout < 0 {
		bad("attempt_timeout", "must be positive")
	}
	if c.Lease <= c.AttemptTimeout {
		bad("lease", "must be longer than attempt_timeout")
	}
	if c.IdleTimeout < 0 {
		bad("idle_timeout", "must be positive")
	}
	if c.Backoff.Base < 0 {
		bad("backoff.base", "must be positive")
	}
	if c.Backoff.Max < c.Backoff.Base {
		bad("backoff.max", "must be at least backoff.base")
	}
	if c.Backoff.MaxAttempts < 1 {
		bad("backoff.max_attempts", "must be at least 1")
	}
	if _, err := httpclient.ParseAllowList(c.AllowPrivateHosts); err != nil {
		bad("allow_private_hosts", err.Error())
	}
	return errors.Join(errs...)
}

// Delay is the wait after the given number of failed attempts (1 or more).
func (b Backoff) Delay(failures int) time.Duration {
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	if d > b.Max {
		d = b.Max
	}
	return d
}
