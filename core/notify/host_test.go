package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// receiver is a webhook endpoint recording requests; status decides the
// answer to the i-th request (0-based).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
}

func mustReceiver(tb testing.TB, status func(i int) int) *receiver {
	tb.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		i := len(r.bodies)
		r.bodies, r.heads = append(r.bodies, b), append(r.heads, req.Header.Clone())
		r.mu.Unlock()
		w.WriteHeader(status(i))
	}))
	tb.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func (r *receiver) request(i int) ([]byte, http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[i], r.heads[i]
}

func always(code int) func(int) int { return func(int) int { return code } }

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, PluginPrefix+"custom")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notExe := filepath.Join(dir, PluginPrefix+"noexec")
	if err := os.WriteFile(notExe, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := NewHost(Config{PluginDir: dir}, nil)
	if got, err := h.Resolve("custom"); err != nil || got != exe {
		t.Errorf("Resolve(custom) = %q, %v; want %q", got, err, exe)
	}
	if got, err := h.Resolve(exe); err != nil || got != exe {
		t.Errorf("Resolve(path) = %q, %v", got, err)
	}
	for _, bad := range []string{"", "missing", "noexec", "Web Hook", "../etc", dir + "/nothing"} {
		_, err := h.Resolve(bad)
		var ce *core.Error
		if !asCore(err, &ce) || ce.Code != core.EINVALID || ce.Field != "plugin" {
			t.Errorf("Resolve(%q) = %v, want EINVALID naming plugin", bad, err)
		}
	}
}

