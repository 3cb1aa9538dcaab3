package sqlq

import (
	"reflect"
	"testing"
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
