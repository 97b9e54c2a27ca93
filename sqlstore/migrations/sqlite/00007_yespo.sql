-- +goose Up
-- Yespo (seed 004). Order events that orderhub ignored as Yespo would (a required
-- parameter missing, an unknown contact or order, …) are kept here with the reason,
-- never dropped; the same event sent again bumps its count instead of adding a row.
CREATE TABLE ignored_events (
    id                TEXT PRIMARY KEY,
    vendor_id         TEXT NOT NULL REFERENCES vendors(id),
    surface           TEXT NOT NULL,
    event_type        TEXT NOT NULL,
    external_order_id TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL,
    message           TEXT NOT NULL,
    field             TEXT NOT NULL DEFAULT '',
    body              TEXT NOT NULL,
    fingerprint       TEXT NOT NULL,
    count             BIGINT NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    last_seen_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX ignored_events_vendor_fingerprint ON ignored_events(vendor_id, fingerprint);
CREATE INDEX ignored_events_vendor_last_seen ON ignored_events(vendor_id, last_seen_at);

-- Contact identifiers that the customers table has no column for (push tokens from
-- POST /api/v1/contact), matched by the PushToken parameter of events.
CREATE TABLE contact_identifiers (
    vendor_id   TEXT NOT NULL REFERENCES vendors(id),
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (vendor_id, kind, value)
);

-- A vendor's Yespo account. It is also a delivery endpoint of kind yespo (the
-- delivery engine sends the vendor's order changes to it). api_key holds the key
-- sealed by connector/yespo (AES-GCM with ORDERHUB_SECRET_KEY), or "plain:" + key
-- when no secret key is configured.
CREATE TABLE yespo_accounts (
    vendor_id   TEXT PRIMARY KEY REFERENCES vendors(id),
    base_url    TEXT NOT NULL,
    api_key     TEXT NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX yespo_accounts_endpoint ON yespo_accounts(endpoint_id);

-- +goose Down
DROP TABLE yespo_accounts;
DROP TABLE contact_identifiers;
DROP TABLE ignored_events;
