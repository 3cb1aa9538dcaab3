-- Issue search, version 9 (PostgreSQL).
--
-- issue_tags: per issue, the tag values its events carried (the event's
-- tags plus level, environment and release), with how many events carried
-- each and when the last did. About 100 values are kept per key; events
-- with a value past that count in the row whose value is ''. Search looks
-- up (project_id, key, value); the UI reads an issue's rows for its tag
-- distribution.
CREATE TABLE issue_tags (
    issue_id   BIGINT      NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    key        TEXT        NOT NULL,
    value      TEXT        NOT NULL,
    project_id BIGINT      NOT NULL,
    count      BIGINT      NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (issue_id, key, value)
);
CREATE INDEX issue_tags_lookup ON issue_tags (project_id, key, value, issue_id);

WITH pairs AS (
    SELECT e.issue_id, e.project_id, j->>0 AS key, j->>1 AS value, e.timestamp AS ts
    FROM events e, jsonb_array_elements(e.tags) j
    WHERE j->>0 NOT IN ('level', 'environment', 'release')
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
-- its title or culprit changes, never per event. A pg_trgm GIN index
-- serves ILIKE '%text%' for three characters or more.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE issue_text (
    issue_id BIGINT PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    text     TEXT NOT NULL
);
CREATE INDEX issue_text_trgm ON issue_text USING gin (text gin_trgm_ops);
INSERT INTO issue_text (issue_id, text) SELECT id, title || E'\n' || culprit || E'\n' FROM issues;
