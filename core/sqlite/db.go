package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
	"github.com/periscope-hq/periscope/migrations"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is a core.Store over one SQLite file. It is safe for concurrent use.
type DB struct {
	// Store has the methods whose SQL is shared with core/postgres.
	sqlq.Store
	path string
	now  core.Clock
	wdb  *sql.DB // the one writer connection
	rdb  *sql.DB // query-only readers
	wmu  sync.Mutex
	ws   *writeStmts // prepared lazily under wmu
	ckpt *checkpointer
	// codec compresses event bodies with each project's dictionary.
	codec *dbutil.Codec
	// log reports what goes wrong beside a request (a dictionary that
	// could not be trained or saved).
	log *slog.Logger
	// Caches filled after commits, touched only under wmu: the issue id by
	// (project, hash), and the stored row of recently written issues.
	cache  map[fpKey]int64
	issues map[int64]*dbutil.IssueRow
	fpLim  int // bound of each cache
	closed bool
	full   bool // a write failed for a full disk: make room first (under wmu)
	// reserve is the size of the file beside the database whose space
	// is freed for the checkpoint after the disk filled (see room).
	reserve int64
	// tags holds the counts of known tag values between flushes
	// (search.go).
	tags *dbutil.TagCounter
}

type fpKey struct {
	project int64
	hash    string
}

var _ core.Store = (*DB)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	log       *slog.Logger
	clock     core.Clock
	migrate   bool
	readConns int
	cacheSize int
	sync      string
	reserve   int64
}

// WithLogger makes the store report to l what fails outside a caller's
// request (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClock makes the store read the time from c (tests).
func WithClock(c core.Clock) Option { return func(o *options) { o.clock = c } }

// WithMigrate makes Open apply pending migrations (as Migrate does).
func WithMigrate() Option { return func(o *options) { o.migrate = true } }

// WithSynchronous sets the writer's PRAGMA synchronous: "full" (the
// default) syncs the WAL on every commit, so a committed transaction
// survives a power loss; "normal" syncs only at checkpoints, so a power
// loss (not a process crash) may undo the last commits.
func WithSynchronous(mode string) Option { return func(o *options) { o.sync = mode } }

// WithReadConns sets the size of the read pool (default: GOMAXPROCS, at
// least 2).
func WithReadConns(n int) Option { return func(o *options) { o.readConns = n } }

// WithIssueCache bounds each in-memory cache of the writer, issue ids by
// fingerprint and recently written issue rows (default 100,000 entries;
// a full cache is emptied and refills).
func WithIssueCache(n int) Option { return func(o *options) { o.cacheSize = n } }

// WithReserve sets the size of the reserve file kept beside the database
// (path + "-reserve", default 4 MiB; 0 keeps none). When the disk fills,
// its space lets a checkpoint copy the WAL into the database file and cut
// the WAL, which would otherwise hold the disk full for good; it is written
// again before the next write. It should exceed what one checkpoint
// interval (a quarter of a second) adds to the database.
func WithReserve(n int64) Option { return func(o *options) { o.reserve = n } }

