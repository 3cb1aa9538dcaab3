package repo

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// No Docker or systemd runs these files here: the tests read them and check
// what they point at (binaries, plugins, paths, commands, variables) exists
// in the tree and in the binary.

const root = "../.."

// dockerInstr is one Dockerfile instruction with its continuation lines
// joined.
type dockerInstr struct{ cmd, args string }

func readDockerfile(t *testing.T) []dockerInstr {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatalf("the Dockerfile at the root: %v", err)
	}
	defer f.Close()
	var out []dockerInstr
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstr{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// pluginDirs lists the first-party plugins (plugins/<name>).
func pluginDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "plugins"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(root, "plugins", e.Name(), "main.go")); err == nil {
				out = append(out, e.Name())
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no plugin found under plugins/")
	}
	return out
}

// buildPeriscope builds the binary once for the package, with the build
// configuration of this test binary (sdktest.BuildConfig: -race and cgo
// under `go test -race`). A different configuration would compile the
// standard library and every dependency a second time, which on a cold
// build cache cost this package over three minutes of the suite.
func buildPeriscope(t *testing.T) string {
	t.Helper()
	periscopeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "periscope-repo-test-")
		if err != nil {
			periscopeErr = err
			return
		}
		periscopeDir = dir
		bin := filepath.Join(dir, "periscope")
		flags, env := sdktest.BuildConfig()
		cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, "./core/cmd/periscope")...)
		cmd.Dir = root
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			periscopeErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		periscopeBin = bin
	})
	if periscopeErr != nil {
		t.Fatal(periscopeErr)
	}
	return periscopeBin
}

var (
	periscopeOnce sync.Once
	periscopeDir  string
	periscopeBin  string
	periscopeErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if periscopeDir != "" {
		os.RemoveAll(periscopeDir)
	}
	os.Exit(code)
}

// hasCommand reports whether `periscope <name> --help` is a command.
func hasCommand(t *testing.T, bin, name string) bool {
	t.Helper()
	out, err := exec.Command(bin, name, "--help").CombinedOutput()
	return err == nil && !strings.Contains(string(out), "unknown command")
}

// TestDockerfile: multi-stage, a static build of the binary and of every
// plugin under plugins/, a non-root final stage, the plugins where the
// binary looks for them, and a HEALTHCHECK that is a real command.
func TestDockerfile(t *testing.T) {
	instrs := readDockerfile(t)
	var froms []string
	final := -1
	for i, in := range instrs {
		if in.cmd == "FROM" {
			froms = append(froms, in.args)
			final = i
		}
	}
	if len(froms) < 2 || !strings.Contains(strings.ToLower(froms[0]), " as build") {
		t.Fatalf("stages %q: want a build stage named build and a final stage", froms)
	}
	if base := froms[len(froms)-1]; !strings.Contains(base, "distroless/static") && base != "scratch" {
		t.Errorf("final stage %q: want a static base (distroless/static or scratch)", base)
	}
	var build, run strings.Builder
	var user string
	env := map[string]string{}
	var copies []string
	var health string
	for i, in := range instrs {
		if i < final {
			build.WriteString(in.cmd + " " + in.args + "\n")
			if in.cmd == "COPY" && !strings.Contains(in.args, "--from") {
				for _, src := range strings.Fields(in.args)[:len(strings.Fields(in.args))-1] {
					if src != "." {
						if _, err := os.Stat(filepath.Join(root, src)); err != nil {
							t.Errorf("build stage copies %s, which the tree lacks", src)
						}
					}
				}
			}
			continue
		}
		run.WriteString(in.cmd + " " + in.args + "\n")
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
		case "COPY":
			copies = append(copies, in.args)
		case "HEALTHCHECK":
			health = in.args
		}
	}
	if !strings.Contains(build.String(), "CGO_ENABLED=0") {
		t.Error("the build stage does not set CGO_ENABLED=0 (the binary must be static)")
	}
	if !strings.Contains(build.String(), "./core/cmd/periscope") {
		t.Error("the build stage does not build ./core/cmd/periscope")
	}
	if u, _, _ := strings.Cut(user, ":"); user == "" || u == "root" || u == "0" {
		t.Errorf("final USER %q: want a non-root user", user)
	}
	pluginDir := env["PERISCOPE_PLUGIN_DIR"]
	if pluginDir == "" {
		t.Error("the image does not set PERISCOPE_PLUGIN_DIR")
	}
	for _, p := range pluginDirs(t) {
		if !strings.Contains(build.String(), p) || !strings.Contains(build.String(), "./plugins/$p") {
			t.Errorf("plugin %s is not built in the build stage", p)
		}
		found := false
		for _, c := range copies {
			f := strings.Fields(c)
			if slices.Contains(f, "/out/periscope-plugin-"+p) && strings.TrimSuffix(f[len(f)-1], "/") == pluginDir {
				found = true
			}
		}
		if !found {
			t.Errorf("periscope-plugin-%s is not copied into PERISCOPE_PLUGIN_DIR %s", p, pluginDir)
		}
	}
	for k := range env {
		if _, ok := config.EnvNames()[k]; !ok && k != "PERISCOPE_CONFIG" {
			t.Errorf("ENV %s is not a variable Periscope reads", k)
		}
	}
	if !strings.Contains(health, `["`+pluginDir+`/periscope", "healthcheck"]`) {
		t.Errorf("HEALTHCHECK %q: want the binary's healthcheck command", health)
	}
	if !hasCommand(t, buildPeriscope(t), "healthcheck") {
		t.Error("the binary has no healthcheck command")
	}
}

