package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
)

// PluginPrefix is the file name prefix of a plugin found by name.
const PluginPrefix = "periscope-plugin-"

var pluginName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Host launches notifier plugins and talks to them. It keeps one process
// per (binary, config) pair, configured once; a process that exited or
// stopped answering is replaced on next use. Processes idle for
// Config.IdleTimeout are stopped. All methods are safe for concurrent use.
type Host struct {
	// OnRestart, when set before the first call, is told the plugin name
	// (its binary's base name) of every process restarted after it
	// exited (metrics). It must not block.
	OnRestart func(plugin string)

	cfg    Config
	logger *slog.Logger
	dir    string

	mu     sync.Mutex
	procs  map[procKey]*slot
	closed bool
}

// procKey identifies one plugin process: its binary and its config as
// canonical JSON; config "" is the unconfigured process used for Info and
// Validate.
type procKey struct{ path, config string }

// slot holds at most one running process; its mutex serialises starting.
type slot struct {
	mu       sync.Mutex
	client   *plugin.Client
	n        sdk.Notifier
	inflight int
	lastUsed time.Time
}

// NewHost returns a host for cfg (defaults applied). logger receives the
// plugins' own log lines, tagged with the plugin's path.
func NewHost(cfg Config, logger *slog.Logger) *Host {
	cfg = cfg.WithDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dir := cfg.PluginDir
	if dir == "" {
		if exe, err := os.Executable(); err == nil {
			if real, err := filepath.EvalSymlinks(exe); err == nil {
				exe = real
			}
			dir = filepath.Dir(exe)
		}
	}
	return &Host{cfg: cfg, logger: logger, dir: dir, procs: map[procKey]*slot{}}
}

// Resolve returns the executable for a plugin the operator named (in
// config.yaml): a name ("webhook") is PluginDir/periscope-plugin-<name>;
// anything with a path separator is a path. It fails with EINVALID naming
// "plugin" when the name is malformed or the file is missing or not
// executable. Names from the admin API go through ResolveName instead.
func (h *Host) Resolve(plugin string) (string, error) {
	var path string
	switch {
	case plugin == "":
		return "", core.FieldErrorf("plugin", "plugin is required")
	case strings.ContainsRune(plugin, '/') || strings.ContainsRune(plugin, filepath.Separator):
		abs, err := filepath.Abs(plugin)
		if err != nil {
			return "", core.FieldErrorf("plugin", "bad plugin path %q", plugin)
		}
		path = abs
	case pluginName.MatchString(plugin):
		path = filepath.Join(h.dir, PluginPrefix+plugin)
	default:
		return "", core.FieldErrorf("plugin", "plugin must be a name like \"webhook\" (lowercase letters, digits, - and _) or a path to an executable")
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", core.FieldErrorf("plugin", "plugin %q not found at %s", plugin, path)
	} else if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return "", core.FieldErrorf("plugin", "plugin %q at %s is not an executable file", plugin, path)
	}
	return path, nil
}

// apiPluginName is what a destination made through the admin API may name
// as its plugin: a bare name of the plugin folder, never a path.
var apiPluginName = regexp.MustCompile(`^[a-z0-9-]+$`)

// errAPIPlugin is the one answer to any plugin an API destination may not
// use, missing or not allowed alike, so the answer tells nothing about
// which files exist on the host.
var errAPIPlugin = core.FieldErrorf("plugin", "plugin must name an installed plugin (lowercase letters, digits and -, such as webhook, slack or email); paths are allowed only in config.yaml")

// ResolveName returns the executable for a plugin named by an admin API
// caller: only a name matching [a-z0-9-]+ that is an executable
// PluginDir/periscope-plugin-<name>. Every failure is the same EINVALID
// naming "plugin", whatever the reason.
func (h *Host) ResolveName(plugin string) (string, error) {
	if !apiPluginName.MatchString(plugin) {
		return "", errAPIPlugin
	}
	path := filepath.Join(h.dir, PluginPrefix+plugin)
	if filepath.Dir(path) != filepath.Clean(h.dir) {
		return "", errAPIPlugin
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return "", errAPIPlugin
	}
	return path, nil
}

// resolveFor returns the executable of d's plugin: a destination of
// config.yaml (the operator's) may name a path, any other only a plugin of
// the plugin folder (ResolveName).
func (h *Host) resolveFor(d *core.Destination) (string, error) {
	if d.Source == "config" {
		return h.Resolve(d.Plugin)
	}
	return h.ResolveName(d.Plugin)
}

// pluginConfig copies config and sets the reserved keys the host owns.
func (h *Host) pluginConfig(config map[string]any) sdk.Config {
	c := make(sdk.Config, len(config)+2)
	for k, v := range config {
		c[k] = v
	}
	c[sdk.AllowPrivateNetworksKey] = h.cfg.AllowPrivateNetworks
	// The allow-list is the operator's alone: a destination's own value is
	// always dropped. The key is sent only when the operator set a list, so
	// plugins built with an SDK that predates it see no unknown key.
	delete(c, sdk.AllowPrivateHostsKey)
	if len(h.cfg.AllowPrivateHosts) > 0 {
		hosts := make([]any, len(h.cfg.AllowPrivateHosts))
		for i, s := range h.cfg.AllowPrivateHosts {
			hosts[i] = s
		}
		c[sdk.AllowPrivateHostsKey] = hosts
	}
	return c
}

