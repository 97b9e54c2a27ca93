-- +goose Up
-- One order model for every surface (seed 003 Zapier orders, seed 004 order events).
-- Amounts are BIGINT minor units; items and addresses are JSON text.
ALTER TABLE vendors ADD COLUMN order_seq BIGINT NOT NULL DEFAULT 0;

CREATE INDEX customers_vendor_phone ON customers(vendor_id, phone);

CREATE TABLE orders (
    id                TEXT PRIMARY KEY,
    vendor_id         TEXT NOT NULL REFERENCES vendors(id),
    number            BIGINT NOT NULL,
    external_order_id TEXT,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    source            TEXT NOT NULL,
    status            TEXT NOT NULL,
    currency          TEXT NOT NULL DEFAULT '',
    order_date        TEXT NOT NULL DEFAULT '',
    subtotal          BIGINT NOT NULL DEFAULT 0,
    shipping          BIGINT NOT NULL DEFAULT 0,
    taxes             BIGINT NOT NULL DEFAULT 0,
    discount          BIGINT NOT NULL DEFAULT 0,
    total             BIGINT NOT NULL DEFAULT 0,
    items             TEXT NOT NULL DEFAULT '[]',
    billing_address   TEXT,
    shipping_address  TEXT,
    payment_method    TEXT NOT NULL DEFAULT '',
    delivery_method   TEXT NOT NULL DEFAULT '',
    metadata          TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (vendor_id, number)
);
CREATE UNIQUE INDEX orders_vendor_external ON orders(vendor_id, external_order_id) WHERE external_order_id IS NOT NULL;
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_vendor_created ON orders(vendor_id, created_at);

CREATE TABLE shippings (
    id              TEXT PRIMARY KEY,
    vendor_id       TEXT NOT NULL REFERENCES vendors(id),
    order_id        TEXT NOT NULL REFERENCES orders(id),
    carrier         TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    tracking_url    TEXT NOT NULL DEFAULT '',
    external_id     TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX shippings_vendor_created ON shippings(vendor_id, created_at);
CREATE INDEX shippings_order ON shippings(order_id);

CREATE TABLE transactions (
    id          TEXT PRIMARY KEY,
    vendor_id   TEXT NOT NULL REFERENCES vendors(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    order_id    TEXT REFERENCES orders(id),
    contract_id TEXT REFERENCES contracts(id),
    status      TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    provider    TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    message     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX transactions_vendor_external ON transactions(vendor_id, provider, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX transactions_vendor_created ON transactions(vendor_id, created_at);

CREATE TABLE transaction_histories (
    id             TEXT PRIMARY KEY,
    vendor_id      TEXT NOT NULL REFERENCES vendors(id),
    transaction_id TEXT NOT NULL REFERENCES transactions(id),
    status         TEXT NOT NULL,
    message        TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL
);
CREATE INDEX transaction_histories_vendor_created ON transaction_histories(vendor_id, created_at);

CREATE TABLE surveys (
    id                TEXT PRIMARY KEY,
    vendor_id         TEXT NOT NULL REFERENCES vendors(id),
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    take              TEXT NOT NULL DEFAULT '',
    capture_name      SMALLINT NOT NULL DEFAULT 0,
    capture_phone     SMALLINT NOT NULL DEFAULT 0,
    capture_at_end    SMALLINT NOT NULL DEFAULT 0,
    status            SMALLINT NOT NULL DEFAULT 1,
    start_question_id TEXT,
    lead_capture      TEXT NOT NULL DEFAULT '',
    metadata          TEXT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX surveys_vendor_created ON surveys(vendor_id, created_at);

-- +goose Down
DROP TABLE surveys;
DROP TABLE transaction_histories;
DROP TABLE transactions;
DROP TABLE shippings;
DROP TABLE orders;
DROP INDEX customers_vendor_phone;
ALTER TABLE vendors DROP COLUMN order_seq;
