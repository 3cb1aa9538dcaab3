package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/config"
)

func TestDefaults(t *testing.T) {
	c, err := config.Parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.ListenAddr(), "127.0.0.1:8000"; got != want {
		t.Errorf("ListenAddr got %q, want %q", got, want)
	}
	if got, want := c.PublicURL(), "http://127.0.0.1:8000"; got != want {
		t.Errorf("PublicURL got %q, want %q", got, want)
	}
	if got, want := c.Database.SQLite.Path, "./data/periscope.db"; got != want {
		t.Errorf("sqlite path got %q, want %q", got, want)
	}
	pg := c.Database.Postgres
	if pg.Enabled || pg.Host != "localhost" || pg.Port != 5432 || pg.User != "pguser" || pg.Database != "periscope" {
		t.Errorf("postgres defaults got %+v", pg)
	}
	if c.Server.ShutdownTimeout != 30*time.Second {
		t.Errorf("shutdown timeout got %v", c.Server.ShutdownTimeout)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	yaml := []byte("server:\n  port: 9000\n  host: 0.0.0.0\ndatabase:\n  postgres:\n    host: db.internal\n")
	env := []string{
		"PORT=9100",
		"API_SECRET_KEY_ADMIN=s3cret-s3cret-s3cret",
		"POSTGRES_ENABLED=true",
		"POSTGRES_PASSWORD=p@ss word",
		"POSTGRES_PORT=6543",
		"PERISCOPE_PUBLIC_URL=https://errors.example.com/",
		"PERISCOPE_INGEST_MAX_EVENT_SIZE=2048",
		"UNRELATED=1",
	}
	c, err := config.Parse(yaml, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Port != 9100 || c.Server.Host != "0.0.0.0" {
		t.Errorf("server got %+v", c.Server)
	}
	if c.Admin.SecretKey != "s3cret-s3cret-s3cret" {
		t.Errorf("admin key not read from API_SECRET_KEY_ADMIN")
	}
	if !c.Database.Postgres.Enabled || c.Database.Postgres.Host != "db.internal" || c.Database.Postgres.Port != 6543 {
		t.Errorf("postgres got %+v", c.Database.Postgres)
	}
	if got, want := c.PostgresURL(), "postgres://pguser:p%40ss%20word@db.internal:6543/periscope?sslmode=disable"; got != want {
		t.Errorf("PostgresURL got %q, want %q", got, want)
	}
	if got, want := c.PublicURL(), "https://errors.example.com"; got != want {
		t.Errorf("PublicURL got %q, want %q", got, want)
	}
	if c.Ingest.MaxEventSize != 2048 {
		t.Errorf("max_event_size got %d", c.Ingest.MaxEventSize)
	}
}

func TestEveryProblemIsListedWithItsKey(t *testing.T) {
	yaml := []byte("server:\n  port: 70000\n  colour: blue\ningest:\n  ack: maybe\nbogus: 1\n")
	_, err := config.Parse(yaml, []string{"POSTGRES_ENABLED=true", "POSTGRES_HOST="})
	var ce *config.Errors
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want *config.Errors", err)
	}
	msg := err.Error()
	for _, want := range []string{"server.port", "server.colour: unknown key", "bogus: unknown key", "ingest.ack", "database.postgres.host"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if len(ce.Problems) != 5 {
		t.Errorf("got %d problems, want 5:\n%s", len(ce.Problems), msg)
	}
}

func TestMalformedYAML(t *testing.T) {
	_, err := config.Parse([]byte("server:\n  port: [1,\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "not valid YAML") {
		t.Fatalf("got %v, want a YAML error", err)
	}
}

func TestWrongTypeNamesKey(t *testing.T) {
	_, err := config.Parse([]byte("server:\n  port: eighty\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "port") {
		t.Fatalf("got %v, want an error naming port", err)
	}
}

// TestShippedConfig loads the repository's config.yaml so it cannot rot.
func TestShippedConfig(t *testing.T) {
	path := filepath.Join("..", "..", "config.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("shipped config.yaml: %v", err)
	}
	c, err := config.Parse(data, nil)
	if err != nil {
		t.Fatalf("shipped config.yaml does not load: %v", err)
	}
	if c.ListenAddr() != "127.0.0.1:8000" || c.Database.SQLite.Path != "./data/periscope.db" {
		t.Errorf("shipped config.yaml changed the documented defaults: %s, %s", c.ListenAddr(), c.Database.SQLite.Path)
	}
}

// TestNotifyFromEnvironment: the notify section is plain values that the
// environment sets; core/cmd/periscope's TestConfigCheckNotify checks that
// their problems are reported by key.
func TestNotifyFromEnvironment(t *testing.T) {
	c, err := config.Parse(nil, []string{"PERISCOPE_NOTIFY_ALLOW_PRIVATE_NETWORKS=true", "PERISCOPE_NOTIFY_BACKOFF_BASE=2s", "PERISCOPE_NOTIFY_WORKERS=7"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Notify.AllowPrivateNetworks || c.Notify.Backoff.Base != 2*time.Second || c.Notify.Workers != 7 {
		t.Errorf("notify from env: %+v", c.Notify)
	}
}

// TestDocumentedYAMLParses keeps the configuration examples of README.md
// and sdk/README.md true: every ```yaml block must load.
func TestDocumentedYAMLParses(t *testing.T) {
	for _, doc := range []string{"../../README.md", "../../sdk/README.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		blocks := strings.Split(string(data), "```yaml\n")
		if len(blocks) < 2 {
			t.Fatalf("%s has no yaml example", doc)
		}
		for i, b := range blocks[1:] {
			yamlText, _, _ := strings.Cut(b, "```")
			if _, err := config.Parse([]byte(yamlText), nil); err != nil {
				t.Errorf("%s yaml block %d does not load:\n%s\n%v", doc, i+1, yamlText, err)
			}
		}
	}
}

// TestAllowPrivateHosts reads notify.allow_private_hosts from YAML and from
// the environment (comma-separated); core/notify validates the entries
// (TestConfigCheckNotify in the binary).
func TestAllowPrivateHosts(t *testing.T) {
	c, err := config.Parse([]byte("notify:\n  allow_private_hosts: [\"127.0.0.1:25\", \"10.0.0.0/8\"]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Notify.AllowPrivateHosts, " "); got != "127.0.0.1:25 10.0.0.0/8" {
		t.Errorf("from YAML: %q", got)
	}
	c, err = config.Parse(nil, []string{"PERISCOPE_NOTIFY_ALLOW_PRIVATE_HOSTS=127.0.0.1:1025,::1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Notify.AllowPrivateHosts, " "); got != "127.0.0.1:1025 ::1" {
		t.Errorf("from the environment: %q", got)
	}
}

// A short admin key is refused at start-up with a way to make a good one;
// an empty key (admin API disabled) and a 16-character key are accepted.
func TestShortAdminKeyRefused(t *testing.T) {
	for _, key := range []string{"Z", "change-me", "fifteen-chars!!"} {
		_, err := config.Parse(nil, []string{"API_SECRET_KEY_ADMIN=" + key})
		if err == nil {
			t.Fatalf("admin key %q (%d characters) accepted, want it refused", key, len(key))
		}
		msg := err.Error()
		if !strings.Contains(msg, "admin.secret_key") || !strings.Contains(msg, "16") || !strings.Contains(msg, "openssl rand -hex 32") {
			t.Errorf("admin key %q: %q, want the key, the minimum length and how to make one", key, msg)
		}
		if strings.Contains(msg, key) {
			t.Errorf("admin key %q: the message %q repeats the secret", key, msg)
		}
	}
	for _, key := range []string{"", "sixteen-chars-ok"} {
		if _, err := config.Parse(nil, []string{"API_SECRET_KEY_ADMIN=" + key}); err != nil {
			t.Errorf("admin key %q: %v, want it accepted", key, err)
		}
	}
}
