package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// templates are the template databases of this test process by name.
var (
	templatesMu sync.Mutex
	templates   = map[string]*template{}
)

type template struct {
	once sync.Once
	db   string // database name
	err  error
}

// URLFromTemplate is URL, but the new database is a copy (CREATE DATABASE
// … TEMPLATE) of a template database that prepare sets up once per name
// in this test process: prepare gets the template's URL and must close
// every connection to it before it returns. Copying a migrated database
// is much faster than migrating an empty one for each test. A prepare
// error fails every test that asks for that template. Templates are
// dropped when Main ends.
func URLFromTemplate(tb testing.TB, name string, prepare func(url string) error) string {
	tb.Helper()
	if !mainRunning.Load() {
		tb.Fatal("pgtest.URLFromTemplate needs pgtest.Main: add `func TestMain(m *testing.M) { pgtest.Main(m) }` to this package's tests")
	}
	startOnce.Do(func() { srv, srvErr = start() })
	if srvErr != nil {
		tb.Fatalf("pgtest: %v\n\n%s", srvErr, howToFix)
	}
	templatesMu.Lock()
	t, ok := templates[name]
	if !ok {
		t = &template{db: fmt.Sprintf("pgtest_%d_template_%s", os.Getpid(), slug(name))}
		templates[name] = t
	}
	templatesMu.Unlock()
	t.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if t.err = srv.exec(ctx, `CREATE DATABASE `+pgx.Identifier{t.db}.Sanitize()); t.err != nil {
			t.err = fmt.Errorf("create template database %s: %w", t.db, t.err)
			return
		}
		u := *srv.admin
		u.Path = "/" + t.db
		if err := prepare(u.String()); err != nil {
			t.err = fmt.Errorf("prepare template database %s: %w", t.db, err)
		}
	})
	if t.err != nil {
		tb.Fatalf("pgtest: %v", t.err)
	}
	return newDatabase(tb, " TEMPLATE "+pgx.Identifier{t.db}.Sanitize())
}

// dropTemplates drops the template databases (on an external server; a
// throwaway cluster is removed whole).
func dropTemplates() {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	for _, t := range templates {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := srv.exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{t.db}.Sanitize()+` WITH (FORCE)`); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: drop template database %s: %v\n", t.db, err)
		}
		cancel()
	}
}
