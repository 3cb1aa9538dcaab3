package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// WriteEvents stores a batch in one transaction; see core.EventWriter. An
// event of an unknown project fails the whole batch with ENOTFOUND, an
// invalid one with EINVALID. A batch that deadlocks with another node's is
// retried a few times.
func (db *DB) WriteEvents(ctx context.Context, batch []*core.EventWrite) ([]core.WriteResult, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	ps, err := dbutil.Prepare(batch)
	if err != nil {
		return nil, err
	}
	encs, err := db.codec.Encoders(ctx, ps)
	if err != nil {
		return nil, storageError(err)
	}
	dbutil.Encode(ps, encs)
	for attempt := 1; ; attempt++ {
		b := &batchWriter{ps: ps, now: db.clock(), tags: db.tags}
		err := db.tx(ctx, func(tx pgx.Tx) error { return b.run(ctx, tx) })
		if err == nil {
			stored := make([]bool, len(ps))
			for i, r := range b.results {
				stored[i] = !r.Duplicate && ps[i].DupOf < 0
			}
			// A dictionary the batch completes is trained now; failing to
			// save it only leaves the project on its current one (the
			// events are stored).
			if err := db.codec.Observe(ctx, ps, stored, b.now); err != nil {
				db.log.Warn("store: no new compression dictionary; events stay on the current one", "err", err)
			}
			if b.committed != nil {
				b.committed()
			}
			return b.results, nil
		}
		if isForeignKey(err) {
			return nil, db.unknownProject(ctx, ps, err)
		}
		if !isRetryable(err) || attempt == 4 {
			return nil, storageError(err)
		}
		select {
		case <-ctx.Done():
			return nil, storageError(ctx.Err())
		case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
		}
	}
}

