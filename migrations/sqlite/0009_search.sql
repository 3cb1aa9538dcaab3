-- Issue search, version 9 (SQLite).
--
-- issue_tags: per issue, the tag values its events carried (the event's
-- tags plus level, environment and release), with how many events carried
-- each and when the last did. About 100 values are kept per key; events
-- with a value past that count in the row whose value is ''. Search looks
-- up (project_id, key, value); the UI reads an issue's rows for its tag
-- distribution.
CREATE TABLE issue_tags (
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    project_id INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (issue_id, key, value)
) WITHOUT ROWID;
CREATE INDEX issue_tags_lookup ON issue_tags (project_id, key, value, issue_id);

WITH pairs AS (
    SELECT e.issue_id, e.project_id, json_extract(j.value, '$[0]') AS key, json_extract(j.value, '$[1]') AS value,
        e.timestamp AS ts
    FROM events e, json_each(e.tags) j
    WHERE json_extract(j.value, '$[0]') NOT IN ('level', 'environment', 'release')
    UNION ALL SELECT issue_id, project_id, 'level', level, timestamp FROM events
    UNION ALL SELECT issue_id, project_id, 'environment', environment, timestamp FROM events
    UNION ALL SELECT issue_id, project_id, 'release', release, timestamp FROM events
), counted AS (
    SELECT issue_id, project_id, key, value, count(*) AS n, max(ts) AS ls
    FROM pairs WHERE value <> '' GROUP BY issue_id, project_id, key, value
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY issue_id, key ORDER BY n DESC, value) AS rn FROM counted
)
INSERT INTO issue_tags (issue_id, key, value, project_id, count, last_seen)
SELECT issue_id, key, CASE WHEN rn <= 100 THEN value ELSE '' END AS v, project_id, sum(n), max(ls)
FROM ranked GROUP BY issue_id, key, v, project_id;

-- issue_text: what free text searches, one row per issue (title, culprit
-- and message, one per line), written when an issue is created and when
-- its title or culprit changes, never per event. issue_text_fts indexes it
-- by trigrams, so LIKE '%text%' with three characters or more is an index
-- lookup (detail = none: no positions, which LIKE does not need, for a
-- smaller and cheaper index); triggers keep it in step (also on cascaded
-- deletes).
CREATE TABLE issue_text (
    issue_id INTEGER PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    text     TEXT NOT NULL
);
CREATE VIRTUAL TABLE issue_text_fts USING fts5 (text, content = 'issue_text', content_rowid = 'issue_id', tokenize = 'trigram',
    detail = 'none');
CREATE TRIGGER issue_text_insert AFTER INSERT ON issue_text BEGIN
    INSERT INTO issue_text_fts (rowid, text) VALUES (new.issue_id, new.text);
END;
CREATE TRIGGER issue_text_delete AFTER DELETE ON issue_text BEGIN
    INSERT INTO issue_text_fts (issue_text_fts, rowid, text) VALUES ('delete', old.issue_id, old.text);
END;
CREATE TRIGGER issue_text_update AFTER UPDATE ON issue_text BEGIN
    INSERT INTO issue_text_fts (issue_text_fts, rowid, text) VALUES ('delete', old.issue_id, old.text);
    INSERT INTO issue_text_fts (rowid, text) VALUES (new.issue_id, new.text);
END;
INSERT INTO issue_text (issue_id, text) SELECT id, title || char(10) || culprit || char(10) FROM issues;
