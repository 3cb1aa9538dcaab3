package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// dialect is SQLite's, for the SQL shared with core/postgres.
var dialect = sqlq.Dialect{
	Name:       "sqlite",
	ILike:      "LIKE",
	Greatest:   "max",
	RandomKey:  "lower(hex(randomblob(16)))",
	Unique:     isUnique,
	ForeignKey: isForeignKey,
}

// scanner reads one row (sqlq.Scanner).
type scanner = sqlq.Scanner

// conn adapts a connection pool or transaction to sqlq.Conn: times go in
// and come out as Unix microseconds.
type conn struct{ q querier }

func (c conn) Dialect() sqlq.Dialect { return dialect }

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlq.Scanner {
	return timeScanner{c.q.QueryRowContext(ctx, query, timeArgs(args)...)}
}

func (c conn) Query(ctx context.Context, query string, args []any, each func(sqlq.Scanner) error) error {
	rows, err := c.q.QueryContext(ctx, query, timeArgs(args)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	s := timeScanner{rows}
	for rows.Next() {
		if err := each(s); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, query, timeArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) Insert(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, query, timeArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (c conn) Batch(ctx context.Context, stmts ...sqlq.Stmt) error {
	for _, s := range stmts {
		if _, err := c.q.ExecContext(ctx, s.SQL, timeArgs(s.Args)...); err != nil {
			return err
		}
	}
	return nil
}

// writeTx is the store's sqlq.Tx: a write transaction, holding the writer
// mutex.
func (db *DB) writeTx(ctx context.Context, fn func(sqlq.Conn) error) error {
	return db.write(ctx, func(tx *sql.Tx) error { return fn(conn{tx}) })
}

// lockedTx is an sqlq.Tx for a caller that holds the writer mutex.
func (db *DB) lockedTx(ctx context.Context, fn func(sqlq.Conn) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return fn(conn{tx}) })
}

// timeArgs returns args with times as stored (us, usPtr).
func timeArgs(args []any) []any {
	var out []any
	for i, a := range args {
		var v any
		switch t := a.(type) {
		case time.Time:
			v = us(t)
		case *time.Time:
			v = usPtr(t)
		default:
			if out != nil {
				out[i] = a
			}
			continue
		}
		if out == nil {
			out = append(make([]any, 0, len(args)), args...)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

// timeScanner scans *time.Time and **time.Time destinations from stored
// times (tm, tmPtr).
type timeScanner struct{ s sqlq.Scanner }

func (t timeScanner) Scan(dest ...any) error {
	var d []any
	var micros []int64
	var nulls []sql.NullInt64
	for i, x := range dest {
		switch x.(type) {
		case *time.Time, **time.Time:
		default:
			continue
		}
		if d == nil {
			d = append(make([]any, 0, len(dest)), dest...)
			micros, nulls = make([]int64, len(dest)), make([]sql.NullInt64, len(dest))
		}
		if _, ok := x.(*time.Time); ok {
			d[i] = &micros[i]
		} else {
			d[i] = &nulls[i]
		}
	}
	if d == nil {
		return t.s.Scan(dest...)
	}
	if err := t.s.Scan(d...); err != nil {
		return err
	}
	for i, x := range dest {
		switch p := x.(type) {
		case *time.Time:
			*p = tm(micros[i])
		case **time.Time:
			*p = tmPtr(nulls[i])
		}
	}
	return nil
}
