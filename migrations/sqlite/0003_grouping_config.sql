-- Grouping configurations, version 3 (SQLite).
-- A project groups with one of Sentry's grouping configurations
-- (newstyle:2023-01-11 or newstyle:2026-01-20; '' is the server's
-- grouping.default_config). After a change the previous one is kept until
-- grouping_transition_until, so events whose new hash is unknown can join
-- the issue their old hash names.
ALTER TABLE projects ADD COLUMN grouping_config TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN grouping_config_previous TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN grouping_transition_until INTEGER;
