-- +goose Up
-- Timestamps are BIGINT microseconds since the Unix epoch (UTC) and booleans are
-- SMALLINT 0/1 in both engines, so that one code path reads and writes them.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE vendors (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    event_seq  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Admin API tokens (orderhub admin token create); stored as SHA-256 hashes.
CREATE TABLE admin_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE oauth_clients (
    id          TEXT PRIMARY KEY,
    vendor_id   TEXT NOT NULL REFERENCES vendors(id),
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX oauth_clients_vendor ON oauth_clients(vendor_id);

CREATE TABLE promo_codes (
    vendor_id      TEXT NOT NULL REFERENCES vendors(id),
    code           TEXT NOT NULL,
    product_name   TEXT NOT NULL,
    price_minor    BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    billing_period TEXT NOT NULL,
    binding_months INTEGER NOT NULL,
    delivery       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (vendor_id, code)
);

CREATE TABLE customers (
    id                TEXT PRIMARY KEY,
    vendor_id         TEXT NOT NULL REFERENCES vendors(id),
    email             TEXT,
    full_name         TEXT NOT NULL DEFAULT '',
    first_name        TEXT NOT NULL DEFAULT '',
    last_name         TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    publisher_user_id TEXT,
    address           TEXT,
    billing_address   TEXT,
    extra_data        TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_vendor_email ON customers(vendor_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_vendor_publisher_user ON customers(vendor_id, publisher_user_id) WHERE publisher_user_id IS NOT NULL;

CREATE TABLE contracts (
    id                TEXT PRIMARY KEY,
    vendor_id         TEXT NOT NULL REFERENCES vendors(id),
    external_order_id TEXT,
    promo_code        TEXT,
    product_name      TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    origin            TEXT NOT NULL,
    source_id         TEXT,
    quantity          INTEGER NOT NULL,
    payment_method    TEXT NOT NULL DEFAULT '',
    payment_provider  TEXT NOT NULL DEFAULT '',
    start_date        TEXT NOT NULL DEFAULT '',
    delayed_starts_at TEXT NOT NULL DEFAULT '',
    ends_at           TEXT NOT NULL DEFAULT '',
    user_id           TEXT NOT NULL REFERENCES customers(id),
    payer_id          TEXT NOT NULL REFERENCES customers(id),
    fingerprint       TEXT NOT NULL,
    extra_data        TEXT,
    owner_data        TEXT,
    vendor_data       TEXT,
    created_at        BIGINT NOT NULL,
    confirmed_at      BIGINT,
    canceled_at       BIGINT
);
CREATE UNIQUE INDEX contracts_vendor_external_order ON contracts(vendor_id, external_order_id) WHERE external_order_id IS NOT NULL;
CREATE INDEX contracts_user ON contracts(user_id);

-- The outbox. pos is the global commit order; seq the per-vendor sequence.
-- PostgreSQL twin: pos is an identity column; identity values are handed out at
-- insert time, which is commit order only because orderhub's writers take turns
-- (the writer advisory lock, see sqlstore/postgres.go).
CREATE TABLE events (
    pos          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    vendor_id    TEXT NOT NULL REFERENCES vendors(id),
    seq          BIGINT NOT NULL,
    type         TEXT NOT NULL,
    ordering_key TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    UNIQUE (vendor_id, seq)
);
CREATE INDEX events_ordering_key ON events(vendor_id, ordering_key, seq);

-- +goose Down
DROP TABLE events;
DROP TABLE contracts;
DROP TABLE customers;
DROP TABLE promo_codes;
DROP TABLE oauth_clients;
DROP TABLE vendors;
DROP TABLE admin_tokens;
DROP TABLE settings;
