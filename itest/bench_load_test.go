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

// loadWriter loads the dataset the slow, obviously right way: every event
// through the store's WriteEvents, in batches of 1,000, as the pipeline
// writes them. It returns the project id.
func (d benchData) loadWriter(tb testing.TB, db DB, path string) int64 {
	tb.Helper()
	ctx := context.Background()
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
	if err := d.write(ctx, st, p.ID, d.events, issueOf); err != nil {
		tb.Fatal(err)
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
	if err := d.write(ctx, st, p.ID, seed, issueOf); err != nil {
		tb.Fatal(err)
	}
	if err := st.Close(); err != nil { // writes the tag counts it holds
		tb.Fatal(err)
	}
	if d.events > seed {
		rows := make(chan []bulkRow, 4)
		go d.bulkRows(p.ID, seed, issueOf, rows)
		if db.Name == "postgres" {
			err = bulkPostgres(ctx, db.PostgresURL, p.ID, rows)
		} else {
			err = bulkSQLite(ctx, path, p.ID, rows)
		}
		for range rows { // drain after an error
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	if st, err = d.openStore(ctx, db, path); err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	if err := setStatuses(ctx, st, issueOf); err != nil {
		tb.Fatal(err)
	}
	return p.ID
}

// bulkRow is one row of events as WriteEvents stores benchEvent's event,
// with a small body.
type bulkRow struct {
	eventID                        string
	issueID                        int64
	ts, received                   time.Time
	title, culprit, level, release string
	env, tags, hash                string
	body                           []byte
}

// bulkRows sends the events from number from on, in chunks, and closes
// out.
func (d benchData) bulkRows(projectID int64, from int, issueOf []int64, out chan<- []bulkRow) {
	defer close(out)
	type group struct{ title, culprit, level, release, env, tags, hash string }
	groups := make([]group, d.groups)
	for g := range groups {
		e := benchEvent(projectID, g, 0, d.now)
		pairs := make([][2]string, len(e.Tags))
		for i, t := range e.Tags {
			pairs[i] = [2]string{t.Key, t.Value}
		}
		tags, _ := json.Marshal(pairs) // as dbutil.EncodeTags
		groups[g] = group{e.Title, e.Culprit, e.Level, e.Release, e.Environment, string(tags), e.Grouping.Hash}
	}
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithZeroFrames(true))
	defer enc.Close()
	const chunk = 5000
	rows := make([]bulkRow, 0, chunk)
	_ = d.each(func(n, g int, ts time.Time) error {
		if n < from {
			return nil
		}
		gr := groups[g]
		ts = ts.UTC().Truncate(time.Microsecond)
		id := fmt.Sprintf("%016x%016x", uint64(projectID), uint64(n)+1)
		rows = append(rows, bulkRow{eventID: id, issueID: issueOf[g], ts: ts, received: ts.Add(50 * time.Millisecond),
			title: gr.title, culprit: gr.culprit, level: gr.level, release: gr.release, env: gr.env, tags: gr.tags,
			hash: gr.hash, body: bulkBody(enc, id, ts)})
		if len(rows) == chunk {
			out <- rows
			rows = make([]bulkRow, 0, chunk)
		}
		return nil
	})
	if len(rows) > 0 {
		out <- rows
	}
}

// bulkBody is a version 1 event body (dbutil.EncodeBody, which every store
// still reads): a zstd frame of byte 1, the payload's length as a uvarint
// and a small payload.
func bulkBody(enc *zstd.Encoder, eventID string, ts time.Time) []byte {
	payload := fmt.Sprintf(`{"event_id":%q,"timestamp":%q,"platform":"javascript"}`, eventID, ts.Format(time.RFC3339Nano))
	raw := binary.AppendUvarint([]byte{1}, uint64(len(payload)))
	return enc.EncodeAll(append(raw, payload...), nil)
}

// eventCols are the columns bulk loading writes, in bulkRow's order after
// project_id.
const eventCols = `project_id, event_id, issue_id, timestamp, received, title, culprit, level, platform, release,
	environment, tags, sdk_name, sdk_version, grouping_decided_by, grouping_name, grouping_config, grouping_hash,
	grouping_components, grouping_title, body`

func (r *bulkRow) values(projectID int64, t func(time.Time) any) []any {
	return []any{projectID, r.eventID, r.issueID, t(r.ts), t(r.received), r.title, r.culprit, r.level, "javascript",
		r.release, r.env, r.tags, "sentry.javascript.node", "8.0.0", "default", "", "", r.hash, "", "", r.body}
}

// bulkSQLite inserts the rows in transactions of 500,000, 100 rows per
// statement, then folds them (foldSQLite).
func bulkSQLite(ctx context.Context, path string, projectID int64, in <-chan []bulkRow) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-1000000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var mark int64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&mark); err != nil {
		return err
	}
	const per = 100
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", 21), ", ") + ")"
	insertSQL := func(n int) string {
		return `INSERT INTO events (` + eventCols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(ph+", ", n), ", ")
	}
	us := func(t time.Time) any { return t.UnixMicro() }
	var tx *sql.Tx
	var stmt *sql.Stmt
	inTx := 0
	commit := func() error {
		if tx == nil {
			return nil
		}
		stmt.Close()
		err := tx.Commit()
		tx, inTx = nil, 0
		return err
	}
	args := make([]any, 0, per*21)
	for rows := range in {
		for len(rows) > 0 {
			if tx == nil {
				if tx, err = db.BeginTx(ctx, nil); err != nil {
					return err
				}
				if stmt, err = tx.PrepareContext(ctx, insertSQL(per)); err != nil {
					return err
				}
			}
			k := min(per, len(rows))
			args = args[:0]
			for i := range rows[:k] {
				args = append(args, rows[i].values(projectID, us)...)
			}
			st := stmt
			if k < per {
				if st, err = tx.PrepareContext(ctx, insertSQL(k)); err != nil {
					return err
				}
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("bulk insert events: %w", err)
			}
			if st != stmt {
				st.Close()
			}
			rows, inTx = rows[k:], inTx+k
			if inTx >= 500_000 {
				if err := commit(); err != nil {
					return err
				}
			}
		}
	}
	if err := commit(); err != nil {
		return err
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

// bulkPostgres copies the rows into events, folds them (foldPostgres) and
// runs VACUUM ANALYZE, as autovacuum would after such a load.
func bulkPostgres(ctx context.Context, url string, projectID int64, in <-chan []bulkRow) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var mark int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&mark); err != nil {
		return err
	}
	var cur []bulkRow
	same := func(t time.Time) any { return t }
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for len(cur) == 0 {
			rows, ok := <-in
			if !ok {
				return nil, nil
			}
			cur = rows
		}
		r := &cur[0]
		cur = cur[1:]
		return r.values(projectID, same), nil
	})
	cols := strings.Split(strings.NewReplacer("\n", "", "\t", "", " ", "").Replace(eventCols), ",")
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"events"}, cols, src); err != nil {
		return fmt.Errorf("copy events: %w", err)
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
