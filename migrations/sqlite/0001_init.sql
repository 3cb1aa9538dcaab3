-- Periscope schema, version 1 (SQLite).
-- Ids people and plugins see (projects, issues, alerts, destinations,
-- notifications) are AUTOINCREMENT so that a deleted row's id is never
-- reused, as with Postgres identities.
-- Times are INTEGER microseconds since the Unix epoch, UTC, so that sorting
-- and range filters use plain integer indexes. Blobs marked "zstd" hold
-- zstd frames (see core/internal/dbutil).

CREATE TABLE projects (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    rate_limit     INTEGER NOT NULL DEFAULT 0,  -- events per minute, 0: none
    retention_days INTEGER NOT NULL DEFAULT 0   -- 0: the global default
);

CREATE TABLE project_keys (
    public_key TEXT    PRIMARY KEY CHECK (length(public_key) = 32),
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    label      TEXT    NOT NULL DEFAULT '',
    rate_limit INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX project_keys_project ON project_keys (project_id, created_at);

-- issues: one row per group. fingerprint is the hash that created it; every
-- hash that leads to it (its own and merged ones) is in issue_fingerprints.
-- environment and release are those of the newest event, for filters.
CREATE TABLE issues (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    fingerprint   TEXT    NOT NULL,
    title         TEXT    NOT NULL DEFAULT '',
    culprit       TEXT    NOT NULL DEFAULT '',
    level         TEXT    NOT NULL DEFAULT 'error',
    platform      TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT 'unresolved',
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    count         INTEGER NOT NULL DEFAULT 0,
    resolved_at   INTEGER,
    ignore_until  INTEGER,
    ignore_count  INTEGER NOT NULL DEFAULT 0,  -- back once count reaches it; 0: no bound
    last_event_id TEXT    NOT NULL DEFAULT '',
    environment   TEXT    NOT NULL DEFAULT '',
    release       TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (project_id, fingerprint)
);
CREATE INDEX issues_last_seen ON issues (project_id, last_seen DESC, id DESC);
CREATE INDEX issues_first_seen ON issues (project_id, first_seen DESC, id DESC);
CREATE INDEX issues_count ON issues (project_id, count DESC, id DESC);
CREATE INDEX issues_status_last_seen ON issues (project_id, status, last_seen DESC, id DESC);

CREATE TABLE issue_fingerprints (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hash       TEXT    NOT NULL,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, hash)
) WITHOUT ROWID;
CREATE INDEX issue_fingerprints_issue ON issue_fingerprints (issue_id);

CREATE TABLE events (
    id                  INTEGER PRIMARY KEY,
    project_id          INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    event_id            TEXT    NOT NULL,
    issue_id            INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    timestamp           INTEGER NOT NULL,
    received            INTEGER NOT NULL,
    title               TEXT    NOT NULL DEFAULT '',
    culprit             TEXT    NOT NULL DEFAULT '',
    level               TEXT    NOT NULL DEFAULT '',
    platform            TEXT    NOT NULL DEFAULT '',
    release             TEXT    NOT NULL DEFAULT '',
    environment         TEXT    NOT NULL DEFAULT '',
    tags                TEXT    NOT NULL DEFAULT '[]', -- JSON [["key","value"],...]
    sdk_name            TEXT    NOT NULL DEFAULT '',
    sdk_version         TEXT    NOT NULL DEFAULT '',
    grouping_decided_by TEXT    NOT NULL DEFAULT '',
    grouping_name       TEXT    NOT NULL DEFAULT '',
    grouping_config     TEXT    NOT NULL DEFAULT '',
    grouping_hash       TEXT    NOT NULL DEFAULT '',
    grouping_components TEXT    NOT NULL DEFAULT '',  -- JSON, as the grouper wrote it
    grouping_title      TEXT    NOT NULL DEFAULT '',
    -- body: one zstd frame holding the item as received and the normalized
    -- event JSON (see dbutil.EncodeBody: version byte 1, uvarint length of
    -- the payload, payload, data).
    body                BLOB,
    UNIQUE (project_id, event_id)
);
CREATE INDEX events_issue_timestamp ON events (issue_id, timestamp DESC, id DESC);
CREATE INDEX events_project_received ON events (project_id, received);

CREATE TABLE attachments (
    id              INTEGER PRIMARY KEY,
    event_pk        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    filename        TEXT    NOT NULL DEFAULT '',
    content_type    TEXT    NOT NULL DEFAULT '',
    attachment_type TEXT    NOT NULL DEFAULT '',
    size            INTEGER NOT NULL DEFAULT 0,
    data            BLOB                                -- zstd
);
CREATE INDEX attachments_event ON attachments (event_pk);

CREATE TABLE rejected_events (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    event_id   TEXT    NOT NULL DEFAULT '',
    received   INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    payload    BLOB                                     -- zstd
);
CREATE INDEX rejected_events_project ON rejected_events (project_id, received);

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    issue_id        INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,                   -- new_issue, regression, threshold
    rule            TEXT    NOT NULL DEFAULT '',        -- the alert rule, for threshold alerts
    event_id        TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    acknowledged_at INTEGER
);
CREATE INDEX alerts_project ON alerts (project_id, id DESC);
CREATE INDEX alerts_issue ON alerts (issue_id);

-- destinations: project_id NULL is a destination for every project.
CREATE TABLE destinations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    plugin     TEXT    NOT NULL,
    config     TEXT    NOT NULL DEFAULT '{}',           -- JSON object
    when_expr  TEXT    NOT NULL DEFAULT '',
    source     TEXT    NOT NULL DEFAULT 'api',          -- api, config
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX destinations_name ON destinations (coalesce(project_id, 0), name);
CREATE INDEX destinations_project ON destinations (project_id);

-- notifications: the outbox. A row is due when state = 'pending' and
-- next_attempt_at has passed; claiming it moves next_attempt_at to the end
-- of the lease (claimed_until), so a crashed dispatcher's rows come back.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id        INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    destination_id  INTEGER NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
    state           TEXT    NOT NULL DEFAULT 'pending', -- pending, delivered, failed, skipped
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    last_error      TEXT    NOT NULL DEFAULT '',
    delivered_at    INTEGER,
    idempotency_key TEXT    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    UNIQUE (alert_id, destination_id)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX notifications_destination ON notifications (destination_id);

CREATE TABLE notification_attempts (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    error           TEXT    NOT NULL DEFAULT '',       -- '' for a success
    permanent       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notification_attempts_notification ON notification_attempts (notification_id, id);

-- Counters per project and hour (hour: start of the hour, microseconds).
CREATE TABLE stats_hourly (
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hour         INTEGER NOT NULL,
    accepted     INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    rate_limited INTEGER NOT NULL DEFAULT 0,
    stored       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, hour)
) WITHOUT ROWID;

CREATE TABLE stats_rejections_hourly (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hour       INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    count      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, hour, reason)
) WITHOUT ROWID;

-- Events per issue and hour of their timestamp.
CREATE TABLE issue_hourly (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    hour     INTEGER NOT NULL,
    count    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (issue_id, hour)
) WITHOUT ROWID;
