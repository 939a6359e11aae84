-- The event log: append-only, hash-chained, readable in an order no reader can skip.
--
-- Global order: each row stores the id of the transaction that wrote it (xid8). Readers take rows
-- after their cursor (epoch, transaction_id, global_position) and only below the oldest
-- transaction still in flight, pg_snapshot_xmin(pg_current_snapshot()), so a transaction that
-- took a lower position but commits later is never skipped: readers wait for it instead.
-- The epoch is bumped after a logical restore (which resets the xid counter) so that rows written
-- afterwards sort after everything restored.

CREATE TABLE log_epoch (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    epoch INTEGER NOT NULL
);
INSERT INTO log_epoch (only_row, epoch) VALUES (TRUE, 0);

CREATE FUNCTION current_log_epoch() RETURNS INTEGER
    LANGUAGE sql STABLE AS $$ SELECT epoch FROM log_epoch $$;

CREATE TABLE events (
    global_position    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    epoch              INTEGER NOT NULL DEFAULT current_log_epoch(),
    transaction_id     XID8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id           UUID NOT NULL,
    stream_id          TEXT NOT NULL,
    stream_version     BIGINT NOT NULL CHECK (stream_version > 0),
    event_type         TEXT NOT NULL,
    schema_version     BIGINT NOT NULL CHECK (schema_version > 0),
    occurred_at        TIMESTAMPTZ NOT NULL,
    recorded_at        TIMESTAMPTZ NOT NULL,
    correlation_id     UUID NOT NULL,
    causation_id       UUID,
    traceparent        TEXT,
    actor_id           TEXT NOT NULL,
    actor_organisation TEXT NOT NULL,
    actor_role         TEXT NOT NULL,
    data_subject       TEXT,
    tenant             TEXT NOT NULL,
    payload            BYTEA NOT NULL,
    content_hash       BYTEA NOT NULL,
    chain_hash         BYTEA NOT NULL,
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_global_order ON events (epoch, transaction_id, global_position);

CREATE FUNCTION events_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % on events is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_reject_change();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_reject_change();

-- Wake subscribers in every process when appends commit (NOTIFY is delivered at commit, and
-- identical notifications within one transaction are folded into one).
CREATE FUNCTION events_notify_append() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('linkwork_events', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify_append();

-- Where each catch-up subscriber (projection, relay) has got to. Written in the same transaction
-- as the subscriber's own effects, so an effect and its checkpoint commit or vanish together.
CREATE TABLE checkpoints (
    subscriber      TEXT PRIMARY KEY,
    epoch           INTEGER NOT NULL,
    transaction_id  XID8 NOT NULL,
    global_position BIGINT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Messages a bus consumer has already applied: the effect of each event happens once even when
-- the bus redelivers it or the relay publishes it again after the dedupe window.
CREATE TABLE inbox (
    consumer     TEXT NOT NULL,
    event_id     UUID NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