func asCore(err error, target **core.Error) bool {
	e, ok := err.(*core.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestDefaultPluginDirIsTheBinarysFolder(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ = filepath.EvalSymlinks(exe)
	if h := NewHost(Config{}, nil); h.dir != filepath.Dir(exe) {
		t.Errorf("plugin dir = %q, want %q", h.dir, filepath.Dir(exe))
	}
}

func TestInfoOfRealPlugins(t *testing.T) {
	h := mustHost(t, Config{})
	for _, name := range []string{"webhook", "slack", "email"} {
		info, err := h.Info(context.Background(), name)
		if err != nil || info.Name != name || info.Version == "" {
			t.Errorf("Info(%s) = %+v, %v", name, info, err)
		}
	}
}

func TestValidateThroughPlugins(t *testing.T) {
	ctx := context.Background()
	strict := mustHost(t, Config{})
	lax := mustHost(t, Config{AllowPrivateNetworks: true})
	relay := mustHost(t, Config{AllowPrivateHosts: []string{"127.0.0.1:2525"}})
	for _, tc := range []struct {
		host   *Host
		plugin string
		config map[string]any
		field  string // "" = valid
	}{
		{strict, "webhook", map[string]any{"url": "https://hooks.example.com/x"}, ""},
		{strict, "webhook", map[string]any{}, "config.url"},
		{strict, "webhook", map[string]any{"url": "https://x.example.com", "headers": map[string]any{"X-A": 1}}, "config.headers.X-A"},
		{strict, "webhook", map[string]any{"url": "http://127.0.0.1:9/x"}, "config.url"},
		// A destination cannot grant itself private networks: the host's
		// setting wins.
		{strict, "webhook", map[string]any{"url": "http://127.0.0.1:9/x", "allow_private_networks": true}, "config.url"},
		{lax, "webhook", map[string]any{"url": "http://127.0.0.1:9/x"}, ""},
		{strict, "slack", map[string]any{"url": "ftp://x"}, "config.url"},
		{strict, "email", map[string]any{"host": "smtp.example.com", "from": "a@example.com", "to": []any{"b@example.com", "nope"}}, "config.to[1]"},
		{strict, "email", map[string]any{"host": "smtp.example.com", "from": "a@example.com", "to": "b@example.com"}, ""},
		{strict, "carrier-pigeon", map[string]any{}, "plugin"},
		// SMTP to a private relay: only the operator's allow-list opens
		// it; a destination cannot list itself, and allow_private_networks
		// is for HTTP plugins.
		{strict, "email", map[string]any{"host": "127.0.0.1", "port": 2525, "tls": "none", "from": "a@example.com", "to": "b@example.com"}, "config.host"},
		{lax, "email", map[string]any{"host": "127.0.0.1", "port": 2525, "tls": "none", "from": "a@example.com", "to": "b@example.com"}, "config.host"},
		{strict, "email", map[string]any{"host": "127.0.0.1", "port": 2525, "tls": "none", "from": "a@example.com", "to": "b@example.com", "allow_private_hosts": []any{"127.0.0.1"}}, "config.host"},
		{relay, "email", map[string]any{"host": "127.0.0.1", "port": 2525, "tls": "none", "from": "a@example.com", "to": "b@example.com"}, ""},
		{relay, "email", map[string]any{"host": "127.0.0.1", "port": 25, "tls": "none", "from": "a@example.com", "to": "b@example.com"}, "config.host"},
	} {
		err := tc.host.Validate(ctx, tc.plugin, tc.config)
		if tc.field == "" {
			if err != nil {
				t.Errorf("Validate(%s, %v) = %v, want nil", tc.plugin, tc.config, err)
			}
			continue
		}
		var ce *core.Error
		if !asCore(err, &ce) || ce.Code != core.EINVALID || ce.Field != tc.field {
			t.Errorf("Validate(%s, %v) = %v, want EINVALID naming %q", tc.plugin, tc.config, err, tc.field)
		}
	}
}

func TestValidateDestination(t *testing.T) {
	h := mustHost(t, Config{})
	ok := core.Destination{Name: "ops", Plugin: "webhook", Config: map[string]any{"url": "https://x.example.com"}, When: `issue.level == "error"`}
	if err := h.ValidateDestination(context.Background(), &ok); err != nil {
		t.Fatalf("valid destination: %v", err)
	}
	for field, mutate := range map[string]func(*core.Destination){
		"name":       func(d *core.Destination) { d.Name = " " },
		"when":       func(d *core.Destination) { d.When = `issue.levle == "error"` },
		"plugin":     func(d *core.Destination) { d.Plugin = "nope" },
		"config.url": func(d *core.Destination) { d.Config = map[string]any{"url": 5} },
	} {
		d := ok
		mutate(&d)
		err := h.ValidateDestination(context.Background(), &d)
		var ce *core.Error
		if !asCore(err, &ce) || ce.Field != field {
			t.Errorf("%s: ValidateDestination = %v, want an error naming %q", field, err, field)
		}
	}
}

// verifySignature checks X-Periscope-Signature as a receiver would.
func verifySignature(secret string, body []byte, header string) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal([]byte(header), []byte("sha256="+hex.EncodeToString(m.Sum(nil))))
}

func TestNotifyThroughRealWebhookPlugin(t *testing.T) {
	h := mustHost(t, Config{AllowPrivateNetworks: true})
	r := mustReceiver(t, always(200))
	dest := &core.Destination{ID: 3, Name: "hook", Plugin: "webhook", Config: map[string]any{"url": r.URL + "/in", "secret": "topsecret"}}
	n := sdktest.SampleNotification(1)
	if err := h.Notify(context.Background(), dest, n); err != nil {
		t.Fatal(err)
	}
	body, head := r.request(0)
	if !verifySignature("topsecret", body, head.Get("X-Periscope-Signature")) {
		t.Error("signature does not verify")
	}
	var got sdk.Notification
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.IdempotencyKey != n.IdempotencyKey || got.Issue.Title != n.Issue.Title || got.Event.TagValue("browser") != "Firefox 128" {
		t.Errorf("receiver got %+v", got)
	}
	// A second destination with the same config shares the process; a
	// different config gets its own.
	if err := h.Notify(context.Background(), dest, n); err != nil {
		t.Fatal(err)
	}
	if got := len(pluginPIDs(h)); got != 1 {
		t.Errorf("%d plugin processes for one config, want 1", got)
	}
	other := &core.Destination{ID: 4, Name: "hook2", Plugin: "webhook", Config: map[string]any{"url": r.URL + "/other"}}
	if err := h.Notify(context.Background(), other, n); err != nil {
		t.Fatal(err)
	}
	if got := len(pluginPIDs(h)); got != 2 {
		t.Errorf("%d plugin processes for two configs, want 2", got)
	}
}

func TestNotifyThroughRealSlackPlugin(t *testing.T) {
	h := mustHost(t, Config{AllowPrivateNetworks: true})
	r := mustReceiver(t, always(200))
	dest := &core.Destination{Name: "chat", Plugin: "slack", Config: map[string]any{"url": r.URL + "/services/T/B/X"}}
	if err := h.Notify(context.Background(), dest, sdktest.SampleNotification(2)); err != nil {
		t.Fatal(err)
	}
	body, _ := r.request(0)
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Text, "ZeroDivisionError") || len(msg.Blocks) < 3 || msg.Blocks[0]["type"] != "header" {
		t.Errorf("slack message = %s", body)
	}
}

