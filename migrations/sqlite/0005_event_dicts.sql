-- Event body dictionaries, version 5 (SQLite).
-- A project's event bodies are compressed with a zstd dictionary trained
-- from its own first events (dbutil.Codec); a later one (a new version,
-- trained again from newer events) gets a new id, and every body names the
-- dictionary it needs, so none is ever changed or removed while its
-- project exists.
--
-- Event bodies of version 2 (dbutil.Codec.EncodeBody): a version byte 2
-- and the uvarint id of the dictionary (0: none), then one zstd frame
-- holding the payload as received, the grouping components (the
-- grouping_components column is '' for them) and the normalized data.
-- Bodies of version 1 (one zstd frame: version byte 1, payload, data;
-- components in grouping_components) stay as they are and stay readable.
CREATE TABLE event_dicts (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    dict       BLOB    NOT NULL
);
CREATE INDEX event_dicts_project ON event_dicts (project_id, id);
