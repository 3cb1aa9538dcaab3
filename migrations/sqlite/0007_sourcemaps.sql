-- Source maps, version 7 (SQLite): API tokens for sentry-cli, uploaded
-- chunks, artifact bundles with their files (content stored once per
-- checksum) and releases.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL DEFAULT '',
    scopes     TEXT    NOT NULL DEFAULT '',            -- space separated
    hash       TEXT    NOT NULL UNIQUE,                -- hex sha256 of the secret
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_project ON api_tokens (project_id);

-- Chunks sentry-cli uploaded, by sha1, until a bundle is assembled from them.
CREATE TABLE upload_chunks (
    checksum   TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL,
    data       BLOB    NOT NULL                        -- as uploaded, gunzipped
);
CREATE INDEX upload_chunks_created ON upload_chunks (created_at);

CREATE TABLE artifact_bundles (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    checksum   TEXT    NOT NULL,
    bundle_id  TEXT    NOT NULL DEFAULT '',
    release    TEXT    NOT NULL DEFAULT '',
    dist       TEXT    NOT NULL DEFAULT '',
    size       INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_used  INTEGER NOT NULL,
    UNIQUE (project_id, checksum)
);
CREATE INDEX artifact_bundles_used ON artifact_bundles (project_id, last_used);

-- File contents, once per sha256 whatever bundles hold them.
CREATE TABLE artifact_blobs (
    checksum TEXT    PRIMARY KEY,
    size     INTEGER NOT NULL,
    data     BLOB    NOT NULL                          -- zstd
);

CREATE TABLE artifact_files (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    bundle_id INTEGER NOT NULL REFERENCES artifact_bundles (id) ON DELETE CASCADE,
    type      TEXT    NOT NULL,
    url       TEXT    NOT NULL DEFAULT '',
    debug_id  TEXT    NOT NULL DEFAULT '',
    sourcemap TEXT    NOT NULL DEFAULT '',
    checksum  TEXT    NOT NULL REFERENCES artifact_blobs (checksum)
);
CREATE INDEX artifact_files_bundle ON artifact_files (bundle_id);
CREATE INDEX artifact_files_debug_id ON artifact_files (debug_id, type) WHERE debug_id <> '';
CREATE INDEX artifact_files_url ON artifact_files (url);
CREATE INDEX artifact_files_checksum ON artifact_files (checksum);

CREATE TABLE releases (
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    date_released INTEGER,
    PRIMARY KEY (project_id, version)
);