// compose is the part of compose.yaml the test reads.
type compose struct {
	Services map[string]struct {
		Build       any               `yaml:"build"`
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		StopGracePeriod string `yaml:"stop_grace_period"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestCompose: Postgres and at least two nodes built from the root
// Dockerfile, each with its own /data volume (its spool), on Postgres,
// started once Postgres is healthy, health-checked with the binary, and
// given time to drain on stop.
func TestCompose(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "compose.yaml"))
	if err != nil {
		t.Fatalf("compose.yaml at the root: %v", err)
	}
	var c compose
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	pg, ok := c.Services["postgres"]
	if !ok || !strings.HasPrefix(pg.Image, "postgres:") || len(pg.Healthcheck.Test) == 0 {
		t.Fatalf("compose.yaml needs a postgres service with an image and a healthcheck: %+v", pg)
	}
	nodes, dataVolumes, ports := 0, map[string]string{}, map[string]string{}
	bin := buildPeriscope(t)
	for name, s := range c.Services {
		if s.Build == nil {
			continue
		}
		nodes++
		if s.Build != "." {
			t.Errorf("%s: build %v, want the root Dockerfile (.)", name, s.Build)
		}
		if s.Environment["POSTGRES_ENABLED"] != "true" {
			t.Errorf("%s: POSTGRES_ENABLED %q, want true", name, s.Environment["POSTGRES_ENABLED"])
		}
		if _, ok := c.Services[s.Environment["POSTGRES_HOST"]]; !ok {
			t.Errorf("%s: POSTGRES_HOST %q is not a service", name, s.Environment["POSTGRES_HOST"])
		}
		for k := range s.Environment {
			if _, ok := config.EnvNames()[k]; !ok {
				t.Errorf("%s: %s is not a variable Periscope reads", name, k)
			}
		}
		if s.DependsOn["postgres"].Condition != "service_healthy" {
			t.Errorf("%s: does not wait for a healthy postgres", name)
		}
		if h := s.Healthcheck.Test; len(h) < 3 || h[0] != "CMD" || h[1] != "/usr/local/bin/periscope" || !hasCommand(t, bin, h[2]) {
			t.Errorf("%s: healthcheck %q, want the binary's own command", name, h)
		}
		if len(s.Command) == 0 || s.Command[0] != "serve" {
			t.Errorf("%s: command %q, want serve", name, s.Command)
		}
		if d, err := time.ParseDuration(s.StopGracePeriod); err != nil || d <= 30*time.Second {
			t.Errorf("%s: stop_grace_period %q, want more than server.shutdown_timeout (30s)", name, s.StopGracePeriod)
		}
		for _, v := range s.Volumes {
			vol, mount, _ := strings.Cut(v, ":")
			if mount == "/data" {
				if other, dup := dataVolumes[vol]; dup {
					t.Errorf("%s and %s share the volume %s: each node needs its own spool", name, other, vol)
				}
				dataVolumes[vol] = name
				if _, ok := c.Volumes[vol]; !ok {
					t.Errorf("%s: volume %s is not declared", name, vol)
				}
			}
		}
		for _, p := range s.Ports {
			host, _, _ := strings.Cut(p, ":")
			if other, dup := ports[host]; dup {
				t.Errorf("%s and %s both publish port %s", name, other, host)
			}
			ports[host] = name
		}
	}
	if nodes < 2 || len(dataVolumes) != nodes {
		t.Errorf("%d nodes with %d /data volumes; want at least two nodes, each with its own", nodes, len(dataVolumes))
	}
}

// TestSystemdUnit: the unit runs the installed binary's serve as a
// non-root user, gives the graceful stop more than server.shutdown_timeout,
// lets it write its state directory, and sets only variables Periscope
// reads.
func TestSystemdUnit(t *testing.T) {
	f, err := os.Open(filepath.Join(root, "deploy", "periscope.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("not a key=value line: %q", line)
			}
			kv[section+"."+k] = append(kv[section+"."+k], v)
		}
	}
	one := func(k string) string {
		if len(kv[k]) != 1 {
			t.Errorf("%s: %q, want one value", k, kv[k])
			return ""
		}
		return kv[k][0]
	}
	exec := strings.Fields(one("Service.ExecStart"))
	if len(exec) < 2 || exec[0] != "/usr/local/bin/periscope" || exec[1] != "serve" {
		t.Errorf("ExecStart %q: want /usr/local/bin/periscope serve", exec)
	}
	if u := one("Service.User"); u == "" || u == "root" || u == "0" {
		t.Errorf("User %q: want a non-root user", u)
	}
	if d, err := time.ParseDuration(one("Service.TimeoutStopSec")); err != nil || d <= 30*time.Second {
		t.Errorf("TimeoutStopSec: want more than server.shutdown_timeout (30s): %v", err)
	}
	if s := one("Service.KillSignal"); s != "SIGTERM" {
		t.Errorf("KillSignal %q: want SIGTERM (graceful drain)", s)
	}
	state := "/var/lib/" + one("Service.StateDirectory")
	if !slices.Contains(strings.Fields(one("Service.ReadWritePaths")), state) {
		t.Errorf("ReadWritePaths does not hold the state directory %s", state)
	}
	for _, e := range kv["Service.Environment"] {
		k, v, _ := strings.Cut(e, "=")
		if _, ok := config.EnvNames()[k]; !ok {
			t.Errorf("Environment %s is not a variable Periscope reads", k)
		}
		if k == "PERISCOPE_SQLITE_PATH" && filepath.Dir(v) != state {
			t.Errorf("the SQLite file %s is outside the state directory %s", v, state)
		}
	}
	if one("Install.WantedBy") != "multi-user.target" {
		t.Error("WantedBy: want multi-user.target")
	}
}