// acquire returns the running process for key, starting (and, for a
// configured key, configuring) one when there is none or it exited. The
// caller must call release. Starting errors are retryable; a config the
// plugin rejects comes back as its *sdk.ConfigError.
func (h *Host) acquire(ctx context.Context, key procKey, config sdk.Config) (*slot, error) {
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return nil, errors.New("notify: host is closed")
		}
		h.reapLocked()
		s := h.procs[key]
		if s == nil {
			s = &slot{}
			h.procs[key] = s
		}
		h.mu.Unlock()

		s.mu.Lock()
		h.mu.Lock()
		current, closed := h.procs[key] == s, h.closed
		h.mu.Unlock()
		if !current || closed {
			// Reaped or closed between the two locks: start over.
			s.mu.Unlock()
			continue
		}
		err := h.ensureRunning(ctx, s, key, config)
		if err == nil {
			h.mu.Lock()
			closed = h.closed
			h.mu.Unlock()
			if closed { // Close ran while the plugin was starting
				s.client.Kill()
				s.client, s.n = nil, nil
				err = errors.New("notify: host is closed")
			}
		}
		if err == nil {
			s.inflight++
			s.lastUsed = time.Now()
		}
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// ensureRunning starts (and configures) s's process unless it is alive.
// s.mu is held.
func (h *Host) ensureRunning(ctx context.Context, s *slot, key procKey, config sdk.Config) error {
	if s.client != nil && s.client.Exited() {
		h.logger.Warn("plugin process exited; restarting it", "plugin", key.path)
		if h.OnRestart != nil {
			h.OnRestart(filepath.Base(key.path))
		}
		s.client.Kill()
		s.client, s.n = nil, nil
	}
	if s.client != nil {
		return nil
	}
	client, n, err := h.launch(key.path)
	if err != nil {
		return err
	}
	if key.config != "" {
		if err := n.Configure(ctx, config); err != nil {
			client.Kill()
			return err
		}
	}
	s.client, s.n = client, n
	return nil
}

// release ends a use of s; broken means the plugin did not answer, so the
// process is stopped and the next acquire starts a new one.
func (h *Host) release(s *slot, broken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	s.lastUsed = time.Now()
	if broken && s.client != nil {
		s.client.Kill()
		s.client, s.n = nil, nil
	}
}

// reapLocked stops processes idle longer than IdleTimeout. h.mu is held.
func (h *Host) reapLocked() {
	now := time.Now()
	for key, s := range h.procs {
		if !s.mu.TryLock() {
			continue
		}
		if s.inflight == 0 && now.Sub(s.lastUsed) > h.cfg.IdleTimeout {
			if s.client != nil {
				go s.client.Kill()
			}
			delete(h.procs, key)
		}
		s.mu.Unlock()
	}
}

// launch starts the plugin binary with the handshake and AutoMTLS over
// gRPC, with an environment stripped of Periscope's secrets.
func (h *Host) launch(path string) (*plugin.Client, sdk.Notifier, error) {
	cmd := exec.Command(path)
	cmd.Env = pluginEnv(os.Environ())
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake(),
		VersionedPlugins: sdk.VersionedPlugins(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		StartTimeout:     15 * time.Second,
		Logger:           newHCLogger(h.logger.With("plugin", filepath.Base(path))),
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, nil, fmt.Errorf("start plugin %s: %w", path, err)
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		client.Kill()
		return nil, nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	n, ok := raw.(sdk.Notifier)
	if !ok {
		client.Kill()
		return nil, nil, fmt.Errorf("plugin %s dispensed %T, not a notifier", path, raw)
	}
	return client, n, nil
}

// pluginEnv drops the variables that carry Periscope's own secrets
// (admin key, database credentials, PERISCOPE_* settings) from env.
func pluginEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		up := strings.ToUpper(name)
		if strings.HasPrefix(up, "API_SECRET_KEY") || strings.HasPrefix(up, "POSTGRES_") ||
			strings.HasPrefix(up, "PERISCOPE_") || strings.HasPrefix(up, "DATABASE_URL") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// call runs fn on the process for (path, config), restarting the plugin
// once if it turns out to be dead before fn reached it.
func (h *Host) call(ctx context.Context, path string, config sdk.Config, configured bool, fn func(sdk.Notifier) error) error {
	key := procKey{path: path}
	if configured {
		data, err := json.Marshal(config)
		if err != nil {
			return sdk.Permanent(fmt.Errorf("config cannot be encoded: %w", err))
		}
		key.config = string(data)
	}
	s, err := h.acquire(ctx, key, config)
	if err != nil {
		return err
	}
	err = fn(s.n)
	h.release(s, sdk.IsTransportError(err))
	return err
}

// Close stops every plugin process. Calls after Close fail.
func (h *Host) Close() error {
	h.mu.Lock()
	procs := h.procs
	h.procs, h.closed = map[procKey]*slot{}, true
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range procs {
		s.mu.Lock()
		if c := s.client; c != nil {
			wg.Add(1)
			go func() { defer wg.Done(); c.Kill() }()
		}
		s.mu.Unlock()
	}
	wg.Wait()
	return nil
}