// unknownProject turns a foreign key failure of a batch into ENOTFOUND
// naming the first event whose project does not exist.
func (db *DB) unknownProject(ctx context.Context, ps []*dbutil.Prepared, cause error) error {
	ids := make([]int64, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.E.ProjectID)
	}
	rows, err := db.pool.Query(ctx, `SELECT id FROM projects WHERE id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("postgres: write events: %w", cause)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("postgres: write events: %w", cause)
	}
	for i, p := range ps {
		if !slices.Contains(found, p.E.ProjectID) {
			return &core.Error{Code: core.ENOTFOUND, Field: fmt.Sprintf("batch[%d].project_id", i),
				Message: fmt.Sprintf("project %d not found", p.E.ProjectID)}
		}
	}
	return fmt.Errorf("postgres: write events: %w", cause)
}

type fpKey struct {
	project int64
	hash    string
}

// batchWriter is the state of one WriteEvents transaction.
type batchWriter struct {
	ps      []*dbutil.Prepared
	now     time.Time
	results []core.WriteResult
	tags    *dbutil.TagCounter
	// committed runs after commit (search.go).
	committed func()
}

func (b *batchWriter) run(ctx context.Context, tx pgx.Tx) error {
	n := len(b.ps)
	issueIDs, stored := make([]int64, n), make([]bool, n)
	created, err := b.resolveIssues(ctx, tx, issueIDs)
	if err != nil {
		return err
	}
	if err := b.insertEvents(ctx, tx, issueIDs, stored); err != nil {
		return err
	}
	if err := b.duplicates(ctx, tx, issueIDs, stored, created); err != nil {
		return err
	}
	b.results = make([]core.WriteResult, n)
	for i := range b.ps {
		b.results[i] = core.WriteResult{IssueID: issueIDs[i], Duplicate: !stored[i]}
	}
	aggs := dbutil.Aggregate(b.ps, issueIDs, stored)
	if len(aggs) == 0 {
		return nil
	}
	return b.updateIssues(ctx, tx, aggs, created)
}

// resolveIssues finds or creates the issue of each (project, hash) of the
// batch and returns the created ones.
func (b *batchWriter) resolveIssues(ctx context.Context, tx pgx.Tx, issueIDs []int64) (map[int64]*dbutil.IssueRow, error) {
	first := map[fpKey]*dbutil.Prepared{}
	var keys []fpKey
	for _, p := range b.ps {
		k := fpKey{p.E.ProjectID, p.E.Grouping.Hash}
		if _, ok := first[k]; !ok && p.DupOf < 0 {
			first[k] = p
			keys = append(keys, k)
		}
	}
	// A stable order, so that concurrent batches lock in the same order.
	slices.SortFunc(keys, func(a, b fpKey) int {
		if a.project != b.project {
			return int(a.project - b.project)
		}
		return strings.Compare(a.hash, b.hash)
	})
	ids, err := lookupFingerprints(ctx, tx, keys)
	if err != nil {
		return nil, err
	}
	created := map[int64]*dbutil.IssueRow{}
	var missing []fpKey
	for _, k := range keys {
		if _, ok := ids[k]; !ok {
			missing = append(missing, k)
		}
	}
	if missing, err = linkFallbacks(ctx, tx, missing, first, b.now, ids); err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		var rows []*dbutil.IssueRow
		for _, k := range missing {
			rows = append(rows, dbutil.NewIssueRow(first[k], b.now))
		}
		if err := createIssues(ctx, tx, rows, first, b.now, ids, created); err != nil {
			return nil, err
		}
	}
	for i, p := range b.ps {
		if p.DupOf < 0 {
			issueIDs[i] = ids[fpKey{p.E.ProjectID, p.E.Grouping.Hash}]
		}
	}
	return created, nil
}

func lookupFingerprints(ctx context.Context, tx pgx.Tx, keys []fpKey) (map[fpKey]int64, error) {
	projects, hashes := make([]int64, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		projects[i], hashes[i] = k.project, k.hash
	}
	rows, err := tx.Query(ctx, `SELECT f.project_id, f.hash, f.issue_id
		FROM unnest($1::bigint[], $2::text[]) AS k (project_id, hash)
		JOIN issue_fingerprints f ON f.project_id = k.project_id AND f.hash = k.hash`, projects, hashes)
	if err != nil {
		return nil, fmt.Errorf("postgres: find fingerprints: %w", err)
	}
	ids := map[fpKey]int64{}
	var k fpKey
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&k.project, &k.hash, &id}, func() error {
		ids[k] = id
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find fingerprints: %w", err)
	}
	return ids, nil
}

// linkFallbacks records each missing hash whose event has a fallback hash
// naming an issue as an alias of that issue (see core.EventWrite), sets
// its id in ids, and returns the hashes still without an issue, in order.
func linkFallbacks(ctx context.Context, tx pgx.Tx, missing []fpKey, first map[fpKey]*dbutil.Prepared, now time.Time, ids map[fpKey]int64) ([]fpKey, error) {
	var fallbacks []fpKey
	for _, k := range missing {
		for _, f := range first[k].Fallbacks {
			fallbacks = append(fallbacks, fpKey{k.project, f.Hash})
		}
	}
	if len(fallbacks) == 0 {
		return missing, nil
	}
	found, err := lookupFingerprints(ctx, tx, fallbacks)
	if err != nil {
		return nil, err
	}
	var rest []fpKey
	var projects, issues []int64
	var hashes, configs []string
	for _, k := range missing {
		var id int64
		for _, f := range first[k].Fallbacks {
			if id = found[fpKey{k.project, f.Hash}]; id != 0 {
				break
			}
		}
		if id == 0 {
			rest = append(rest, k)
			continue
		}
		projects, hashes, issues = append(projects, k.project), append(hashes, k.hash), append(issues, id)
		configs = append(configs, first[k].E.Grouping.Config)
	}
	if len(issues) == 0 {
		return rest, nil
	}
	// A hash another node linked or created meanwhile keeps its issue.
	if _, err := tx.Exec(ctx, `INSERT INTO issue_fingerprints (project_id, hash, issue_id, config, created_at)
		SELECT *, $5 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[])
		ON CONFLICT (project_id, hash) DO NOTHING`, projects, hashes, issues, configs, now); err != nil {
		return nil, fmt.Errorf("postgres: insert fingerprint aliases: %w", err)
	}
	linked := make([]fpKey, len(hashes))
	for i := range hashes {
		linked[i] = fpKey{projects[i], hashes[i]}
	}
	got, err := lookupFingerprints(ctx, tx, linked)
	if err != nil {
		return nil, err
	}
	for _, k := range linked {
		if got[k] == 0 {
			return nil, fmt.Errorf("postgres: fingerprint alias %s of project %d not stored", k.hash, k.project)
		}
		ids[k] = got[k]
	}
	return rest, nil
}

// createIssues inserts the issues of fingerprints no issue has yet, with
// their fingerprint rows. A fingerprint another node created meanwhile is
// looked up instead (its insert conflicts and returns nothing).
func createIssues(ctx context.Context, tx pgx.Tx, rows []*dbutil.IssueRow, first map[fpKey]*dbutil.Prepared, now time.Time, ids map[fpKey]int64, created map[int64]*dbutil.IssueRow) error {
	var c struct {
		project                                                      []int64
		fp, title, culprit, level, platform, lastEvent, env, release []string
		seen                                                         []time.Time
	}
	for _, r := range rows {
		c.project = append(c.project, r.ProjectID)
		c.fp, c.title, c.culprit = append(c.fp, r.Fingerprint), append(c.title, r.Title), append(c.culprit, r.Culprit)
		c.level, c.platform = append(c.level, r.Level), append(c.platform, r.Platform)
		c.lastEvent, c.env, c.release = append(c.lastEvent, r.LastEventID), append(c.env, r.Environment), append(c.release, r.Release)
		c.seen = append(c.seen, r.FirstSeen)
	}
	res, err := tx.Query(ctx, `INSERT INTO issues (project_id, fingerprint, title, culprit, level, platform, status,
			first_seen, last_seen, count, last_event_id, environment, release, created_at)
		SELECT u.project_id, u.fp, u.title, u.culprit, u.level, u.platform, 'unresolved', u.seen, u.seen, 0,
			u.last_event, u.env, u.release, $11
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
			$8::text[], $9::text[], $10::text[]) AS u (project_id, fp, title, culprit, level, platform, seen, last_event, env, release)
		ON CONFLICT (project_id, fingerprint) DO NOTHING
		RETURNING id, project_id, fingerprint`,
		c.project, c.fp, c.title, c.culprit, c.level, c.platform, c.seen, c.lastEvent, c.env, c.release, now)
	if err != nil {
		return fmt.Errorf("postgres: insert issues: %w", err)
	}
	byKey := map[fpKey]*dbutil.IssueRow{}
	for _, r := range rows {
		byKey[fpKey{r.ProjectID, r.Fingerprint}] = r
	}
	var k fpKey
	var id int64
	var newProjects, newIDs []int64
	var newHashes, newConfigs []string
	if _, err := pgx.ForEachRow(res, []any{&id, &k.project, &k.hash}, func() error {
		r := byKey[k]
		r.ID = id
		created[id] = r
		newProjects, newHashes, newIDs = append(newProjects, k.project), append(newHashes, k.hash), append(newIDs, id)
		newConfigs = append(newConfigs, first[k].E.Grouping.Config)
		return nil
	}); err != nil {
		return fmt.Errorf("postgres: insert issues: %w", err)
	}
	if len(newIDs) > 0 {
		fres, err := tx.Query(ctx, `INSERT INTO issue_fingerprints (project_id, hash, issue_id, config, created_at)
			SELECT *, $5 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[])
			ON CONFLICT (project_id, hash) DO NOTHING
			RETURNING project_id, hash, issue_id`, newProjects, newHashes, newIDs, newConfigs, now)
		if err != nil {
			return fmt.Errorf("postgres: insert fingerprints: %w", err)
		}
		if _, err := pgx.ForEachRow(fres, []any{&k.project, &k.hash, &id}, func() error {
			ids[k] = id
			return nil
		}); err != nil {
			return fmt.Errorf("postgres: insert fingerprints: %w", err)
		}
	}
	// Keys another transaction created first: read what it committed.
	var rest []fpKey
	for _, r := range rows {
		if k := (fpKey{r.ProjectID, r.Fingerprint}); ids[k] == 0 {
			rest = append(rest, k)
		}
	}
	if len(rest) > 0 {
		more, err := lookupFingerprints(ctx, tx, rest)
		if err != nil {
			return err
		}
		for _, k := range rest {
			if more[k] == 0 {
				return fmt.Errorf("postgres: fingerprint %s of project %d has an issue but no fingerprint row", k.hash, k.project)
			}
			ids[k] = more[k]
		}
	}
	return nil
}
