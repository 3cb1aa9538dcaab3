package itest

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/zstd"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// benchData describes the dataset of BenchmarkIssueListing: events spread
// over groups issues of one project, every group once and then a skewed mix,
// with timestamps over the 30 days before now, three environments, four
// levels and seven releases (benchEvent); every fifth issue is then resolved
// and every tenth ignored.
type benchData struct {
	events, groups int
	now            time.Time // the stores' clock while loading
}

// each calls fn for every event in write order: its number n, its group g
// and its timestamp.
func (d benchData) each(fn func(n, g int, ts time.Time) error) error {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < d.events; n++ {
		g := n
		if n >= d.groups { // every group once, then a skewed mix
			g = int(float64(d.groups) * rng.Float64() * rng.Float64())
		}
		if err := fn(n, g, d.now.Add(-time.Duration(rng.Int64N(int64(30*24*time.Hour))))); err != nil {
			return err
		}
	}
	return nil
}

// openStore opens the bench store at path (SQLite) or url (Postgres) with
// the dataset's clock.
func (d benchData) openStore(ctx context.Context, db DB, path string) (core.Store, error) {
	clock := func() time.Time { return d.now }
	if db.Name == "postgres" {
		return postgres.Open(ctx, db.PostgresURL, postgres.WithMigrate(), postgres.WithClock(clock))
	}
	return sqlite.Open(ctx, path, sqlite.WithMigrate(), sqlite.WithClock(clock))
}

