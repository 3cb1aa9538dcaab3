package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// dialect is Postgres', for the SQL shared with core/sqlite.
var dialect = sqlq.Dialect{
	Name:       "postgres",
	ILike:      "ILIKE",
	Numbered:   true,
	TextCast:   "::text",
	JSONArg:    "::text::jsonb",
	Greatest:   "greatest",
	RandomKey:  "replace(gen_random_uuid()::text, '-', '')",
	Locks:      true,
	Unique:     isUnique,
	ForeignKey: isForeignKey,
}

// conn adapts a pool or transaction to sqlq.Conn: placeholders are
// numbered, and times come out in UTC.
type conn struct{ q querier }

func (c conn) Dialect() sqlq.Dialect { return dialect }

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlq.Scanner {
	return utcScanner{c.q.QueryRow(ctx, dialect.Rebind(query), args...)}
}

func (c conn) Query(ctx context.Context, query string, args []any, each func(sqlq.Scanner) error) error {
	rows, err := c.q.Query(ctx, dialect.Rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	s := utcScanner{rows}
	for rows.Next() {
		if err := each(s); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, dialect.Rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c conn) Insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := c.q.QueryRow(ctx, dialect.Rebind(query)+" RETURNING id", args...).Scan(&id)
	return id, err
}

func (c conn) Batch(ctx context.Context, stmts ...sqlq.Stmt) error {
	b := &pgx.Batch{}
	for _, s := range stmts {
		b.Queue(dialect.Rebind(s.SQL), s.Args...)
	}
	return c.q.SendBatch(ctx, b).Close()
}

// writeTx is the store's sqlq.Tx.
func (db *DB) writeTx(ctx context.Context, fn func(sqlq.Conn) error) error {
	return db.tx(ctx, func(tx pgx.Tx) error { return fn(conn{tx}) })
}

// pooled is an sqlq.Tx without a transaction, for a single statement: fn
// runs on the pool.
func (db *DB) pooled(ctx context.Context, fn func(sqlq.Conn) error) error { return fn(conn{db.pool}) }

// utcScanner turns the *time.Time and **time.Time destinations it scans
// to UTC.
type utcScanner struct{ s sqlq.Scanner }

func (u utcScanner) Scan(dest ...any) error {
	if err := u.s.Scan(dest...); err != nil {
		return err
	}
	for _, x := range dest {
		switch p := x.(type) {
		case *time.Time:
			*p = p.UTC()
		case **time.Time:
			*p = utcPtr(*p)
		}
	}
	return nil
}
