package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// writeStmts are the hot path's statements, prepared once on the writer
// connection.
type writeStmts struct {
	findFP, insertIssue, insertFP, insertEvent, insertAttachment, eventIssue    *sql.Stmt
	selectIssue, updateIssue, bumpIssue, deleteIssue, insertAlert, insertNotifs *sql.Stmt
	issueHour, statsStored                                                      *sql.Stmt
	tagCount, tagAdd, issueText                                                 *sql.Stmt // search.go
}

var writeSQL = map[string]string{
	"tagCount": tagCountSQL, "tagAdd": tagAddSQL, "issueText": issueTextSQL,
	"findFP": `SELECT issue_id FROM issue_fingerprints WHERE project_id = ? AND hash = ?`,
	"insertIssue": `INSERT INTO issues (project_id, fingerprint, title, culprit, level, platform, status, first_seen,
		last_seen, count, last_event_id, environment, release, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
	"insertFP": `INSERT INTO issue_fingerprints (project_id, hash, issue_id, created_at, config) VALUES (?, ?, ?, ?, ?)`,
	"insertEvent": `INSERT INTO events (project_id, event_id, issue_id, timestamp, received, title, culprit, level,
		platform, release, environment, tags, sdk_name, sdk_version, grouping_decided_by, grouping_name,
		grouping_config, grouping_hash, grouping_components, grouping_title, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_id, event_id) DO NOTHING`,
	"insertAttachment": `INSERT INTO attachments (event_pk, filename, content_type, attachment_type, size, data)
		VALUES (?, ?, ?, ?, ?, ?)`,
	"eventIssue":  `SELECT issue_id FROM events WHERE project_id = ? AND event_id = ?`,
	"selectIssue": `SELECT ` + issueCols + ` FROM issues WHERE id = ?`,
	"updateIssue": `UPDATE issues SET title = ?, culprit = ?, level = ?, platform = ?, status = ?, first_seen = ?,
		last_seen = ?, count = ?, resolved_at = ?, ignore_until = ?, ignore_count = ?, last_event_id = ?,
		environment = ?, release = ? WHERE id = ?`,
	// bumpIssue is updateIssue for the common case, leaving the columns of
	// rarely changing indexed values (first_seen, status) alone.
	"bumpIssue": `UPDATE issues SET title = ?, culprit = ?, level = ?, platform = ?, last_seen = ?, count = ?,
		last_event_id = ?, environment = ?, release = ? WHERE id = ?`,
	"deleteIssue": `DELETE FROM issues WHERE id = ?`,
	"insertAlert": `INSERT INTO alerts (project_id, issue_id, kind, event_id, created_at) VALUES (?, ?, ?, ?, ?)`,
	"insertNotifs": `INSERT INTO notifications (alert_id, destination_id, state, attempts, next_attempt_at,
		idempotency_key, created_at)
		SELECT ?, id, 'pending', 0, ?, lower(hex(randomblob(16))), ? FROM destinations
		WHERE project_id = ? OR project_id IS NULL ORDER BY id`,
	"issueHour": `INSERT INTO issue_hourly (issue_id, hour, count) VALUES (?, ?, ?)
		ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + excluded.count`,
	"statsStored": `INSERT INTO stats_hourly (project_id, hour, stored) VALUES (?, ?, ?)
		ON CONFLICT (project_id, hour) DO UPDATE SET stored = stored + excluded.stored`,
}

// writeStatements prepares the hot path's statements on first use; the
// caller holds wmu.
func (db *DB) writeStatements(ctx context.Context) (*writeStmts, error) {
	if db.ws != nil {
		return db.ws, nil
	}
	ws := &writeStmts{}
	for name, dst := range map[string]**sql.Stmt{
		"findFP": &ws.findFP, "insertIssue": &ws.insertIssue, "insertFP": &ws.insertFP,
		"insertEvent": &ws.insertEvent, "insertAttachment": &ws.insertAttachment, "eventIssue": &ws.eventIssue,
		"selectIssue": &ws.selectIssue, "updateIssue": &ws.updateIssue, "bumpIssue": &ws.bumpIssue,
		"deleteIssue": &ws.deleteIssue,
		"insertAlert": &ws.insertAlert, "insertNotifs": &ws.insertNotifs, "issueHour": &ws.issueHour,
		"statsStored": &ws.statsStored, "tagCount": &ws.tagCount, "tagAdd": &ws.tagAdd, "issueText": &ws.issueText,
	} {
		st, err := db.wdb.PrepareContext(ctx, writeSQL[name])
		if err != nil {
			ws.close()
			return nil, fmt.Errorf("sqlite: prepare %s: %w", name, err)
		}
		*dst = st
	}
	db.ws = ws
	return ws, nil
}

func (ws *writeStmts) close() {
	for _, st := range []*sql.Stmt{ws.findFP, ws.insertIssue, ws.insertFP, ws.insertEvent, ws.insertAttachment,
		ws.eventIssue, ws.selectIssue, ws.updateIssue, ws.bumpIssue, ws.deleteIssue, ws.insertAlert, ws.insertNotifs,
		ws.issueHour, ws.statsStored, ws.tagCount, ws.tagAdd, ws.issueText} {
		if st != nil {
			st.Close()
		}
	}
}

// WriteEvents stores a batch in one transaction; see core.EventWriter. An
// event of an unknown project fails the whole batch with ENOTFOUND, an
// invalid one with EINVALID.
func (db *DB) WriteEvents(ctx context.Context, batch []*core.EventWrite) ([]core.WriteResult, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	ps, err := dbutil.Prepare(batch)
	if err != nil {
		return nil, err
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	encs, err := db.codec.Encoders(ctx, ps)
	if err != nil {
		return nil, db.writeFailed(ctx, err)
	}
	dbutil.Encode(ps, encs)
	ws, err := db.writeStatements(ctx)
	if err != nil {
		return nil, db.writeFailed(ctx, err)
	}
	b := &batchWriter{db: db, ps: ps, now: db.clock(), learned: map[fpKey]int64{}, rows: map[int64]*dbutil.IssueRow{}}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		b.st = func(s *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, s) }
		return b.run(ctx, ws)
	})
	if err != nil {
		return nil, db.writeFailed(ctx, err)
	}
	if len(db.cache)+len(b.learned) > db.fpLim {
		clear(db.cache)
	}
	for k, id := range b.learned {
		db.cache[k] = id
	}
	if len(db.issues)+len(b.rows) > db.fpLim {
		clear(db.issues)
	}
	for id, r := range b.rows {
		db.issues[id] = r
	}
	// A dictionary the batch completes is trained now; failing to save it
	// only leaves the project on its current one (the events are stored).
	if err := db.codec.Observe(ctx, ps, b.stored, b.now); err != nil {
		db.log.Warn("store: no new compression dictionary; events stay on the current one", "err", err)
	}
	if b.committed != nil {
		b.committed()
	}
	return b.results, nil
}

// batchWriter is the state of one WriteEvents transaction.
type batchWriter struct {
	db      *DB
	ps      []*dbutil.Prepared
	now     time.Time
	st      func(*sql.Stmt) *sql.Stmt
	learned map[fpKey]int64            // cache entries to add after commit
	rows    map[int64]*dbutil.IssueRow // issue rows as this batch leaves them
	results []core.WriteResult
	stored  []bool // ps[i] was stored (not a duplicate)
	// committed runs after commit (search.go).
	committed func()
}

func (b *batchWriter) run(ctx context.Context, ws *writeStmts) error {
	n := len(b.ps)
	issueIDs, stored := make([]int64, n), make([]bool, n)
	created := map[int64]*dbutil.IssueRow{}
	var (
		findFP, insertIssue, insertFP = b.st(ws.findFP), b.st(ws.insertIssue), b.st(ws.insertFP)
		insertEvent, insertAttachment = b.st(ws.insertEvent), b.st(ws.insertAttachment)
	)
	for i, p := range b.ps {
		if p.DupOf >= 0 {
			continue
		}
		e := p.E
		k := fpKey{e.ProjectID, e.Grouping.Hash}
		id, ok := b.learned[k]
		if !ok {
			id, ok = b.db.cache[k]
		}
		if !ok {
			err := findFP.QueryRowContext(ctx, k.project, k.hash).Scan(&id)
			alias := false
			if errors.Is(err, sql.ErrNoRows) && len(p.Fallbacks) > 0 {
				if id, err = b.fallback(ctx, findFP, p); err == nil {
					alias = true
				}
			}
			if alias {
				// The hash is new but a fallback's names an issue: the
				// hash becomes that issue's alias.
				if _, err := insertFP.ExecContext(ctx, k.project, k.hash, id, us(b.now), e.Grouping.Config); err != nil {
					return fmt.Errorf("sqlite: insert fingerprint alias: %w", err)
				}
			} else if errors.Is(err, sql.ErrNoRows) {
				r := dbutil.NewIssueRow(p, b.now)
				res, err := insertIssue.ExecContext(ctx, r.ProjectID, r.Fingerprint, r.Title, r.Culprit, r.Level,
					r.Platform, r.Status, us(r.FirstSeen), us(r.LastSeen), r.LastEventID, r.Environment, r.Release, us(b.now))
				if isForeignKey(err) {
					return &core.Error{Code: core.ENOTFOUND, Field: fmt.Sprintf("batch[%d].project_id", i),
						Message: fmt.Sprintf("project %d not found", e.ProjectID)}
				} else if err != nil {
					return fmt.Errorf("sqlite: insert issue: %w", err)
				}
				id, _ = res.LastInsertId()
				r.ID = id
				if _, err := insertFP.ExecContext(ctx, k.project, k.hash, id, us(b.now), e.Grouping.Config); err != nil {
					return fmt.Errorf("sqlite: insert fingerprint: %w", err)
				}
				created[id] = r
			} else if err != nil {
				return fmt.Errorf("sqlite: find fingerprint: %w", err)
			}
			b.learned[k] = id
		}
		issueIDs[i] = id
		g := e.Grouping
		res, err := insertEvent.ExecContext(ctx, e.ProjectID, e.EventID, id, us(p.Timestamp), us(p.Received),
			e.Title, e.Culprit, e.Level, e.Platform, e.Release, e.Environment, p.Tags, e.SDKName, e.SDKVersion,
			g.DecidedBy, g.Name, g.Config, g.Hash, "", g.Title, p.Body)
		if isForeignKey(err) {
			return &core.Error{Code: core.ENOTFOUND, Field: fmt.Sprintf("batch[%d].project_id", i),
				Message: fmt.Sprintf("project %d not found", e.ProjectID)}
		} else if err != nil {
			return fmt.Errorf("sqlite: insert event: %w", err)
		}
		if rows, _ := res.RowsAffected(); rows == 1 {
			stored[i] = true
			if len(e.Attachments) > 0 {
				pk, _ := res.LastInsertId()
				for j, a := range e.Attachments {
					if _, err := insertAttachment.ExecContext(ctx, pk, a.Filename, a.ContentType, a.AttachmentType,
						int64(len(a.Data)), p.Attachments[j]); err != nil {
						return fmt.Errorf("sqlite: insert attachment: %w", err)
					}
				}
			}
		}
	}
	if err := b.duplicates(ctx, ws, issueIDs, stored, created); err != nil {
		return err
	}

	b.stored = stored
	b.results = make([]core.WriteResult, n)
	for i := range b.ps {
		b.results[i] = core.WriteResult{IssueID: issueIDs[i], Duplicate: !stored[i]}
	}
	var (
		updateIssue, bumpIssue, issueHour = b.st(ws.updateIssue), b.st(ws.bumpIssue), b.st(ws.issueHour)
		insertAlert, insertNotifs         = b.st(ws.insertAlert), b.st(ws.insertNotifs)
		selectIssue                       *sql.Stmt
		texts                             []dbutil.IssueText
	)
	for _, a := range dbutil.Aggregate(b.ps, issueIDs, stored) {
		row := created[a.IssueID]
		if a.Created = row != nil; !a.Created {
			if cached := b.db.issues[a.IssueID]; cached != nil {
				c := *cached
				row = &c
			} else {
				if selectIssue == nil {
					selectIssue = b.st(ws.selectIssue)
				}
				var err error
				if row, err = scanIssue(selectIssue.QueryRowContext(ctx, a.IssueID)); err != nil {
					return fmt.Errorf("sqlite: read issue %d: %w", a.IssueID, err)
				}
			}
		}
		old := *row
		regressed := a.Apply(row, b.now)
		b.rows[row.ID] = row
		if t, ok := dbutil.TextChange(a, old.Title, old.Culprit, row); ok {
			texts = append(texts, t)
		}
		var err error
		if !a.Created && old.Status == row.Status && old.FirstSeen.Equal(row.FirstSeen) {
			_, err = bumpIssue.ExecContext(ctx, row.Title, row.Culprit, row.Level, row.Platform, us(row.LastSeen),
				row.Count, row.LastEventID, row.Environment, row.Release, row.ID)
		} else {
			_, err = updateIssue.ExecContext(ctx, row.Title, row.Culprit, row.Level, row.Platform, row.Status,
				us(row.FirstSeen), us(row.LastSeen), row.Count, usPtr(row.ResolvedAt), usPtr(row.IgnoreUntil),
				row.IgnoreCount, row.LastEventID, row.Environment, row.Release, row.ID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: update issue: %w", err)
		}
		for hour, count := range a.Hours {
			if _, err := issueHour.ExecContext(ctx, a.IssueID, us(hour), count); err != nil {
				return fmt.Errorf("sqlite: count issue events: %w", err)
			}
		}
		res := &b.results[a.First.Index]
		res.NewIssue, res.Regressed = a.Created, regressed
		kind := core.IssueAlertKind(a.Created, regressed)
		if kind == "" {
			continue
		}
		ar, err := insertAlert.ExecContext(ctx, a.ProjectID, a.IssueID, kind, a.First.E.EventID, us(b.now))
		if err != nil {
			return fmt.Errorf("sqlite: insert alert: %w", err)
		}
		res.AlertID, _ = ar.LastInsertId()
		if _, err := insertNotifs.ExecContext(ctx, res.AlertID, us(b.now), us(b.now), a.ProjectID); err != nil {
			return fmt.Errorf("sqlite: insert notifications: %w", err)
		}
	}
	statsStored := b.st(ws.statsStored)
	for _, h := range dbutil.StoredPerHour(b.ps, stored) {
		if _, err := statsStored.ExecContext(ctx, h.ID, us(h.Hour), h.N); err != nil {
			return fmt.Errorf("sqlite: count stored events: %w", err)
		}
	}
	return b.writeSearch(ctx, ws, issueIDs, stored, texts)
}

// fallback returns the issue the first of p's fallback hashes names, or
// sql.ErrNoRows when none does.
func (b *batchWriter) fallback(ctx context.Context, findFP *sql.Stmt, p *dbutil.Prepared) (int64, error) {
	for _, f := range p.Fallbacks {
		k := fpKey{p.E.ProjectID, f.Hash}
		if id, ok := b.learned[k]; ok {
			return id, nil
		} else if id, ok := b.db.cache[k]; ok {
			return id, nil
		}
		var id int64
		err := findFP.QueryRowContext(ctx, k.project, k.hash).Scan(&id)
		if err == nil {
			return id, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("sqlite: find fallback fingerprint: %w", err)
		}
	}
	return 0, sql.ErrNoRows
}

// duplicates fills the issue ids of duplicate events from the events stored
// earlier, and deletes issues this batch created for duplicates only.
func (b *batchWriter) duplicates(ctx context.Context, ws *writeStmts, issueIDs []int64, stored []bool, created map[int64]*dbutil.IssueRow) error {
	used := map[int64]bool{}
	var eventIssue *sql.Stmt
	for i, p := range b.ps {
		switch {
		case stored[i]:
			used[issueIDs[i]] = true
		case p.DupOf < 0:
			if eventIssue == nil {
				eventIssue = b.st(ws.eventIssue)
			}
			if err := eventIssue.QueryRowContext(ctx, p.E.ProjectID, p.E.EventID).Scan(&issueIDs[i]); err != nil {
				return fmt.Errorf("sqlite: find duplicate event: %w", err)
			}
		}
	}
	for i, p := range b.ps {
		if p.DupOf >= 0 {
			issueIDs[i] = issueIDs[p.DupOf]
		}
	}
	for id, r := range created {
		if used[id] {
			continue
		}
		if _, err := b.st(ws.deleteIssue).ExecContext(ctx, id); err != nil {
			return fmt.Errorf("sqlite: delete unused issue: %w", err)
		}
		delete(created, id)
		delete(b.learned, fpKey{r.ProjectID, r.Fingerprint})
	}
	return nil
}
