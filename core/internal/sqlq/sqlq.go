// Package sqlq is the Go that core/sqlite and core/postgres would
// otherwise write twice around their SQL: a Conn interface each store
// adapts its pool and transactions to (Tx runs a write transaction the
// store's way), queries written once with ? placeholders (Rebind numbers
// them for Postgres), a Where builder, and row scanners over the Scanner
// interface. Times are time.Time in and out of a Conn: each adapter stores
// and reads them as its schema does (Unix microseconds in SQLite,
// timestamptz in Postgres, always UTC).
//
// Store (store.go) has the core.Store methods whose SQL is shared; each
// adapter's DB embeds it. One file per area holds the queries: project.go
// (projects and keys), issue.go, event.go (events, attachments,
// fingerprints, histograms, rejected events), merge.go, alert.go and
// destination.go, threshold.go, retention.go, stats.go, search.go (issue
// search and tags); sourcemap.go (API tokens, chunks, artifact bundles,
// releases) and user.go (users, sessions, activity) also hold their Store
// methods; dict.go is DictStore, the event_dicts of dbutil.Codec.
//
// The SQL that really differs between the dialects (upserts, RETURNING,
// COPY and unnest, the batch writes of WriteEvents, notification claims,
// advisory locks) stays in each store; what is here is the SQL both run
// unchanged but for what Dialect says: placeholders, ILIKE, JSON casts,
// the random key expression, the tag-count query, row locks (Postgres
// only) and which errors are constraint violations.
package sqlq

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
)

// Scanner reads one row: *sql.Row, *sql.Rows, pgx.Row and pgx.Rows are
// scanners.
type Scanner interface {
	Scan(dest ...any) error
}

// Conn runs SQL written with ? placeholders on one store's connection or
// transaction. Scan destinations of type *time.Time and **time.Time (NULL
// as nil) receive UTC times, and time.Time and *time.Time arguments are
// stored as the schema stores times.
type Conn interface {
	// Dialect says which SQL the connection speaks.
	Dialect() Dialect
	// QueryRow runs a query for one row; its Scan returns an error
	// matching sql.ErrNoRows when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Scanner
	// Query runs a query and calls each for every row, in order, stopping
	// at the first error each returns (which Query returns).
	Query(ctx context.Context, query string, args []any, each func(Scanner) error) error
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Insert runs an INSERT into a table with an id column and returns the
	// id of the row it added.
	Insert(ctx context.Context, query string, args ...any) (int64, error)
	// Batch runs statements in order, stopping at the first error; in
	// Postgres they go to the server in one round trip.
	Batch(ctx context.Context, stmts ...Stmt) error
}

// Stmt is a statement and its arguments, for Conn.Batch.
type Stmt struct {
	SQL  string
	Args []any
}

// S returns the statement query with args.
func S(query string, args ...any) Stmt { return Stmt{SQL: query, Args: args} }

// Tx runs fn in one write transaction on a store (in SQLite, holding the
// writer lock) and returns its error, or the commit's.
type Tx func(ctx context.Context, fn func(Conn) error) error

// Dialect is what the shared SQL needs to know of a database.
type Dialect struct {
	// Name prefixes error messages ("sqlite", "postgres").
	Name string
	// ILike is the case-insensitive LIKE operator ("LIKE" in SQLite,
	// whose LIKE already ignores ASCII case; "ILIKE" in Postgres).
	ILike string
	// Numbered placeholders ($1, $2, ...) instead of ?; such a dialect
	// also takes a list as one array argument (In).
	Numbered bool
	// TextCast is what reads a JSON column as text ("::text" in Postgres,
	// whose jsonb columns are not text; "" in SQLite).
	TextCast string
	// JSONArg follows a placeholder whose text goes into a JSON column
	// ("::text::jsonb" in Postgres; "" in SQLite).
	JSONArg string
	// Greatest is the function returning the largest of its arguments
	// ("max" in SQLite, "greatest" in Postgres).
	Greatest string
	// RandomKey is an expression for 32 random lowercase hex digits.
	RandomKey string
	// Locks says the dialect takes row-locking clauses (FOR UPDATE); SQLite,
	// whose writes are serialized, does not.
	Locks bool
	// Unique and ForeignKey report whether an error is a violation of a
	// unique (or primary key) or a foreign key constraint.
	Unique, ForeignKey func(error) bool
}

// Lock returns clause for a dialect that takes row locks, else "".
func (d Dialect) Lock(clause string) string {
	if !d.Locks {
		return ""
	}
	return clause
}

// withLock appends a locking clause ("" for none) to query.
func withLock(query, lock string) string {
	if lock == "" {
		return query
	}
	return query + " " + lock
}

// In is the condition "col is one of ids" and its arguments: one array
// argument where the dialect takes arrays, else one placeholder per id.
func (d Dialect) In(col string, ids []int64) (string, []any) { return inList(d, col, ids) }

// inList is In for a list of any element type the driver takes.
func inList[T int64 | string](d Dialect, col string, vs []T) (string, []any) {
	if d.Numbered {
		return col + " = ANY(?)", []any{vs}
	}
	args := make([]any, len(vs))
	for i, v := range vs {
		args[i] = v
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(vs)), ", ") + ")", args
}

// Rebind returns query with its ? placeholders as the dialect writes
// them. A ? inside a quoted string or identifier is left alone.
func (d Dialect) Rebind(query string) string {
	if !d.Numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Where collects AND-ed conditions, each written with ? placeholders, and
// their arguments in order.
type Where struct {
	conds []string
	args  []any
}

// Add appends a condition and the arguments of its placeholders.
func (w *Where) Add(cond string, args ...any) {
	w.conds, w.args = append(w.conds, cond), append(w.args, args...)
}

// SQL is " WHERE c1 AND c2 ..." or "" without conditions.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Args returns the arguments so far followed by more.
func (w *Where) Args(more ...any) []any {
	return append(append([]any(nil), w.args...), more...)
}

// IsNoRows reports whether err says a query returned no row.
func IsNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}

// Collect runs query on c and scans every row with scan, returning a
// non-nil slice.
func Collect[T any](ctx context.Context, c Conn, query string, args []any, scan func(Scanner) (T, error)) ([]T, error) {
	out := []T{}
	err := c.Query(ctx, query, args, func(s Scanner) error {
		v, err := scan(s)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
