-- Anchored stream heads and head checkpoints: the same tables and rules as on PostgreSQL (see
-- its migration for why). Each append writes its stream's new head, with a MAC under a key kept
-- outside the database, in the same transaction; checkpoints count streams and events.

-- WITHOUT ROWID: one B-tree keyed by stream rather than a rowid table plus an index, since
-- every append writes here.
CREATE TABLE stream_heads (
    stream_id      TEXT PRIMARY KEY,
    stream_version INTEGER NOT NULL CHECK (stream_version > 0),
    chain_hash     BLOB NOT NULL,
    mac            BLOB NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER stream_heads_no_delete BEFORE DELETE ON stream_heads
BEGIN
    SELECT RAISE(ABORT, 'stream heads only move forward: DELETE on stream_heads is not allowed');
END;

CREATE TRIGGER stream_heads_forward_only BEFORE UPDATE ON stream_heads
WHEN NEW.stream_id <> OLD.stream_id OR NEW.stream_version <= OLD.stream_version
BEGIN
    SELECT RAISE(ABORT, 'stream heads only move forward: UPDATE on stream_heads is not allowed');
END;

CREATE TABLE head_checkpoints (
    checkpoint INTEGER PRIMARY KEY AUTOINCREMENT,
    taken_at   TEXT NOT NULL,
    streams    INTEGER NOT NULL CHECK (streams >= 0),
    events     INTEGER NOT NULL CHECK (events >= 0),
    mac        BLOB NOT NULL
);

CREATE TRIGGER head_checkpoints_no_update BEFORE UPDATE ON head_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'head_checkpoints is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER head_checkpoints_no_delete BEFORE DELETE ON head_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'head_checkpoints is append-only: DELETE is not allowed');
END;
