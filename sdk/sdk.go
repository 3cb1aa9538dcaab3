package sdk

import (
	"time"

	"github.com/periscope-hq/periscope/sdk/notifier"
)

// The types a plugin works with. They are declared in package
// sdk/notifier (so that the module's protobuf conversion code can use them)
// and re-exported here; a plugin only ever needs to import sdk.
type (
	// Notifier is what a plugin implements; see notifier.Notifier for the
	// contract of each method.
	Notifier = notifier.Notifier
	// Info describes a plugin: Name and Version are required.
	Info = notifier.Info
	// Config is a destination's plugin configuration, with getters that
	// report the wrong field.
	Config = notifier.Config
	// ConfigError is a configuration problem with one named field.
	ConfigError = notifier.ConfigError
	// Notification is the stable notification payload (see README.md).
	Notification = notifier.Notification
	// Alert is why a notification was sent.
	Alert = notifier.Alert
	// Project is the project of the issue.
	Project = notifier.Project
	// Issue is the issue an alert is about.
	Issue = notifier.Issue
	// Event is the event that raised the alert.
	Event = notifier.Event
	// Tag is one key/value pair of an event.
	Tag = notifier.Tag
	// Exception is the exception an event reports: type, value, module and
	// its top in-app frames.
	Exception = notifier.Exception
	// Frame is one stack frame of an Exception.
	Frame = notifier.Frame
)

// MaxFrames is how many frames Exception.Frames holds at most.
const MaxFrames = notifier.MaxFrames

// Alert kinds, the values of Alert.Kind.
const (
	KindNewIssue   = notifier.KindNewIssue
	KindRegression = notifier.KindRegression
	KindThreshold  = notifier.KindThreshold
)

// AllowPrivateNetworksKey is the reserved config key through which the host
// tells a plugin whether it may connect to loopback, private and link-local
// addresses. The host always sets it; users cannot.
const AllowPrivateNetworksKey = notifier.AllowPrivateNetworksKey

// AllowPrivateHostsKey is the reserved config key through which the host
// passes the operator's allow-list of internal addresses (a local SMTP
// relay, say) that a plugin may reach. The host always sets it; users
// cannot.
const AllowPrivateHostsKey = notifier.AllowPrivateHostsKey

// ParseConfig decodes a JSON object into a Config.
func ParseConfig(data []byte) (Config, error) { return notifier.ParseConfig(data) }

// FieldError returns a *ConfigError naming field, for Validate and
// Configure.
func FieldError(field, format string, args ...any) error {
	return notifier.FieldError(field, format, args...)
}

// AsConfigError returns the first *ConfigError in err's chain, or nil.
func AsConfigError(err error) *ConfigError { return notifier.AsConfigError(err) }

// Permanent marks a Notify error as one that retrying cannot fix; the host
// records the notification as failed for good. Permanent(nil) is nil.
func Permanent(err error) error { return notifier.Permanent(err) }

// IsPermanent reports whether err was marked with Permanent (or is a
// *ConfigError).
func IsPermanent(err error) bool { return notifier.IsPermanent(err) }

// RetryAfter marks a Notify error as retryable no sooner than after; the
// host waits at least that long, capped by its maximum backoff.
// RetryAfter(nil, d) is nil.
func RetryAfter(err error, after time.Duration) error { return notifier.RetryAfter(err, after) }

// RetryAfterOf returns the delay requested with RetryAfter, if any.
func RetryAfterOf(err error) (time.Duration, bool) { return notifier.RetryAfterOf(err) }