// Open opens (creating it and its parent directory when missing) the SQLite
// database at path and refuses a schema newer than this binary knows (a
// *migrations.TooNewError). It applies no migration unless WithMigrate is
// given: call Migrate; until then Ping reports the pending ones.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := options{clock: time.Now, log: slog.Default(), readConns: max(2, runtime.GOMAXPROCS(0)), cacheSize: 100_000, reserve: defaultReserve}
	for _, opt := range opts {
		opt(&o)
	}
	switch o.sync {
	case "", "full":
		o.sync = "FULL"
	case "normal":
		o.sync = "NORMAL"
	default:
		return nil, core.FieldErrorf("database.sqlite.synchronous", "%q must be \"full\" or \"normal\"", o.sync)
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return nil, core.FieldErrorf("database.sqlite.path", "sqlite path %q must be a plain file path", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory for %s: %w", path, err)
		}
	}
	if err := initFile(ctx, path); err != nil {
		return nil, err
	}
	db := &DB{path: path, now: o.clock, log: o.log, cache: map[fpKey]int64{}, issues: map[int64]*dbutil.IssueRow{}, fpLim: o.cacheSize, reserve: o.reserve,
		tags: dbutil.NewTagCounter(8 * o.cacheSize)}

	pragmas := url.Values{}
	pragmas.Add("_pragma", "busy_timeout(10000)")
	pragmas.Add("_pragma", "foreign_keys(1)")
	pragmas.Add("_pragma", "temp_store(MEMORY)")
	w := url.Values{"_txlock": {"immediate"}}
	for _, p := range append(pragmas["_pragma"], "journal_mode(WAL)", "synchronous("+o.sync+")",
		"cache_size(-32000)", "journal_size_limit(67108864)", "wal_autocheckpoint(20000)") {
		w.Add("_pragma", p)
	}
	r := url.Values{}
	for _, p := range append(pragmas["_pragma"], "query_only(1)", "cache_size(-8000)") {
		r.Add("_pragma", p)
	}
	var err error
	if db.wdb, err = sql.Open("sqlite", path+"?"+w.Encode()); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.wdb.SetMaxOpenConns(1)
	db.wdb.SetMaxIdleConns(1)
	db.wdb.SetConnMaxLifetime(0)
	db.wdb.SetConnMaxIdleTime(0)
	if err := db.wdb.PingContext(ctx); err != nil {
		db.wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if db.rdb, err = sql.Open("sqlite", path+"?"+r.Encode()); err != nil {
		db.wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.rdb.SetMaxOpenConns(o.readConns)
	db.rdb.SetMaxIdleConns(o.readConns)
	db.rdb.SetConnMaxIdleTime(5 * time.Minute)
	// Dictionaries are saved on the writer connection; the codec's caller
	// holds wmu.
	db.codec = dbutil.NewCodec(sqlq.DictStore{Read: conn{db.rdb}, Save: conn{db.wdb}})
	db.Store = sqlq.NewStore(conn{db.rdb}, db.writeTx, db.clock, db.codec)

	ck, err := sql.Open("sqlite", path+"?"+pragmas.Encode())
	if err != nil {
		db.wdb.Close()
		db.rdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ck.SetMaxOpenConns(1)
	db.ckpt = startCheckpointer(ck)
	if err := db.open(ctx, o.migrate); err != nil {
		db.closeAll()
		return nil, err
	}
	// A disk too full for the reserve makes the first write make room.
	db.full = db.makeReserve() != nil
	return db, nil
}

// pageSize is the page size of new database files: larger than SQLite's
// 4 KiB default because events carry kilobytes of compressed payload, and
// every page costs a WAL frame write at commit.
var pageSize = 8192

// initFile sets the page size and WAL mode of a database file that does not
// exist yet or is empty (the page size is fixed once the file has a page).
func initFile(ctx context.Context, path string) error {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, fmt.Sprintf(`PRAGMA page_size = %d`, pageSize)); err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	if _, err := raw.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return nil
}

func (db *DB) open(ctx context.Context, migrate bool) error {
	if _, err := db.wdb.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	applied, err := db.applied(ctx, db.wdb)
	if err != nil {
		return err
	}
	if _, err := migrations.Plan(migrations.SQLite, applied); err != nil {
		return err
	}
	if migrate {
		return db.Migrate(ctx)
	}
	return nil
}

// applied returns the versions recorded in schema_migrations (none when the
// table does not exist yet).
func (db *DB) applied(ctx context.Context, q querier) ([]int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlite: read schema version: %w", err)
	} else if n == 0 {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// Pending returns the migrations not yet applied, in order; a
// *migrations.TooNewError for a schema newer than the binary.
func (db *DB) Pending(ctx context.Context) ([]migrations.Migration, error) {
	applied, err := db.applied(ctx, db.rdb)
	if err != nil {
		return nil, err
	}
	return migrations.Plan(migrations.SQLite, applied)
}

// Migrate applies the pending migrations, each in its own transaction
// recorded in schema_migrations. It fails with a *migrations.TooNewError
// for a schema newer than the binary; migrations applied before a failing
// one stay applied.
func (db *DB) Migrate(ctx context.Context) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	applied, err := db.applied(ctx, db.wdb)
	if err != nil {
		return err
	}
	pending, err := migrations.Plan(migrations.SQLite, applied)
	if err != nil {
		return err
	}
	for _, m := range pending {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, db.now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// SchemaVersion returns the highest migration version applied (0 for an
// empty database) and the highest this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (database, binary int, err error) {
	applied, err := db.applied(ctx, db.rdb)
	if err != nil {
		return 0, 0, err
	}
	database, binary = migrations.Versions(migrations.SQLite, applied)
	return database, binary, nil
}

// Ping reports whether the database answers and every migration is applied
// (a *migrations.PendingError or *migrations.TooNewError otherwise).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	applied, err := db.applied(ctx, db.rdb)
	if err != nil {
		return err
	}
	return migrations.CheckCurrent(migrations.SQLite, applied)
}

// Close waits for the write in progress, then closes the database; a second
// Close does nothing.
func (db *DB) Close() error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	db.flushTags()
	if db.ws != nil {
		db.ws.close()
		db.ws = nil
	}
	_, _ = db.wdb.Exec(`PRAGMA optimize`)
	return db.closeAll()
}

func (db *DB) closeAll() error {
	return errors.Join(db.ckpt.close(), db.rdb.Close(), db.wdb.Close())
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx runs fn in a transaction on the writer connection; the caller holds
// wmu.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := db.room(ctx); err != nil {
		return err
	}
	tx, err := db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	db.ckpt.wrote()
	return nil
}

// write runs fn in a write transaction, taking the writer mutex.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.tx(ctx, fn)
}

// clock returns the current time in UTC, microseconds.
func (db *DB) clock() time.Time { return dbutil.UTC(db.now()) }