func TestPrivateNetworksRefused(t *testing.T) {
	h := mustHost(t, Config{})
	r := mustReceiver(t, always(200))

	// A literal loopback URL is refused when the plugin is configured.
	dest := &core.Destination{Name: "hook", Plugin: "webhook", Config: map[string]any{"url": r.URL}}
	err := h.Notify(context.Background(), dest, sdktest.SampleNotification(0))
	if err == nil || !sdk.IsPermanent(err) {
		t.Fatalf("Notify to %s without allow_private_networks = %v, want a permanent refusal", r.URL, err)
	}

	// A host name passes the config check; the address it resolves to is
	// refused when dialed (what DNS rebinding would exploit).
	name, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := net.LookupHost(name)
	if err != nil || len(addrs) == 0 || !strings.HasPrefix(addrs[0], "127.") {
		t.Skipf("host name %q does not resolve to loopback (%v, %v); cannot test the dial-time check with a name", name, addrs, err)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(r.URL, "http://"))
	dest.Config = map[string]any{"url": "http://" + name + ":" + port + "/hook"}
	err = h.Notify(context.Background(), dest, sdktest.SampleNotification(1))
	if err == nil || !sdk.IsPermanent(err) || !strings.Contains(err.Error(), "refusing to connect") {
		t.Fatalf("Notify to %s = %v, want a permanent dial-time refusal", dest.Config["url"], err)
	}
	if r.count() != 0 {
		t.Errorf("receiver was reached %d times", r.count())
	}
}

func TestCrashedPluginIsRestarted(t *testing.T) {
	h := mustHost(t, Config{AllowPrivateNetworks: true})
	r := mustReceiver(t, always(204))
	dest := &core.Destination{Name: "hook", Plugin: "webhook", Config: map[string]any{"url": r.URL}}
	ctx := context.Background()
	if err := h.Notify(ctx, dest, sdktest.SampleNotification(0)); err != nil {
		t.Fatal(err)
	}
	pids := pluginPIDs(h)
	if len(pids) != 1 {
		t.Fatalf("plugin pids = %v", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the plugin to die", func() bool { return syscall.Kill(pids[0], 0) != nil || processGone(pids[0]) })
	// The next call may hit the dead process (a retryable transport error)
	// or find it already exited; within two calls it must be restarted.
	err := h.Notify(ctx, dest, sdktest.SampleNotification(1))
	if err != nil {
		if !sdk.IsTransportError(err) || sdk.IsPermanent(err) {
			t.Fatalf("Notify after crash = %v, want nil or a retryable transport error", err)
		}
		if err := h.Notify(ctx, dest, sdktest.SampleNotification(1)); err != nil {
			t.Fatalf("Notify after restart = %v", err)
		}
	}
	if now := pluginPIDs(h); len(now) != 1 || now[0] == pids[0] {
		t.Errorf("plugin pids after restart = %v (before %v)", now, pids)
	}
}

// processGone reports whether pid is a zombie or gone (go-plugin reaps it).
func processGone(pid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	return err != nil || strings.Contains(string(data), ") Z ")
}

func TestSendTest(t *testing.T) {
	h := mustHost(t, Config{AllowPrivateNetworks: true, PublicURL: "https://p.example.com"})
	ok := mustReceiver(t, always(200))
	project := &core.Project{ID: 5, Name: "web"}
	dest := &core.Destination{Name: "hook", Plugin: "webhook", Config: map[string]any{"url": ok.URL}, When: "false"}
	if err := h.SendTest(context.Background(), dest, project); err != nil {
		t.Fatalf("SendTest = %v", err)
	}
	body, _ := ok.request(0)
	var got sdk.Notification
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Test || got.Project.Name != "web" || got.IdempotencyKey == "" || got.Alert.Kind != sdk.KindNewIssue {
		t.Errorf("test payload = %+v", got)
	}

	down := mustReceiver(t, always(404))
	dest.Config = map[string]any{"url": down.URL}
	err := h.SendTest(context.Background(), dest, project)
	var ce *core.Error
	if !asCore(err, &ce) || ce.Code != core.EINVALID || !strings.Contains(ce.Message, "404") {
		t.Errorf("SendTest to a 404 = %v, want EINVALID mentioning 404", err)
	}
	dest.Config = map[string]any{"url": "nope"}
	if err := h.SendTest(context.Background(), dest, project); !asCore(err, &ce) || ce.Field != "config.url" {
		t.Errorf("SendTest with a bad url = %v, want an error naming config.url", err)
	}
}

func TestPluginEnvDropsSecrets(t *testing.T) {
	got := pluginEnv([]string{"PATH=/bin", "API_SECRET_KEY_ADMIN=s", "POSTGRES_PASSWORD=p", "PERISCOPE_NOTIFY_ALLOW_PRIVATE_NETWORKS=true", "HOME=/root", "HTTPS_PROXY=x"})
	if strings.Join(got, " ") != "PATH=/bin HOME=/root HTTPS_PROXY=x" {
		t.Errorf("pluginEnv = %v", got)
	}
}
