-- The in-process bus: durable streams of messages with per-message dedupe ids, and durable
-- consumers that remember how far they have acknowledged. It gives the single-process mode
-- the delivery semantics of JetStream (at least once, in order, explicit ack) across restarts.

CREATE TABLE bus_streams (
    name     TEXT PRIMARY KEY,
    subjects TEXT NOT NULL
);

CREATE TABLE bus_messages (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    stream    TEXT NOT NULL REFERENCES bus_streams (name),
    subject   TEXT NOT NULL,
    msg_id    TEXT NOT NULL,
    headers   TEXT NOT NULL,
    payload   BLOB NOT NULL,
    stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (stream, msg_id)
);

CREATE INDEX bus_messages_by_stream ON bus_messages (stream, seq);

CREATE TABLE bus_consumers (
    stream    TEXT NOT NULL REFERENCES bus_streams (name),
    name      TEXT NOT NULL,
    filter    TEXT NOT NULL,
    acked_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stream, name)
);
