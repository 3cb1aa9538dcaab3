package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// insertEvents inserts the batch's events (all but in-batch duplicates) in
// one statement; stored[i] says which were new.
func (b *batchWriter) insertEvents(ctx context.Context, tx pgx.Tx, issueIDs []int64, stored []bool) error {
	var c struct {
		idx                                                             []int
		project, issue                                                  []int64
		eventID, title, culprit, level, platform, release, env, tags    []string
		sdkName, sdkVersion, gBy, gName, gConfig, gHash, gComps, gTitle []string
		ts, received                                                    []time.Time
		body                                                            [][]byte
	}
	for i, p := range b.ps {
		if p.DupOf >= 0 {
			continue
		}
		e, g := p.E, p.E.Grouping
		c.idx = append(c.idx, i)
		c.project, c.issue, c.eventID = append(c.project, e.ProjectID), append(c.issue, issueIDs[i]), append(c.eventID, e.EventID)
		c.ts, c.received = append(c.ts, p.Timestamp), append(c.received, p.Received)
		c.title, c.culprit, c.level = append(c.title, e.Title), append(c.culprit, e.Culprit), append(c.level, e.Level)
		c.platform, c.release, c.env = append(c.platform, e.Platform), append(c.release, e.Release), append(c.env, e.Environment)
		c.tags, c.sdkName, c.sdkVersion = append(c.tags, p.Tags), append(c.sdkName, e.SDKName), append(c.sdkVersion, e.SDKVersion)
		c.gBy, c.gName, c.gConfig = append(c.gBy, g.DecidedBy), append(c.gName, g.Name), append(c.gConfig, g.Config)
		c.gHash, c.gComps, c.gTitle = append(c.gHash, g.Hash), append(c.gComps, ""), append(c.gTitle, g.Title)
		c.body = append(c.body, p.Body)
	}
	rows, err := tx.Query(ctx, `INSERT INTO events (project_id, event_id, issue_id, timestamp, received, title, culprit,
			level, platform, release, environment, tags, sdk_name, sdk_version, grouping_decided_by, grouping_name,
			grouping_config, grouping_hash, grouping_components, grouping_title, body)
		SELECT u.project_id, u.event_id, u.issue_id, u.ts, u.received, u.title, u.culprit, u.level, u.platform,
			u.release, u.env, u.tags::jsonb, u.sdk_name, u.sdk_version, u.g_by, u.g_name, u.g_config, u.g_hash,
			u.g_comps, u.g_title, u.body
		FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::text[],
			$7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
			$15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::bytea[])
			WITH ORDINALITY AS u (project_id, event_id, issue_id, ts, received, title, culprit, level, platform,
			release, env, tags, sdk_name, sdk_version, g_by, g_name, g_config, g_hash, g_comps, g_title, body, n)
		ORDER BY u.n
		ON CONFLICT (project_id, event_id) DO NOTHING
		RETURNING id, project_id, event_id`,
		c.project, c.eventID, c.issue, c.ts, c.received, c.title, c.culprit, c.level, c.platform, c.release, c.env,
		c.tags, c.sdkName, c.sdkVersion, c.gBy, c.gName, c.gConfig, c.gHash, c.gComps, c.gTitle, c.body)
	if err != nil {
		return fmt.Errorf("postgres: insert events: %w", err)
	}
	type key struct {
		project int64
		id      string
	}
	pks := map[key]int64{}
	var k key
	var pk int64
	if _, err := pgx.ForEachRow(rows, []any{&pk, &k.project, &k.id}, func() error {
		pks[k] = pk
		return nil
	}); err != nil {
		return fmt.Errorf("postgres: insert events: %w", err)
	}
	var att struct {
		event, size                    []int64
		filename, contentType, attType []string
		data                           [][]byte
	}
	for _, i := range c.idx {
		p := b.ps[i]
		pk, ok := pks[key{p.E.ProjectID, p.E.EventID}]
		stored[i] = ok
		if !ok {
			continue
		}
		for j, a := range p.E.Attachments {
			att.event, att.size = append(att.event, pk), append(att.size, int64(len(a.Data)))
			att.filename, att.contentType, att.attType = append(att.filename, a.Filename), append(att.contentType, a.ContentType), append(att.attType, a.AttachmentType)
			att.data = append(att.data, p.Attachments[j])
		}
	}
	if len(att.event) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO attachments (event_pk, filename, content_type, attachment_type, size, data)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[])`,
			att.event, att.filename, att.contentType, att.attType, att.size, att.data); err != nil {
			return fmt.Errorf("postgres: insert attachments: %w", err)
		}
	}
	return nil
}

// duplicates fills the issue ids of duplicate events from the events stored
// earlier, and deletes issues this batch created for duplicates only.
func (b *batchWriter) duplicates(ctx context.Context, tx pgx.Tx, issueIDs []int64, stored []bool, created map[int64]*dbutil.IssueRow) error {
	used := map[int64]bool{}
	var projects []int64
	var eventIDs []string
	var idx []int
	for i, p := range b.ps {
		switch {
		case stored[i]:
			used[issueIDs[i]] = true
		case p.DupOf < 0:
			projects, eventIDs, idx = append(projects, p.E.ProjectID), append(eventIDs, p.E.EventID), append(idx, i)
		}
	}
	if len(idx) > 0 {
		rows, err := tx.Query(ctx, `SELECT k.n, e.issue_id
			FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS k (project_id, event_id, n)
			JOIN events e ON e.project_id = k.project_id AND e.event_id = k.event_id`, projects, eventIDs)
		if err != nil {
			return fmt.Errorf("postgres: find duplicate events: %w", err)
		}
		var n, issue int64
		if _, err := pgx.ForEachRow(rows, []any{&n, &issue}, func() error {
			issueIDs[idx[n-1]] = issue
			return nil
		}); err != nil {
			return fmt.Errorf("postgres: find duplicate events: %w", err)
		}
	}
	for i, p := range b.ps {
		if p.DupOf >= 0 {
			issueIDs[i] = issueIDs[p.DupOf]
		}
	}
	var unused []int64
	for id := range created {
		if !used[id] {
			unused = append(unused, id)
			delete(created, id)
		}
	}
	if len(unused) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM issues WHERE id = ANY($1)`, unused); err != nil {
			return fmt.Errorf("postgres: delete unused issues: %w", err)
		}
	}
	return nil
}

