package migrations_test

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/migrations"
)

// TestDialectsDoNotDrift fails when the sqlite and postgres folders differ
// in file names, versions, tables, columns or index names.
func TestDialectsDoNotDrift(t *testing.T) {
	lite := mustList(t, migrations.SQLite)
	pg := mustList(t, migrations.Postgres)
	if len(lite) == 0 {
		t.Fatal("no sqlite migrations embedded")
	}
	names := func(ms []migrations.Migration) []string {
		var s []string
		for _, m := range ms {
			s = append(s, m.Name)
		}
		return s
	}
	if got, want := names(pg), names(lite); !slices.Equal(got, want) {
		t.Fatalf("postgres files %v, sqlite files %v: the folders must hold the same file names", got, want)
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version {
			t.Errorf("%s: sqlite version %d, postgres version %d", lite[i].Name, lite[i].Version, pg[i].Version)
		}
		ls, ps := schemaOf(lite[i].SQL), schemaOf(pg[i].SQL)
		// Each dialect indexes free text its own way: SQLite with an FTS5
		// table (not a CREATE INDEX), Postgres with a pg_trgm GIN index.
		ps = slices.DeleteFunc(ps, func(o string) bool { return dialectIndexes[o] })
		if !slices.Equal(ls, ps) {
			t.Errorf("%s: schema objects differ between dialects:\nonly sqlite: %v\nonly postgres: %v",
				lite[i].Name, minus(ls, ps), minus(ps, ls))
		}
	}
}

func TestListRejectsUnknownDialect(t *testing.T) {
	if _, err := migrations.List("mysql"); err == nil {
		t.Fatal("List(mysql): got nil error")
	}
}

func TestPlan(t *testing.T) {
	latest := migrations.Latest(migrations.SQLite)
	if latest < 1 {
		t.Fatalf("Latest = %d, want >= 1", latest)
	}
	ms, err := migrations.List(migrations.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := migrations.Plan(migrations.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	} else if len(pending) != len(ms) || pending[0].Version != 1 {
		t.Fatalf("Plan(empty): got %d pending starting at %v, want %d from 1", len(pending), pending, len(ms))
	}
	all := make([]int, len(ms))
	for i, m := range ms {
		all[i] = m.Version
	}
	// A gap filled in later (a version below the highest applied one) is
	// still pending.
	if pending, err := migrations.Plan(migrations.SQLite, all[1:]); err != nil || len(pending) != 1 || pending[0].Version != all[0] {
		t.Fatalf("Plan(all but the first): got %v, %v; want version %d pending", pending, err, all[0])
	}
	if pending, err := migrations.Plan(migrations.SQLite, all); err != nil || len(pending) != 0 {
		t.Fatalf("Plan(all applied): got %v, %v; want none", pending, err)
	}
	if err := migrations.CheckCurrent(migrations.SQLite, all); err != nil {
		t.Fatalf("CheckCurrent(all applied): %v", err)
	}
	var pe *migrations.PendingError
	if err := migrations.CheckCurrent(migrations.SQLite, nil); !errors.As(err, &pe) || pe.Pending != len(ms) {
		t.Fatalf("CheckCurrent(empty): got %v, want a PendingError with %d pending", err, len(ms))
	}
}

func TestPlanRefusesNewerSchema(t *testing.T) {
	latest := migrations.Latest(migrations.Postgres)
	_, err := migrations.Plan(migrations.Postgres, []int{1, latest + 5})
	var tn *migrations.TooNewError
	if !errors.As(err, &tn) {
		t.Fatalf("got %v, want a *TooNewError", err)
	}
	if tn.Database != latest+5 || tn.Binary != latest {
		t.Fatalf("got versions db=%d binary=%d, want %d and %d", tn.Database, tn.Binary, latest+5, latest)
	}
	for _, want := range []string{"version " + strconv.Itoa(latest+5), "version " + strconv.Itoa(latest)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name %q", err.Error(), want)
		}
	}
	if code := core.ErrorCode(err); code != core.ECONFLICT {
		t.Errorf("ErrorCode = %q, want %q", code, core.ECONFLICT)
	}
}

func mustList(tb testing.TB, dialect string) []migrations.Migration {
	tb.Helper()
	ms, err := migrations.List(dialect)
	if err != nil {
		tb.Fatal(err)
	}
	return ms
}

// dialectIndexes are Postgres indexes whose SQLite counterpart is not an
// index (issue_text_fts, an FTS5 table).
var dialectIndexes = map[string]bool{"index issue_text_trgm on issue_text": true}

var (
	reTable = regexp.MustCompile(`(?is)CREATE TABLE (\w+)\s*\((.*?)\n\)`)
	reIndex = regexp.MustCompile(`(?i)CREATE (?:UNIQUE )?INDEX (\w+) ON (\w+)`)
	reAlter = regexp.MustCompile(`(?i)ALTER TABLE (\w+) ADD COLUMN (\w+)`)
)

// schemaOf lists "table t", "column t.c" and "index i on t" for the objects
// a script creates, sorted.
func schemaOf(sql string) []string {
	var out []string
	for _, m := range reTable.FindAllStringSubmatch(sql, -1) {
		out = append(out, "table "+m[1])
		for _, line := range strings.Split(m[2], "\n") {
			f := strings.Fields(strings.TrimSpace(line))
			if len(f) == 0 || strings.HasPrefix(f[0], "--") {
				continue
			}
			switch strings.ToUpper(f[0]) {
			case "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT":
				continue
			}
			out = append(out, "column "+m[1]+"."+f[0])
		}
	}
	for _, m := range reIndex.FindAllStringSubmatch(sql, -1) {
		out = append(out, "index "+m[1]+" on "+m[2])
	}
	for _, m := range reAlter.FindAllStringSubmatch(sql, -1) {
		out = append(out, "column "+m[1]+"."+m[2])
	}
	slices.Sort(out)
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func TestVersions(t *testing.T) {
	latest := migrations.Latest(migrations.Postgres)
	for _, c := range []struct {
		applied []int
		want    int
	}{{nil, 0}, {[]int{1, 3, 2}, 3}} {
		if db, bin := migrations.Versions(migrations.Postgres, c.applied); db != c.want || bin != latest {
			t.Errorf("Versions(%v) = %d, %d; want %d, %d", c.applied, db, bin, c.want, latest)
		}
	}
}
