-- Anchored stream heads: tamper evidence for what a hash chain cannot show.
--
-- A per-stream chain proves each event follows from the one before, but a stream whose last
-- events were deleted is still a valid chain. So every append also writes the stream's new head
-- (last version and chain hash) here, in the same transaction, with an HMAC-SHA-256 under a key
-- kept outside the database. Deleting a stream's last events leaves its head pointing past them;
-- moving the head back needs a new MAC, which only the key holder can make.
--
-- Deleting a whole stream together with its head is caught by head_checkpoints: counts of
-- streams and events, MAC'd, which only grow in an append-only log.
--
-- Streams written before this migration have no head; the store adopts them the first time it
-- opens the log with migrations, after verifying their chains (see adoption.rs).

CREATE TABLE stream_heads (
    stream_id      TEXT PRIMARY KEY,
    stream_version BIGINT NOT NULL CHECK (stream_version > 0),
    chain_hash     BYTEA NOT NULL,
    mac            BYTEA NOT NULL
);

-- A head only moves forward and is never removed, as the stream it anchors only grows.
CREATE OR REPLACE FUNCTION stream_heads_forward_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.stream_id = OLD.stream_id AND NEW.stream_version > OLD.stream_version THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'stream heads only move forward: % on stream_heads is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER stream_heads_forward
    BEFORE UPDATE OR DELETE ON stream_heads
    FOR EACH ROW EXECUTE FUNCTION stream_heads_forward_only();

CREATE TRIGGER stream_heads_no_truncate
    BEFORE TRUNCATE ON stream_heads
    FOR EACH STATEMENT EXECUTE FUNCTION stream_heads_forward_only();

-- Each checkpoint's MAC covers the previous checkpoint's MAC, so an old checkpoint copied in as
-- the latest does not verify.
CREATE TABLE head_checkpoints (
    checkpoint BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    taken_at   TIMESTAMPTZ NOT NULL,
    streams    BIGINT NOT NULL CHECK (streams >= 0),
    events     BIGINT NOT NULL CHECK (events >= 0),
    mac        BYTEA NOT NULL
);

-- Refuses any change to an append-only table other than `events` (which keeps its own message).
CREATE OR REPLACE FUNCTION append_only_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER head_checkpoints_append_only
    BEFORE UPDATE OR DELETE ON head_checkpoints
    FOR EACH ROW EXECUTE FUNCTION append_only_reject_change();

CREATE TRIGGER head_checkpoints_no_truncate
    BEFORE TRUNCATE ON head_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION append_only_reject_change();