// updateIssues locks the batch's issues in id order, folds the batch into
// them, and writes them back with the alerts, notifications and counters,
// in one round trip.
func (b *batchWriter) updateIssues(ctx context.Context, tx pgx.Tx, aggs []*dbutil.IssueAgg, created map[int64]*dbutil.IssueRow) error {
	var existing []int64
	for _, a := range aggs {
		if created[a.IssueID] == nil {
			existing = append(existing, a.IssueID)
		}
	}
	rowsByID := map[int64]*dbutil.IssueRow{}
	if len(existing) > 0 {
		rows, err := tx.Query(ctx, `SELECT `+issueCols+` FROM issues WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, existing)
		if err != nil {
			return fmt.Errorf("postgres: lock issues: %w", err)
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*dbutil.IssueRow, error) { return scanIssue(r) })
		if err != nil {
			return fmt.Errorf("postgres: lock issues: %w", err)
		}
		for _, r := range list {
			rowsByID[r.ID] = r
		}
	}
	var u struct {
		id, count, ignoreCount                                           []int64
		title, culprit, level, platform, status, lastEvent, env, release []string
		first, last                                                      []time.Time
		resolved, ignoreUntil                                            []*time.Time
	}
	var al struct {
		project, issue []int64
		kind, eventID  []string
		idx            []int
	}
	var hours struct {
		issue, n []int64
		hour     []time.Time
	}
	var texts []dbutil.IssueText
	for _, a := range aggs {
		row := created[a.IssueID]
		if a.Created = row != nil; !a.Created {
			if row = rowsByID[a.IssueID]; row == nil {
				return fmt.Errorf("postgres: issue %d vanished during the batch", a.IssueID)
			}
		}
		oldTitle, oldCulprit := row.Title, row.Culprit
		regressed := a.Apply(row, b.now)
		if t, ok := dbutil.TextChange(a, oldTitle, oldCulprit, row); ok {
			texts = append(texts, t)
		}
		u.id, u.count, u.ignoreCount = append(u.id, row.ID), append(u.count, row.Count), append(u.ignoreCount, row.IgnoreCount)
		u.title, u.culprit, u.level = append(u.title, row.Title), append(u.culprit, row.Culprit), append(u.level, row.Level)
		u.platform, u.status, u.lastEvent = append(u.platform, row.Platform), append(u.status, row.Status), append(u.lastEvent, row.LastEventID)
		u.env, u.release = append(u.env, row.Environment), append(u.release, row.Release)
		u.first, u.last = append(u.first, row.FirstSeen), append(u.last, row.LastSeen)
		u.resolved, u.ignoreUntil = append(u.resolved, row.ResolvedAt), append(u.ignoreUntil, row.IgnoreUntil)
		for h, n := range a.Hours {
			hours.issue, hours.hour, hours.n = append(hours.issue, a.IssueID), append(hours.hour, h), append(hours.n, n)
		}
		res := &b.results[a.First.Index]
		res.NewIssue, res.Regressed = a.Created, regressed
		if kind := core.IssueAlertKind(a.Created, regressed); kind != "" {
			al.project, al.issue = append(al.project, a.ProjectID), append(al.issue, a.IssueID)
			al.kind, al.eventID, al.idx = append(al.kind, kind), append(al.eventID, a.First.E.EventID), append(al.idx, a.First.Index)
		}
	}
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE issues SET title = u.title, culprit = u.culprit, level = u.level, platform = u.platform,
			status = u.status, first_seen = u.first_seen, last_seen = u.last_seen, count = u.count,
			resolved_at = u.resolved_at, ignore_until = u.ignore_until, ignore_count = u.ignore_count,
			last_event_id = u.last_event_id, environment = u.env, release = u.release
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
			$8::timestamptz[], $9::bigint[], $10::timestamptz[], $11::timestamptz[], $12::bigint[], $13::text[],
			$14::text[], $15::text[]) AS u (id, title, culprit, level, platform, status, first_seen, last_seen, count,
			resolved_at, ignore_until, ignore_count, last_event_id, env, release)
		WHERE issues.id = u.id`,
		u.id, u.title, u.culprit, u.level, u.platform, u.status, u.first, u.last, u.count, u.resolved, u.ignoreUntil,
		u.ignoreCount, u.lastEvent, u.env, u.release)
	batch.Queue(`INSERT INTO issue_hourly (issue_id, hour, count)
		SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[]) ORDER BY 1, 2
		ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hourly.count + excluded.count`,
		hours.issue, hours.hour, hours.n)
	var st struct {
		project, n []int64
		hour       []time.Time
	}
	for _, h := range dbutil.StoredPerHour(b.ps, storedOf(b.results)) {
		st.project, st.hour, st.n = append(st.project, h.ID), append(st.hour, h.Hour), append(st.n, h.N)
	}
	batch.Queue(`INSERT INTO stats_hourly (project_id, hour, stored)
		SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[]) ORDER BY 1, 2
		ON CONFLICT (project_id, hour) DO UPDATE SET stored = stats_hourly.stored + excluded.stored`,
		st.project, st.hour, st.n)
	if len(al.idx) > 0 {
		batch.Queue(`WITH a AS (
				INSERT INTO alerts (project_id, issue_id, kind, event_id, created_at)
				SELECT u.project_id, u.issue_id, u.kind, u.event_id, $5
				FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS u (project_id, issue_id, kind, event_id)
				RETURNING id, project_id, issue_id),
			n AS (
				INSERT INTO notifications (alert_id, destination_id, state, attempts, next_attempt_at, idempotency_key, created_at)
				SELECT a.id, d.id, 'pending', 0, $5, replace(gen_random_uuid()::text, '-', ''), $5
				FROM a JOIN destinations d ON d.project_id = a.project_id OR d.project_id IS NULL
				ORDER BY a.id, d.id)
			SELECT issue_id, id FROM a`,
			al.project, al.issue, al.kind, al.eventID, b.now)
	}
	search := b.queueSearch(batch, texts)
	br := tx.SendBatch(ctx, batch)
	for _, what := range []string{"update issues", "count issue events", "count stored events"} {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
	}
	if len(al.idx) > 0 {
		rows, err := br.Query()
		if err != nil {
			br.Close()
			return fmt.Errorf("postgres: insert alerts: %w", err)
		}
		alertOf := map[int64]int64{}
		var issue, id int64
		if _, err := pgx.ForEachRow(rows, []any{&issue, &id}, func() error {
			alertOf[issue] = id
			return nil
		}); err != nil {
			br.Close()
			return fmt.Errorf("postgres: insert alerts: %w", err)
		}
		for k, i := range al.idx {
			b.results[i].AlertID = alertOf[al.issue[k]]
		}
	}
	if err := search(br); err != nil {
		br.Close()
		return err
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("postgres: write events: %w", err)
	}
	return nil
}

func storedOf(rs []core.WriteResult) []bool {
	out := make([]bool, len(rs))
	for i, r := range rs {
		out[i] = !r.Duplicate
	}
	return out
}
