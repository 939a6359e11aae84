-- Per-person data keys for the NHS numbers sealed inside referral events. Deliberately mutable
-- and outside the log: deleting a person's row makes every copy of their NHS number in the log
-- unreadable (crypto-shredding), while the log's hash chains, computed over the ciphertext,
-- still verify. Keys are stored wrapped (encrypted) under the service's master key.
CREATE TABLE subject_keys (
    subject     TEXT PRIMARY KEY,
    wrapped_key BYTEA NOT NULL
);
