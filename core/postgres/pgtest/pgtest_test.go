package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestURLGivesFreshDatabases(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("create", func(t *testing.T) {
		first = pgtest.URL(t)
		conn, err := pgx.Connect(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE TABLE marker (id int)`); err != nil {
			t.Fatal(err)
		}
	})
	second := pgtest.URL(t)
	if second == first {
		t.Fatalf("two tests got the same database %s", first)
	}
	conn, err := pgx.Connect(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'marker'`).Scan(&n); err != nil {
		t.Fatal(err)
	} else if n != 0 {
		t.Fatal("a fresh database holds another test's table")
	}
	// The first test's database was dropped at its end.
	if _, err := pgx.Connect(ctx, first); err == nil {
		t.Fatalf("the database of a finished test still accepts connections")
	}
}

func TestURLFromTemplateCopiesThePreparedDatabase(t *testing.T) {
	ctx := context.Background()
	prepared := 0
	prepare := func(url string) error {
		prepared++
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `CREATE TABLE marker (id int); INSERT INTO marker VALUES (1)`)
		return err
	}
	count := func(url string) int {
		t.Helper()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM marker`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := pgtest.URLFromTemplate(t, "marker", prepare)
	conn, err := pgx.Connect(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO marker VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	second := pgtest.URLFromTemplate(t, "marker", prepare)
	if second == first {
		t.Fatalf("two calls got the same database %s", first)
	}
	if got := count(first); got != 2 {
		t.Fatalf("first copy holds %d rows, want 2", got)
	}
	if got := count(second); got != 1 {
		t.Fatalf("second copy holds %d rows, want the template's 1 (a copy saw another's write)", got)
	}
	if prepared != 1 {
		t.Fatalf("prepare ran %d times, want once", prepared)
	}
}
