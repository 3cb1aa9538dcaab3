package notify

import (
	"errors"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

// Config configures the plugin host and the dispatcher. It is the notify:
// section of config.yaml as core/config reads it (config.Notify, where
// each field is documented), so the binary passes that section as it is:
// notify.Config(c.Notify). Zero values mean the defaults (WithDefaults);
// Destinations is the binary's to store and is not read here.
type Config config.Notify

// Backoff is exponential: the n-th failed attempt waits Base·2^(n-1),
// capped at Max, and the MaxAttempts-th failure is final (see retryDelay).
type Backoff = config.Backoff

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

// retryDelay is the wait after the given number of failed attempts (1 or more).
func retryDelay(b Backoff, failures int) time.Duration {
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	if d > b.Max {
		d = b.Max
	}
	return d
}
