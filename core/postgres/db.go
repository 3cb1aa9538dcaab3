package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
	"github.com/periscope-hq/periscope/migrations"
)

// DB is a core.Store over a PostgreSQL database. It is safe for concurrent
// use, also by several processes sharing the database.
type DB struct {
	// Store has the methods whose SQL is shared with core/sqlite.
	sqlq.Store
	pool *pgxpool.Pool
	now  core.Clock
	// codec compresses event bodies with each project's dictionary.
	codec *dbutil.Codec
	// log reports what goes wrong beside a request (a dictionary that
	// could not be trained or saved).
	log  *slog.Logger
	jobs jobs // sessions holding job locks (job.go)
	// tags holds the counts of known tag values between flushes
	// (search.go).
	tags *dbutil.TagCounter
}

var _ core.Store = (*DB)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	clock    core.Clock
	log      *slog.Logger
	migrate  bool
	maxConns int32
}

// WithLogger makes the store report to l what fails outside a caller's
// request (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClock makes the store read the time from c (tests).
func WithClock(c core.Clock) Option { return func(o *options) { o.clock = c } }

// WithMigrate makes Open apply pending migrations (as Migrate does).
func WithMigrate() Option { return func(o *options) { o.migrate = true } }

// WithMaxConns bounds the connection pool (default: pgxpool's, or the
// URL's pool_max_conns).
func WithMaxConns(n int32) Option { return func(o *options) { o.maxConns = n } }

// Open connects to the database at url (a postgres:// URL or a libpq
// key=value string), checks that it answers, and refuses a schema newer
// than this binary knows (a *migrations.TooNewError). It applies no
// migration unless WithMigrate is given: call Migrate; until then Ping
// reports the pending ones.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	o := options{clock: time.Now, log: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad database URL: %w", err)
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := &DB{pool: pool, now: o.clock, log: o.log, tags: dbutil.NewTagCounter(1 << 20)}
	db.codec = dbutil.NewCodec(sqlq.DictStore{Read: conn{pool}, Save: conn{pool}})
	db.Store = sqlq.NewStore(conn{pool}, db.writeTx, db.clock, db.codec)
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	applied, err := db.applied(ctx, pool)
	if err == nil {
		_, err = migrations.Plan(migrations.Postgres, applied)
	}
	if err == nil && o.migrate {
		err = db.Migrate(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Pool returns the connection pool (for tests and tools).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// applied returns the versions recorded in schema_migrations (none when the
// table does not exist yet).
func (db *DB) applied(ctx context.Context, q querier) ([]int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("postgres: read schema version: %w", err)
	} else if !exists {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("postgres: read schema version: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("postgres: read schema version: %w", err)
	}
	return vs, nil
}

// migrationLock is the advisory lock key that serializes migrators.
const migrationLock = 0x7065726973636f70 // "periscop"

// Migrate applies the pending migrations, each in its own transaction
// recorded in schema_migrations, holding an advisory lock so that nodes
// starting together migrate once. It fails with a *migrations.TooNewError
// for a schema newer than the binary.
func (db *DB) Migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("postgres: lock for migrations: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	applied, err := db.applied(ctx, conn)
	if err != nil {
		return err
	}
	pending, err := migrations.Plan(migrations.Postgres, applied)
	if err != nil {
		return err
	}
	for _, m := range pending {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, db.clock())
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// Pending returns the migrations not yet applied, in order; a
// *migrations.TooNewError for a schema newer than the binary.
func (db *DB) Pending(ctx context.Context) ([]migrations.Migration, error) {
	applied, err := db.applied(ctx, db.pool)
	if err != nil {
		return nil, err
	}
	return migrations.Plan(migrations.Postgres, applied)
}

// SchemaVersion returns the highest migration version applied (0 for an
// empty database) and the highest this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (database, binary int, err error) {
	applied, err := db.applied(ctx, db.pool)
	if err != nil {
		return 0, 0, err
	}
	database, binary = migrations.Versions(migrations.Postgres, applied)
	return database, binary, nil
}

// Ping reports whether the database answers and every migration is applied
// (a *migrations.PendingError or *migrations.TooNewError otherwise).
func (db *DB) Ping(ctx context.Context) error {
	applied, err := db.applied(ctx, db.pool)
	if err != nil {
		return err
	}
	return migrations.CheckCurrent(migrations.Postgres, applied)
}

// Close closes the pool, waiting for the connections in use to be
// released: writes in flight finish first.
func (db *DB) Close() error {
	db.flushTags()
	db.releaseJobs()
	db.pool.Close()
	return nil
}

// clock returns the current time in UTC, microseconds.
func (db *DB) clock() time.Time { return dbutil.UTC(db.now()) }

// tx runs fn in a transaction.
func (db *DB) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isUnique reports a unique constraint violation.
func isUnique(err error) bool { return pgCode(err) == "23505" }

// isForeignKey reports a foreign key violation.
func isForeignKey(err error) bool { return pgCode(err) == "23503" }

// isRetryable reports a deadlock or serialization failure: the transaction
// can be run again.
func isRetryable(err error) bool {
	c := pgCode(err)
	return c == "40P01" || c == "40001"
}

// utcPtr converts an optional time read from the database to UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// storageError wraps err in an EUNAVAILABLE *core.Error when it says the
// database cannot write now rather than that it refuses the data: no
// answer (the connection failed, broke or timed out), or an answer of
// class 08 (connection), 53 (insufficient resources: disk full, out of
// memory, too many connections), 57 (operator intervention: shutting
// down), 58 (system error: I/O), or read-only, serialization, deadlock and
// lock-timeout failures. Other errors are returned as they are.
func storageError(err error) error {
	if err == nil || core.ErrorCode(err) != core.EINTERNAL {
		return err
	}
	unavailable := false
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:2] == "53" || pe.Code[:2] == "57" || pe.Code[:2] == "58"):
			unavailable = true
		case pe.Code == "25006", pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03":
			unavailable = true
		}
	} else {
		var ce *pgconn.ConnectError
		var ne net.Error
		unavailable = errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
			errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) ||
			strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "closed pool")
	}
	if !unavailable {
		return err
	}
	return fmt.Errorf("%w (%w)", core.Errorf(core.EUNAVAILABLE, "postgres cannot write"), err)
}

// ProbeWrite commits a transaction that rewrites one row of
// schema_migrations unchanged: it fails as an event write would when the
// database cannot be written (read-only, disk full, unreachable), with an
// EUNAVAILABLE error.
func (db *DB) ProbeWrite(ctx context.Context) error {
	return storageError(db.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_migrations)`)
		return err
	}))
}
