-- The event log on SQLite: the same columns and guarantees as on PostgreSQL.
--
-- SQLite has one writer at a time and appends run under BEGIN IMMEDIATE, so rowid order is
-- commit order and the global position alone is a cursor no reader can skip. AUTOINCREMENT
-- keeps positions from ever being reused.

CREATE TABLE events (
    global_position    INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id           BLOB NOT NULL UNIQUE,
    stream_id          TEXT NOT NULL,
    stream_version     INTEGER NOT NULL CHECK (stream_version > 0),
    event_type         TEXT NOT NULL,
    schema_version     INTEGER NOT NULL CHECK (schema_version > 0),
    occurred_at        TEXT NOT NULL,
    recorded_at        TEXT NOT NULL,
    correlation_id     BLOB NOT NULL,
    causation_id       BLOB,
    traceparent        TEXT,
    actor_id           TEXT NOT NULL,
    actor_organisation TEXT NOT NULL,
    actor_role         TEXT NOT NULL,
    data_subject       TEXT,
    tenant             TEXT NOT NULL,
    payload            BLOB NOT NULL,
    content_hash       BLOB NOT NULL,
    chain_hash         BLOB NOT NULL,
    UNIQUE (stream_id, stream_version)
);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE on events is not allowed');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: DELETE on events is not allowed');
END;

CREATE TABLE checkpoints (
    subscriber      TEXT PRIMARY KEY,
    epoch           INTEGER NOT NULL,
    transaction_id  INTEGER NOT NULL,
    global_position INTEGER NOT NULL,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE inbox (
    consumer     TEXT NOT NULL,
    event_id     BLOB NOT NULL,
    processed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (consumer, event_id)
);

-- Leader leases: SQLite has no advisory locks, so a leader holds a row it renews.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
