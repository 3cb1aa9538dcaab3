-- Grouping configuration beside every hash, version 4 (SQLite).
-- issue_fingerprints.config names the grouping configuration that
-- computed the hash (e.g. newstyle:2023-01-11), as Sentry stores it; rows
-- kept from before take the configuration their events recorded, and ''
-- when no event of the hash is left.
ALTER TABLE issue_fingerprints ADD COLUMN config TEXT NOT NULL DEFAULT '';
UPDATE issue_fingerprints SET config = g.config
FROM (SELECT project_id, grouping_hash, max(grouping_config) AS config FROM events GROUP BY project_id, grouping_hash) AS g
WHERE issue_fingerprints.project_id = g.project_id AND issue_fingerprints.hash = g.grouping_hash;
-- A project without a configuration was grouped with the server's default,
-- which was newstyle:2023-01-11 until version 4: keep it, so changing
-- grouping.default_config never changes an existing project's hashes.
UPDATE projects SET grouping_config = 'newstyle:2023-01-11' WHERE grouping_config = '';
