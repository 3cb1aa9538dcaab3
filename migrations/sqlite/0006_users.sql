-- Web UI, version 6 (SQLite): people, their sessions, and what they did to
-- issues.
-- users: email is stored lower-cased and unique; password_hash is a bcrypt
-- hash; role is admin or member. Times are Unix microseconds.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
-- web_sessions: one row per browser session, keyed by the sha256 (hex) of
-- the token in the cookie, so a copy of the table signs nobody in. data is
-- the session's values (the user and the CSRF token), opaque to the store.
CREATE TABLE web_sessions (
    id         TEXT PRIMARY KEY,
    data       BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
-- issue_activity: who did what to an issue, and when (resolve, ignore,
-- merge...). actor is the user's email at the time ("" for the admin API).
CREATE TABLE issue_activity (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX issue_activity_issue ON issue_activity (issue_id, id);
