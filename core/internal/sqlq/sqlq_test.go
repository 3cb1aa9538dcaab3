package sqlq

import (
	"reflect"
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	pg := Dialect{Numbered: true}
	for in, want := range map[string]string{
		`SELECT 1`:              `SELECT 1`,
		`a = ? AND b IN (?, ?)`: `a = $1 AND b IN ($2, $3)`,
		`title LIKE ? ESCAPE '\' OR x = '?' AND y=?`: `title LIKE $1 ESCAPE '\' OR x = '?' AND y=$2`,
		`"we?rd" = ?`: `"we?rd" = $1`,
	} {
		if got := pg.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
		if got := (Dialect{}).Rebind(in); got != in {
			t.Errorf("a ? dialect changed %q to %q", in, got)
		}
	}
}

func TestWhere(t *testing.T) {
	var w Where
	if w.SQL() != "" || len(w.Args()) != 0 {
		t.Errorf("empty Where: %q %v", w.SQL(), w.Args())
	}
	w.Add("a = ?", 1)
	w.Add("(b < ? OR c < ?)", 2, 3)
	if got, want := w.SQL(), " WHERE a = ? AND (b < ? OR c < ?)"; got != want {
		t.Errorf("SQL = %q, want %q", got, want)
	}
	if got, want := w.Args(4), []any{1, 2, 3, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("Args = %v, want %v", got, want)
	}
	if got := w.Args(); len(got) != 3 {
		t.Errorf("Args(4) changed the Where: %v", got)
	}
}

func TestDialectInAndLock(t *testing.T) {
	pg, lite := Dialect{Numbered: true, Locks: true}, Dialect{}
	if cond, args := pg.In("id", []int64{3, 4}); cond != "id = ANY(?)" || !reflect.DeepEqual(args, []any{[]int64{3, 4}}) {
		t.Errorf("Postgres In = %q %v", cond, args)
	}
	if cond, args := lite.In("id", []int64{3, 4}); cond != "id IN (?, ?)" || !reflect.DeepEqual(args, []any{int64(3), int64(4)}) {
		t.Errorf("SQLite In = %q %v", cond, args)
	}
	if got := withLock("SELECT 1", pg.Lock("FOR UPDATE")); got != "SELECT 1 FOR UPDATE" {
		t.Errorf("Postgres lock: %q", got)
	}
	if got := withLock("SELECT 1", lite.Lock("FOR UPDATE")); got != "SELECT 1" {
		t.Errorf("SQLite takes no row locks: %q", got)
	}
}

func TestBounds(t *testing.T) {
	if keep, limit := CapBounds(-1, 0); keep != 0 || limit != DefaultPruneLimit {
		t.Errorf("CapBounds(-1, 0) = %d, %d", keep, limit)
	}
	if keep, limit := CapBounds(5, 7); keep != 5 || limit != 7 {
		t.Errorf("CapBounds(5, 7) = %d, %d", keep, limit)
	}
	if _, _, err := ClaimBounds(time.Now(), 10, 0); err == nil {
		t.Error("ClaimBounds took a zero lease")
	}
	local := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	now, limit, err := ClaimBounds(local, 0, time.Minute)
	if err != nil || limit != 100 || now.Location() != time.UTC || !now.Equal(local) {
		t.Errorf("ClaimBounds = %v, %d, %v", now, limit, err)
	}
}
