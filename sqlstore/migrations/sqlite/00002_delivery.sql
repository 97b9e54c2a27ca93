-- +goose Up
-- Outbound delivery: endpoints (webhook and Zapier REST-hook targets), one delivery per
-- (endpoint, event), and every attempt made to deliver it. Portable SQL: the same
-- statements and partial indexes work on PostgreSQL.

CREATE TABLE endpoints (
    id                TEXT PRIMARY KEY,
    vendor_id         TEXT NOT NULL REFERENCES vendors(id),
    kind              TEXT NOT NULL,             -- webhook | zapier
    url               TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    event_types       TEXT NOT NULL DEFAULT '',  -- space-separated; empty = every type
    secret            TEXT NOT NULL,             -- whsec_ + base64(key); must sign, so kept as is
    prev_secret       TEXT,                      -- the secret before the last rotation ...
    prev_secret_until BIGINT,                    -- ... which keeps signing until then
    enabled           SMALLINT NOT NULL DEFAULT 1,
    disabled_reason   TEXT NOT NULL DEFAULT '',
    failing_since     BIGINT,                    -- first failure after the last success
    last_success_at   BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    deleted_at        BIGINT                     -- deleted (by an operator or a 410 Gone)
);
CREATE INDEX endpoints_vendor ON endpoints(vendor_id) WHERE deleted_at IS NULL;

-- status: pending (not tried yet), failed (last attempt failed, another is scheduled),
-- delivered, dead (retries exhausted or endpoint disabled; replayable), canceled
-- (endpoint deleted). pending and failed are "active".
-- ready = 1 marks the head of its (endpoint, ordering key) queue: the one active
-- delivery with the lowest seq. Only heads are claimed, so a key is delivered strictly
-- in order while other keys and endpoints proceed.
-- A claim leases a delivery: locked_by/locked_until name the claimer; claims skip
-- unexpired leases, so an expired lease (a crashed worker) makes the delivery due
-- again without any sweeper. (A claim leaves next_attempt_at, and so the indexes,
-- alone: fewer pages written per claim.)
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    vendor_id       TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL REFERENCES endpoints(id),
    event_id        TEXT NOT NULL REFERENCES events(id),
    event_type      TEXT NOT NULL,
    ordering_key    TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    status          TEXT NOT NULL,
    ready           SMALLINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_by       TEXT,
    locked_until    BIGINT,
    last_status     INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    UNIQUE (endpoint_id, seq)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE ready = 1 AND status IN ('pending', 'failed');
-- status is in deliveries_key so that counting the queue reads the index alone.
CREATE INDEX deliveries_key ON deliveries(endpoint_id, ordering_key, seq, status) WHERE status IN ('pending', 'failed');
-- Listing by vendor, and finding an event's deliveries (through its vendor and seq).
-- Delivery and attempt ids start with their creation time, so that inserts append
-- to their indexes instead of touching random pages.
CREATE INDEX deliveries_vendor_seq ON deliveries(vendor_id, seq);

-- One row per attempt, clustered by delivery: the primary key is the only index
-- (attempt ids are time-ordered, so an attempt's row lands beside its delivery's
-- earlier ones).
CREATE TABLE delivery_attempts (
    delivery_id   TEXT NOT NULL REFERENCES deliveries(id),
    id            TEXT NOT NULL,
    endpoint_id   TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    started_at    BIGINT NOT NULL,
    latency_us    BIGINT NOT NULL,
    status_code   INTEGER NOT NULL,   -- 0 when no response arrived
    response_body TEXT NOT NULL,      -- the first KiB
    error         TEXT NOT NULL,
    PRIMARY KEY (delivery_id, id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE endpoints;
