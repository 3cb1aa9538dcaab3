package sdk_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// scripted is a Notifier whose answers the test sets.
type scripted struct {
	mu        sync.Mutex
	infoErr   error
	notifyErr error
	panicMsg  string
	got       []sdk.Notification
	validated []sdk.Config
}

func (s *scripted) Info(context.Context) (sdk.Info, error) {
	if s.infoErr != nil {
		return sdk.Info{}, s.infoErr
	}
	return sdk.Info{Name: "scripted", Version: "0.0.1", Description: "test double"}, nil
}

func (s *scripted) Validate(_ context.Context, c sdk.Config) error {
	s.mu.Lock()
	s.validated = append(s.validated, c)
	s.mu.Unlock()
	if _, err := c.String("url", true); err != nil {
		return err
	}
	_, err := c.StringMap("headers")
	return err
}

func (s *scripted) Configure(ctx context.Context, c sdk.Config) error { return s.Validate(ctx, c) }

func (s *scripted) Notify(_ context.Context, n sdk.Notification) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.panicMsg != "" {
		panic(s.panicMsg)
	}
	s.got = append(s.got, n)
	return s.notifyErr
}

func TestGRPCPayloadRoundTrip(t *testing.T) {
	impl := &scripted{}
	remote := sdktest.Serve(t, impl)
	want := sdktest.SampleNotification(3)
	want.Test = true
	if err := remote.Notify(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	if len(impl.got) != 1 {
		t.Fatalf("plugin got %d notifications, want 1", len(impl.got))
	}
	if !reflect.DeepEqual(impl.got[0], want) {
		t.Errorf("plugin got\n%+v\nwant\n%+v", impl.got[0], want)
	}
}

func TestGRPCInfo(t *testing.T) {
	impl := &scripted{}
	remote := sdktest.Serve(t, impl)
	info, err := remote.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (sdk.Info{Name: "scripted", Version: "0.0.1", Description: "test double"}); info != want {
		t.Errorf("Info = %+v, want %+v", info, want)
	}
	impl.infoErr = errors.New("broken")
	if _, err := remote.Info(context.Background()); err == nil || sdk.IsTransportError(err) || !strings.Contains(err.Error(), "broken") {
		t.Errorf("Info error = %v, want the plugin's error, not a transport error", err)
	}
}

func TestGRPCConfigErrorsNameTheField(t *testing.T) {
	impl := &scripted{}
	remote := sdktest.Serve(t, impl)
	ctx := context.Background()
	for _, tc := range []struct {
		config sdk.Config
		field  string
	}{
		{sdk.Config{}, "url"},
		{sdk.Config{"url": 3.0}, "url"},
		{sdk.Config{"url": "https://x", "headers": map[string]any{"X-A": "ok", "X-B": 1.0}}, "headers.X-B"},
	} {
		for name, call := range map[string]func(context.Context, sdk.Config) error{"Validate": remote.Validate, "Configure": remote.Configure} {
			err := call(ctx, tc.config)
			ce := sdk.AsConfigError(err)
			if ce == nil || ce.Field != tc.field {
				t.Errorf("%s(%v) = %v, want a ConfigError for %q", name, tc.config, err, tc.field)
			}
			if !sdk.IsPermanent(err) {
				t.Errorf("%s(%v): config errors must be permanent", name, tc.config)
			}
		}
	}
	if err := remote.Validate(ctx, sdk.Config{"url": "https://x", "n": 2.0}); err != nil {
		t.Errorf("Validate(valid) = %v", err)
	}
	// Config values cross the wire as JSON.
	last := impl.validated[len(impl.validated)-1]
	if last["n"] != 2.0 || last["url"] != "https://x" {
		t.Errorf("plugin saw config %v", last)
	}
}

func TestGRPCNotifyErrorClasses(t *testing.T) {
	impl := &scripted{}
	remote := sdktest.Serve(t, impl)
	ctx := context.Background()
	n := sdktest.SampleNotification(0)
	for _, tc := range []struct {
		name       string
		err        error
		permanent  bool
		retryAfter time.Duration
	}{
		{"retryable", errors.New("HTTP 503"), false, 0},
		{"permanent", sdk.Permanent(errors.New("HTTP 404")), true, 0},
		{"retry after", sdk.RetryAfter(errors.New("HTTP 429"), 7*time.Second), false, 7 * time.Second},
		{"wrapped permanent", errors.Join(errors.New("context"), sdk.Permanent(errors.New("gone"))), true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			impl.notifyErr = tc.err
			err := remote.Notify(ctx, n)
			if err == nil {
				t.Fatal("Notify = nil, want an error")
			}
			if err.Error() != tc.err.Error() {
				t.Errorf("message = %q, want %q", err, tc.err)
			}
			if got := sdk.IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v", got, tc.permanent)
			}
			d, _ := sdk.RetryAfterOf(err)
			if d != tc.retryAfter {
				t.Errorf("RetryAfterOf = %v, want %v", d, tc.retryAfter)
			}
			if sdk.IsTransportError(err) {
				t.Error("a plugin's own error must not look like a transport error")
			}
		})
	}
}

func TestGRPCPanicBecomesRetryableError(t *testing.T) {
	impl := &scripted{panicMsg: "nil map"}
	remote := sdktest.Serve(t, impl)
	err := remote.Notify(context.Background(), sdktest.SampleNotification(0))
	if err == nil || !strings.Contains(err.Error(), "panicked: nil map") || sdk.IsPermanent(err) {
		t.Errorf("Notify = %v, want a retryable panic error", err)
	}
	// The plugin keeps serving.
	impl.panicMsg = ""
	if err := remote.Notify(context.Background(), sdktest.SampleNotification(1)); err != nil {
		t.Errorf("Notify after panic = %v", err)
	}
}