// replayWriter loads into db (at path, for SQLite) the events that
// loadBulk left in from (at fromPath) the slow, obviously right way: every
// one, in the order of their ids, through the store's WriteEvents in
// batches of 1,000 as the pipeline writes them, each as benchEvent makes
// it; then it sets the statuses as loadBulk does. It returns the project
// id.
func (d benchData) replayWriter(tb testing.TB, db DB, path string, from DB, fromPath string) int64 {
	tb.Helper()
	ctx := context.Background()
	type ev struct {
		n, g int
		ts   time.Time
	}
	var events []ev
	add := func(eventID, hash string, ts time.Time) error {
		n, err := strconv.ParseInt(eventID[16:], 16, 64)
		if err != nil {
			return err
		}
		g, err := strconv.Atoi(hash[24:])
		events = append(events, ev{int(n) - 1, g, ts})
		return err
	}
	const q = `SELECT event_id, grouping_hash, timestamp FROM events ORDER BY id`
	if from.Name == "postgres" {
		conn, err := pgx.Connect(ctx, from.PostgresURL)
		if err != nil {
			tb.Fatal(err)
		}
		defer conn.Close(ctx)
		var id, hash string
		var ts time.Time
		rows, err := conn.Query(ctx, q)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := pgx.ForEachRow(rows, []any{&id, &hash, &ts}, func() error { return add(id, hash, ts) }); err != nil {
			tb.Fatal(err)
		}
	} else {
		sdb, err := sql.Open("sqlite", fromPath+"?_pragma=query_only(1)")
		if err != nil {
			tb.Fatal(err)
		}
		defer sdb.Close()
		rows, err := sdb.QueryContext(ctx, q)
		if err != nil {
			tb.Fatal(err)
		}
		for rows.Next() {
			var id, hash string
			var us int64
			if err := rows.Scan(&id, &hash, &us); err != nil {
				tb.Fatal(err)
			}
			if err := add(id, hash, time.UnixMicro(us)); err != nil {
				tb.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	st, err := d.openStore(ctx, db, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	p := &core.Project{Name: "bench"}
	if err := st.CreateProject(ctx, p); err != nil {
		tb.Fatal(err)
	}
	issueOf := make([]int64, d.groups)
	for lo := 0; lo < len(events); lo += 1000 {
		var batch []*core.EventWrite
		for _, e := range events[lo:min(lo+1000, len(events))] {
			batch = append(batch, &core.EventWrite{Event: benchEvent(p.ID, e.g, e.n, e.ts)})
		}
		res, err := st.WriteEvents(ctx, batch)
		if err != nil {
			tb.Fatal(err)
		}
		for i, r := range res {
			issueOf[events[lo+i].g] = r.IssueID
		}
	}
	if err := setStatuses(ctx, st, issueOf); err != nil {
		tb.Fatal(err)
	}
	return p.ID
}

// write stores the first n events of the dataset through WriteEvents and
// records the issue of each group in issueOf.
func (d benchData) write(ctx context.Context, st core.Store, projectID int64, n int, issueOf []int64) error {
	const batchSize = 1000
	batch := make([]*core.EventWrite, 0, batchSize)
	flush := func() error {
		res, err := st.WriteEvents(ctx, batch)
		if err != nil {
			return err
		}
		for i, r := range res {
			g, _ := strconv.Atoi(batch[i].Event.Grouping.Hash[24:])
			issueOf[g] = r.IssueID
		}
		batch = batch[:0]
		return nil
	}
	errStop := fmt.Errorf("stop")
	err := d.each(func(i, g int, ts time.Time) error {
		if i >= n {
			return errStop
		}
		batch = append(batch, &core.EventWrite{Event: benchEvent(projectID, g, i, ts)})
		if len(batch) == batchSize {
			return flush()
		}
		return nil
	})
	if err != nil && err != errStop {
		return err
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}

// setStatuses resolves every fifth issue and ignores every tenth, through
// the store.
func setStatuses(ctx context.Context, st core.Store, issueOf []int64) error {
	resolved, ignored := core.StatusResolved, core.StatusIgnored
	for g, id := range issueOf {
		var upd core.IssueUpdate
		switch {
		case g%10 == 0:
			upd.Status = &ignored
		case g%5 == 0:
			upd.Status = &resolved
		default:
			continue
		}
		if _, err := st.UpdateIssue(ctx, id, upd); err != nil {
			return err
		}
	}
	return nil
}

// loadBulk loads the same dataset as loadWriter, fast enough for 10,000,000
// events: the first event of every group goes through WriteEvents (which
// creates the issues, their fingerprints, alerts, search text and tag
// rows), the rest is written straight into events (a multi-row prepared
// INSERT in large transactions on SQLite, COPY on Postgres) and folded into
// the issues' counters, seen times and newest event, issue_hourly,
// stats_hourly and the issue_tags counts with one statement each, exactly
// as WriteEvents would have left them (TestBenchLoadMatchesWriter checks
// it). The fold relies on what benchEvent makes: every event of a group
// has the same title, culprit, level, release, environment and tags, so only
// counts, seen times and the newest event id move. It returns the project
// id.
func (d benchData) loadBulk(tb testing.TB, db DB, path string) int64 {
	tb.Helper()
	ctx := context.Background()
	st, err := d.openStore(ctx, db, path)
	if err != nil {
		tb.Fatal(err)
	}
	p := &core.Project{Name: "bench"}
	if err := st.CreateProject(ctx, p); err != nil {
		tb.Fatal(err)
	}
	issueOf := make([]int64, d.groups)
	seed := min(d.groups, d.events)
	t0 := time.Now()
	if err := d.write(ctx, st, p.ID, seed, issueOf); err != nil {
		tb.Fatal(err)
	}
	if err := st.Close(); err != nil { // writes the tag counts it holds
		tb.Fatal(err)
	}
	tb.Logf("%s: %d events through WriteEvents in %v", db.Name, seed, time.Since(t0).Round(time.Second))
	t0 = time.Now()
	if d.events > seed {
		if db.Name == "postgres" {
			err = d.bulkPostgres(ctx, db.PostgresURL, p.ID, seed, issueOf)
		} else {
			err = d.bulkSQLite(ctx, path, p.ID, seed, issueOf)
		}
		if err != nil {
			tb.Fatal(err)
		}
		tb.Logf("%s: %d events bulk written and folded in %v", db.Name, d.events-seed, time.Since(t0).Round(time.Second))
	}
	t0 = time.Now()
	if st, err = d.openStore(ctx, db, path); err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	if err := setStatuses(ctx, st, issueOf); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("%s: statuses set in %v", db.Name, time.Since(t0).Round(time.Second))
	return p.ID
}

// Bulk events are made in SQL from their number n: the group is
// groups × r1 × r2 (a skewed mix, like benchData.each) and the timestamp
// now minus r3 × 30 days, where r1, r2 and r3 are n times an odd constant,
// modulo 2³², over 2³² (multiplicative hashing: spread evenly, and the
// same on both databases).
const (
	bulkR1 = `((n * 2654435761) % 4294967296) / CAST(4294967296 AS DOUBLE PRECISION)`
	bulkR2 = `((n * 2246822519) % 4294967296) / CAST(4294967296 AS DOUBLE PRECISION)`
	bulkR3 = `((n * 3266489917) % 4294967296) / CAST(4294967296 AS DOUBLE PRECISION)`
	month  = 30 * 24 * 3600 * 1_000_000 // microseconds
)

// bulkPayload is the payload of every bulk event: the listing reads no
// body, so a placeholder keeps them small (and readable).
const bulkPayload = `{"platform":"javascript","message":"bulk benchmark event"}`

// bulkBody is the version 1 body (dbutil.EncodeBody, which every store
// still reads) of bulkPayload: a zstd frame of byte 1, the payload's length
// as a uvarint, the payload.
func bulkBody() []byte {
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithZeroFrames(true))
	defer enc.Close()
	raw := binary.AppendUvarint([]byte{1}, uint64(len(bulkPayload)))
	return enc.EncodeAll(append(raw, bulkPayload...), nil)
}

// eventCols are the columns bulk loading writes.
const eventCols = `project_id, event_id, issue_id, timestamp, received, title, culprit, level, platform, release,
	environment, tags, sdk_name, sdk_version, grouping_decided_by, grouping_name, grouping_config, grouping_hash,
	grouping_components, grouping_title, body`

// bulkDialect is what bulkSelect writes differently per database.
type bulkDialect struct {
	text  func(expr string) string // an integer as text
	hex16 func(expr string) string // an integer as 16 lowercase hex digits
	time  func(expr string) string // microseconds as the schema stores times
	pad8  func(expr string) string // an integer as at least 8 decimal digits
}

// bulkSelect selects eventCols for the rows (n, g, ts) of from: what
// benchEvent and dbutil.Prepare make of event n of group g at ts
// (microseconds). Its parameters are the project id, then the body, then
// those of from.
func bulkSelect(d bulkDialect, from string) string {
	g := d.text("g")
	return `SELECT ?1, ` + d.hex16("?1") + ` || ` + d.hex16("n + 1") + `,
		(SELECT issue_id FROM bulk_group b WHERE b.g = r.g), ` + d.time("ts") + `, ` + d.time("ts + 50000") + `,
		'TypeError: Cannot read properties of undefined (reading ''item' || ` + g + ` || ''')',
		'app/' || (CASE g % 5 WHEN 0 THEN 'checkout' WHEN 1 THEN 'cart' WHEN 2 THEN 'search' WHEN 3 THEN 'account' ELSE 'orders' END)
			|| '/handler' || ` + d.text("g % 97") + ` || '.js in handle' || ` + g + `,
		CASE g % 4 WHEN 2 THEN 'warning' WHEN 3 THEN 'fatal' ELSE 'error' END, 'javascript', 'shop@1.4.' || ` + d.text("g % 7") + `,
		CASE g % 3 WHEN 0 THEN 'production' WHEN 1 THEN 'staging' ELSE 'development' END,
		'[["route","/api/items/' || ` + g + ` || '"],["browser.name","' ||
			(CASE g % 4 WHEN 0 THEN 'Chrome' WHEN 1 THEN 'Firefox' WHEN 2 THEN 'Safari' ELSE 'Edge' END) || '"]]',
		'sentry.javascript.node', '8.0.0', 'default', '', '', '000000000000000000000000' || ` + d.pad8("g") + `,
		'', '', ?2
	FROM ` + from
}

// bulkChunk is how many events one bulk statement (and transaction)
// writes.
const bulkChunk = 1_000_000

// bulkSQLite writes events from..events-1 with INSERT ... SELECT over a
// recursive CTE, a million per transaction, then folds them (foldSQLite).
func (d benchData) bulkSQLite(ctx context.Context, path string, projectID int64, from int, issueOf []int64) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-1000000)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var mark int64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&mark); err != nil {
		return err
	}
	groups, _ := json.Marshal(issueOf)
	if _, err := db.ExecContext(ctx, `CREATE TEMP TABLE bulk_group (g INTEGER PRIMARY KEY, issue_id INTEGER NOT NULL)`); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO bulk_group SELECT key, value FROM json_each(?)`, string(groups)); err != nil {
		return err
	}
	dialect := bulkDialect{
		text:  func(e string) string { return "CAST(" + e + " AS TEXT)" },
		hex16: func(e string) string { return "printf('%016x', " + e + ")" },
		time:  func(e string) string { return e },
		pad8:  func(e string) string { return "printf('%08d', " + e + ")" },
	}
	q := `INSERT INTO events (` + eventCols + `) ` + bulkSelect(dialect, fmt.Sprintf(
		`(WITH RECURSIVE s(n) AS (SELECT ?3 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < ?4)
		SELECT n, CAST(%d * (%s) * (%s) AS INTEGER) AS g, ?5 - CAST((%s) * %d AS INTEGER) AS ts FROM s) r`,
		d.groups, bulkR1, bulkR2, bulkR3, month))
	body := bulkBody()
	for lo := from; lo < d.events; lo += bulkChunk {
		if _, err := db.ExecContext(ctx, q, projectID, body, lo, min(lo+bulkChunk, d.events), d.now.UnixMicro()); err != nil {
			return fmt.Errorf("bulk insert events: %w", err)
		}
	}
	return execAll(ctx, db, mark, foldSQLite)
}

// foldSQLite folds the events with id > ? into the tables WriteEvents
// keeps beside them (see loadBulk; times are microseconds).
var foldSQLite = []string{
	`CREATE TEMP TABLE bulk_agg AS SELECT issue_id, count(*) AS n, min(timestamp) AS fs, max(timestamp) AS ls
		FROM events WHERE id > ?1 GROUP BY issue_id`,
	// The newest event (a later one wins ties) gives last_event_id; the
	// SET expressions read the row as it was.
	`UPDATE issues SET count = count + a.n, first_seen = min(first_seen, a.fs), last_seen = max(last_seen, a.ls),
		last_event_id = CASE WHEN a.ls >= last_seen THEN (SELECT e.event_id FROM events e
			WHERE e.issue_id = issues.id AND e.timestamp = a.ls ORDER BY e.id DESC LIMIT 1) ELSE last_event_id END
		FROM bulk_agg a WHERE issues.id = a.issue_id`,
	`INSERT INTO issue_hourly (issue_id, hour, count)
		SELECT issue_id, timestamp - timestamp % 3600000000, count(*) FROM events WHERE id > ?1 GROUP BY 1, 2
		ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + excluded.count`,
	`INSERT INTO stats_hourly (project_id, hour, stored)
		SELECT project_id, received - received % 3600000000, count(*) FROM events WHERE id > ?1 GROUP BY 1, 2
		ON CONFLICT (project_id, hour) DO UPDATE SET stored = stored + excluded.stored`,
	// Every event of an issue carries the values of its first one.
	`UPDATE issue_tags SET count = count + a.n, last_seen = max(last_seen, a.ls)
		FROM bulk_agg a WHERE issue_tags.issue_id = a.issue_id`,
	`DROP TABLE bulk_agg`,
}

func execAll(ctx context.Context, db *sql.DB, mark int64, stmts []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range stmts {
		var args []any
		if strings.Contains(q, "?1") {
			args = []any{mark}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("bulk fold: %w\n%s", err, q)
		}
	}
	return tx.Commit()
}

// bulkPostgres writes events from..events-1 with INSERT ... SELECT over
// generate_series, a million per transaction, folds them (foldPostgres)
// and runs VACUUM ANALYZE, as autovacuum would after such a load.
func (d benchData) bulkPostgres(ctx context.Context, url string, projectID int64, from int, issueOf []int64) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var mark int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&mark); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE bulk_group (g INTEGER PRIMARY KEY, issue_id BIGINT NOT NULL)`); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `INSERT INTO bulk_group SELECT o - 1, id FROM unnest($1::bigint[]) WITH ORDINALITY AS u (id, o)`, issueOf); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `ANALYZE bulk_group`); err != nil {
		return err
	}
	dialect := bulkDialect{
		text:  func(e string) string { return "(" + e + ")::text" },
		hex16: func(e string) string { return "lpad(to_hex(" + e + "), 16, '0')" },
		time:  func(e string) string { return "'epoch'::timestamptz + (" + e + ") * interval '1 microsecond'" },
		pad8:  func(e string) string { return "lpad((" + e + ")::text, 8, '0')" },
	}
	q := `INSERT INTO events (` + eventCols + `) ` + bulkSelect(dialect, fmt.Sprintf(
		`(SELECT n, floor(%d * (%s) * (%s))::int AS g, $5::bigint - floor((%s) * %d)::bigint AS ts
		FROM generate_series($3::bigint, $4::bigint - 1) AS n) r`,
		d.groups, bulkR1, bulkR2, bulkR3, month))
	q = strings.NewReplacer("?1", "$1::bigint", "?2", "$2::bytea", "'[[", "('[[", `"]]'`, `"]]')::jsonb`).Replace(q)
	body := bulkBody()
	for lo := from; lo < d.events; lo += bulkChunk {
		if _, err := conn.Exec(ctx, q, projectID, body, lo, min(lo+bulkChunk, d.events), d.now.UnixMicro()); err != nil {
			return fmt.Errorf("bulk insert events: %w", err)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for _, q := range foldPostgres {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{mark}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("bulk fold: %w\n%s", err, q)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `VACUUM ANALYZE`)
	return err
}

// foldPostgres is foldSQLite for Postgres (hours in UTC).
var foldPostgres = []string{
	`SET LOCAL work_mem = '256MB'`,
	`CREATE TEMP TABLE bulk_agg ON COMMIT DROP AS SELECT issue_id, count(*) AS n, min(timestamp) AS fs, max(timestamp) AS ls
		FROM events WHERE id > $1 GROUP BY issue_id`,
	`UPDATE issues i SET count = i.count + a.n, first_seen = least(i.first_seen, a.fs), last_seen = greatest(i.last_seen, a.ls),
		last_event_id = CASE WHEN a.ls >= i.last_seen THEN (SELECT e.event_id FROM events e
			WHERE e.issue_id = i.id AND e.timestamp = a.ls ORDER BY e.id DESC LIMIT 1) ELSE i.last_event_id END
		FROM bulk_agg a WHERE i.id = a.issue_id`,
	`INSERT INTO issue_hourly (issue_id, hour, count)
		SELECT issue_id, date_trunc('hour', timestamp, 'UTC'), count(*) FROM events WHERE id > $1 GROUP BY 1, 2
		ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hourly.count + excluded.count`,
	`INSERT INTO stats_hourly (project_id, hour, stored)
		SELECT project_id, date_trunc('hour', received, 'UTC'), count(*) FROM events WHERE id > $1 GROUP BY 1, 2
		ON CONFLICT (project_id, hour) DO UPDATE SET stored = stats_hourly.stored + excluded.stored`,
	`UPDATE issue_tags t SET count = t.count + a.n, last_seen = greatest(t.last_seen, a.ls)
		FROM bulk_agg a WHERE t.issue_id = a.issue_id`,
}

// loadBenchData loads BenchmarkIssueListing's dataset (loadBulk) into the
// database of s and returns the project id.
func loadBenchData(b *testing.B, s *Server, d DB, events, groups int) int64 {
	b.Helper()
	start := time.Now()
	data := benchData{events: events, groups: groups, now: time.Now().UTC()}
	id := data.loadBulk(b, d, filepath.Join(s.Dir, "data", "periscope.db"))
	b.Logf("%s: loaded %d events in %d issues in %v", d.Name, events, groups, time.Since(start).Round(time.Second))
	return id
}
