package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/metrics"
)

func get(t *testing.T, h http.Handler, auth string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// TestHandler: the token is checked, and what is recorded shows up.
func TestHandler(t *testing.T) {
	m := metrics.New()
	m.Notification("webhook", "delivered")
	m.Notification("webhook", "delivered")
	m.Notification("slack", "failed")
	m.PluginRestarted("slack")
	m.Commit(12, 3*time.Millisecond, nil)
	m.Commit(12, time.Second, errors.New("disk full"))
	m.GaugesBy("periscope_test_pending", "test", "plugin", func(context.Context) (map[string]int64, error) {
		return map[string]int64{"webhook": 4}, nil
	})
	h := m.Handler("s3cret")
	for _, auth := range []string{"", "Bearer wrong", "s3cret"} {
		if code, _ := get(t, h, auth); code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
	code, body := get(t, h, "Bearer s3cret")
	if code != 200 {
		t.Fatalf("with the token: %d", code)
	}
	for _, want := range []string{
		`periscope_notifications_total{outcome="delivered",plugin="webhook"} 2`,
		`periscope_notifications_total{outcome="failed",plugin="slack"} 1`,
		`periscope_plugin_restarts_total{plugin="slack"} 1`,
		`periscope_write_batch_events_count 1`,
		`periscope_write_commit_seconds_count 2`,
		`periscope_db_write_errors_total 1`,
		`periscope_test_pending{plugin="webhook"} 4`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	var nilM *metrics.Metrics
	nilM.Accepted(1, 1) // a nil Metrics records nothing and does not panic
}
