package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable holding the URL of an existing
// server to create test databases on.
const EnvURL = "PERISCOPE_TEST_POSTGRES_URL"

const howToFix = `pgtest needs PostgreSQL to run these tests. Either
  - install it (Debian/Ubuntu: apt-get install -y postgresql), so that initdb and postgres are in PATH or /usr/lib/postgresql/*/bin, or
  - set ` + EnvURL + `=postgres://user:password@host:5432/postgres to a server where that role may CREATE DATABASE.`

var (
	mainRunning atomic.Bool
	startOnce   sync.Once
	srv         *server
	srvErr      error
	dbSeq       atomic.Int64
)

// server is where test databases are created.
type server struct {
	admin   *url.URL // a URL to an existing database, for CREATE/DROP DATABASE
	cluster *cluster // nil for an external server
}

// Main runs the package's tests (m.Run), then stops and removes the
// throwaway cluster if one was started, and exits with the tests' code.
func Main(m *testing.M) { os.Exit(Run(m)) }

// URL returns a postgres:// URL to a new, empty database that is dropped
// when tb ends. It fails tb when no server is available or when the
// package's TestMain does not call Main.
func URL(tb testing.TB) string {
	tb.Helper()
	if !mainRunning.Load() {
		tb.Fatal("pgtest.URL needs pgtest.Main: add `func TestMain(m *testing.M) { pgtest.Main(m) }` to this package's tests, so that the throwaway cluster is removed afterwards")
	}
	startOnce.Do(func() { srv, srvErr = start() })
	if srvErr != nil {
		tb.Fatalf("pgtest: %v\n\n%s", srvErr, howToFix)
	}
	return newDatabase(tb, "")
}

// newDatabase creates a database for tb (CREATE DATABASE name, then
// options), drops it when tb ends, and returns its URL.
func newDatabase(tb testing.TB, options string) string {
	tb.Helper()
	name := fmt.Sprintf("pgtest_%d_%d_%s", os.Getpid(), dbSeq.Add(1), slug(tb.Name()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+options); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u := *srv.admin
	u.Path = "/" + name
	return u.String()
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a short database-name-safe form of a test name.
func slug(s string) string {
	s = strings.Trim(nonWord.ReplaceAllString(strings.ToLower(s), "_"), "_")
	return s[:min(len(s), 30)]
}

func start() (*server, error) {
	if raw := os.Getenv(EnvURL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, fmt.Errorf("%s is not a postgres:// URL", EnvURL)
		}
		s := &server{admin: u}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.exec(ctx, `SELECT 1`); err != nil {
			return nil, fmt.Errorf("cannot reach the server in %s: %w", EnvURL, err)
		}
		return s, nil
	}
	c, err := startCluster()
	if err != nil {
		return nil, err
	}
	return &server{admin: c.url(), cluster: c}, nil
}

// exec runs one statement on the admin database.
func (s *server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.admin.String())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
