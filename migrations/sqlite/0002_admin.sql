-- Admin API, version 2 (SQLite).
-- A project deleted through the admin API disappears at once: deleted_at is
-- set (Unix microseconds), its name is replaced by a tombstone longer than
-- any valid name, and its keys are revoked. Its data is purged in the
-- background in small batches; the row goes last.
ALTER TABLE projects ADD COLUMN deleted_at INTEGER;
CREATE INDEX projects_deleted ON projects (deleted_at) WHERE deleted_at IS NOT NULL;
