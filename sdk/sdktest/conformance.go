package sdktest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/sdk"
)

// SampleNotification returns the notification Conformance sends: every
// field set, as a real new-issue alert would have it. i makes the
// idempotency key (and alert id) distinct.
func SampleNotification(i int) sdk.Notification {
	first := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return sdk.Notification{
		IdempotencyKey: fmt.Sprintf("sdktest-%d", i),
		IssueURL:       "https://periscope.example.com/issues/42",
		Alert:          sdk.Alert{ID: int64(100 + i), Kind: sdk.KindNewIssue, CreatedAt: first.Add(time.Minute)},
		Project:        sdk.Project{ID: 7, Name: "checkout"},
		Issue: sdk.Issue{
			ID:        42,
			Title:     "ZeroDivisionError: division by zero",
			Culprit:   "app.views in divide",
			Level:     "error",
			Platform:  "python",
			Status:    "unresolved",
			Count:     3,
			FirstSeen: first,
			LastSeen:  first.Add(time.Minute),
			URL:       "https://periscope.example.com/issues/42",
		},
		Event: sdk.Event{
			ID:          "9ec79c33ec9942ab8353589fcb2e04dc",
			Environment: "production",
			Release:     "checkout@1.4.2",
			Tags:        []sdk.Tag{{Key: "browser", Value: "Firefox 128"}, {Key: "server_name", Value: "web-1"}},
			Message:     "",
			Exception: &sdk.Exception{
				Type: "ZeroDivisionError", Value: "division by zero", Module: "builtins",
				Frames: []sdk.Frame{
					{Function: "divide", Filename: "app/views.py", Module: "app.views", Lineno: 42},
					{Function: "checkout", Filename: "app/views.py", Module: "app.views", Lineno: 17},
				},
			},
		},
	}
}

// Conformance checks that n behaves as Periscope expects, over real gRPC:
//
//   - Info names the plugin and its version;
//   - validConfig passes Validate and Configure;
//   - a config whose values all have the wrong type is rejected (or, where
//     Validate accepts it, accepted without error) with a *sdk.ConfigError
//     naming the offending key or a key below it, and so is each key alone;
//   - Validate of a bad config does not disturb a configured notifier;
//   - after Configure(validConfig), Notify delivers SampleNotification(0),
//     then SampleNotification(1..4) concurrently, without error.
//
// validConfig must therefore point at a receiver your test runs (an
// httptest server, say, with sdk.AllowPrivateNetworksKey set to true); check
// there that the five notifications arrived.
func Conformance(t *testing.T, n sdk.Notifier, validConfig sdk.Config) {
	t.Helper()
	remote := Serve(t, n)
	ctx := context.Background()

	t.Run("Info", func(t *testing.T) {
		info, err := remote.Info(ctx)
		if err != nil {
			t.Fatalf("Info: %v", err)
		}
		if info.Name == "" || info.Version == "" {
			t.Errorf("Info = %+v, want Name and Version set", info)
		}
	})

	t.Run("ValidateValid", func(t *testing.T) {
		if err := remote.Validate(ctx, validConfig); err != nil {
			t.Fatalf("Validate(validConfig): %v", err)
		}
	})

	t.Run("ValidateWrongTypes", func(t *testing.T) {
		for key := range validConfig {
			if key == sdk.AllowPrivateNetworksKey || key == sdk.AllowPrivateHostsKey { // reserved: set by the host
				continue
			}
			bad := copyConfig(validConfig)
			bad[key] = wrongType(validConfig[key])
			err := remote.Validate(ctx, bad)
			if err == nil {
				continue
			}
			ce := sdk.AsConfigError(err)
			if ce == nil {
				t.Errorf("Validate with %s=%v: got %v (%T), want a *sdk.ConfigError naming the field", key, bad[key], err, err)
			} else if ce.Field != key && !strings.HasPrefix(ce.Field, key+".") && !strings.HasPrefix(ce.Field, key+"[") {
				t.Errorf("Validate with %s=%v: error names field %q, want %q", key, bad[key], ce.Field, key)
			}
		}
	})

	t.Run("ValidateEmpty", func(t *testing.T) {
		err := remote.Validate(ctx, sdk.Config{})
		if err != nil && sdk.AsConfigError(err) == nil {
			t.Errorf("Validate({}): got %v (%T), want nil or a *sdk.ConfigError", err, err)
		}
	})

	t.Run("Configure", func(t *testing.T) {
		if err := remote.Configure(ctx, validConfig); err != nil {
			t.Fatalf("Configure(validConfig): %v", err)
		}
		// Validate must not change the applied config.
		bad := copyConfig(validConfig)
		for k, v := range bad {
			if k != sdk.AllowPrivateNetworksKey {
				bad[k] = wrongType(v)
			}
		}
		_ = remote.Validate(ctx, bad)
	})

	t.Run("Notify", func(t *testing.T) {
		if err := remote.Notify(ctx, SampleNotification(0)); err != nil {
			t.Fatalf("Notify: %v (permanent: %v)", err, sdk.IsPermanent(err))
		}
	})

	t.Run("NotifyConcurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = remote.Notify(ctx, SampleNotification(i+1))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("concurrent Notify %d: %v", i+1, err)
			}
		}
	})
}

func copyConfig(c sdk.Config) sdk.Config {
	out := make(sdk.Config, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// wrongType returns a value of a JSON type different from v's.
func wrongType(v any) any {
	switch v.(type) {
	case string:
		return []any{true}
	case bool:
		return "not-a-bool"
	default:
		return true
	}
}
