-- Answers kept for retries: a client that sends an Idempotency-Key with a command gets the
-- first answer again for the same key and request, instead of acting twice. Keyed by a digest
-- of (caller, RPC, key), so one caller's keys never meet another's; the request's digest tells
-- a retry from a different request reusing the key. A row without a response is a request
-- still being answered. Rows are kept a day (`created_at`, Unix seconds).
CREATE TABLE idempotency_keys (
    scope       BYTEA PRIMARY KEY,
    fingerprint BYTEA NOT NULL,
    response    BYTEA,
    created_at  BIGINT NOT NULL
);
