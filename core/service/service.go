package service

import (
	"context"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// Notifier is what the destination use cases need of the plugin host
// (core/notify's Host implements it).
type Notifier interface {
	// ValidateDestination checks a destination's plugin, config and when
	// filter; errors are EINVALID naming the field.
	ValidateDestination(ctx context.Context, d *core.Destination) error
	// SendTest delivers a test notification to d now.
	SendTest(ctx context.Context, d *core.Destination, p *core.Project) error
}

// Service is the set of admin use cases. Store is required; Notify may be
// nil, and then destinations are stored without a plugin check and
// TestDestination is EINTERNAL. Now defaults to time.Now. A Service holds
// no state of its own and is safe for concurrent use when its Store is.
type Service struct {
	Store  core.Store
	Notify Notifier
	Now    func() time.Time

	// DefaultGroupingConfig is the grouping configuration a project
	// created without one gets (grouping.default_config); "" leaves it
	// empty, which means the server's default at grouping time.
	DefaultGroupingConfig string
	// GroupingTransition is how long a project whose grouping
	// configuration changes keeps consulting the previous one
	// (grouping.transition; 0: not at all).
	GroupingTransition time.Duration

	// MaxBundleSize bounds an uploaded artifact bundle
	// (sourcemaps.max_bundle_size; 0: DefaultMaxBundleSize).
	MaxBundleSize int64
	// CheckSourceMap, when set, refuses an artifact bundle holding a
	// source map it returns an error for (core/sourcemap.Check).
	CheckSourceMap func([]byte) error
}

// New returns a Service over store; notify may be nil.
func New(store core.Store, notify Notifier) *Service {
	return &Service{Store: store, Notify: notify}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// oneOf returns EINVALID naming field unless v is empty or one of allowed.
func oneOf(field, v string, allowed ...string) error {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	msg := field + " must be one of "
	for i, a := range allowed {
		if i > 0 {
			msg += ", "
		}
		msg += a
	}
	return core.FieldErrorf(field, "%s", msg)
}

// nonNegative checks an optional integer field of an input.
func nonNegative(field string, v *int) error {
	if v != nil && *v < 0 {
		return core.FieldErrorf(field, "%s must not be negative", field)
	}
	return nil
}
