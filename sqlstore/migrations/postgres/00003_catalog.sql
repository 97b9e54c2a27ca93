-- +goose Up
-- Catalog, external sources and purchases (seed 000). Portable SQL: timestamps are
-- BIGINT microseconds (UTC); ids are TEXT.

-- Products and purchase options: ids are per vendor.
CREATE TABLE products (
    vendor_id  TEXT NOT NULL REFERENCES vendors(id),
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (vendor_id, id)
);

CREATE TABLE purchase_options (
    vendor_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    product_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    price_minor    BIGINT,
    currency       TEXT NOT NULL DEFAULT '',
    billing_period TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (vendor_id, id),
    FOREIGN KEY (vendor_id, product_id) REFERENCES products(vendor_id, id)
);
CREATE INDEX purchase_options_product ON purchase_options(vendor_id, product_id);

-- A publisher's (sku, poId) pair → one of the vendor's products (and optionally one
-- of its purchase options).
CREATE TABLE product_mappings (
    vendor_id          TEXT NOT NULL,
    sku                TEXT NOT NULL,
    po_id              TEXT NOT NULL,
    product_id         TEXT NOT NULL,
    purchase_option_id TEXT,
    created_at         BIGINT NOT NULL,
    PRIMARY KEY (vendor_id, sku, po_id),
    FOREIGN KEY (vendor_id, product_id) REFERENCES products(vendor_id, id),
    FOREIGN KEY (vendor_id, purchase_option_id) REFERENCES purchase_options(vendor_id, id)
);
CREATE INDEX product_mappings_product ON product_mappings(vendor_id, product_id);

-- External sources. Ids are global (a hook names its source); the secret is kept
-- only as a hash. A deleted source keeps its row (its purchases refer to it) but
-- stops authenticating and disappears from lists.
CREATE TABLE sources (
    id          TEXT PRIMARY KEY,
    vendor_id   TEXT NOT NULL REFERENCES vendors(id),
    type        TEXT NOT NULL,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    deleted_at  BIGINT
);
CREATE INDEX sources_vendor ON sources(vendor_id);

-- Purchases: one per accepted hook call. (source_id, publisher_purchase_id) makes a
-- replay the same purchase. The product is kept by id only: a purchase outlives
-- changes to the catalog.
CREATE TABLE purchases (
    id                    TEXT PRIMARY KEY,
    vendor_id             TEXT NOT NULL REFERENCES vendors(id),
    source_id             TEXT NOT NULL REFERENCES sources(id),
    publisher_purchase_id TEXT,
    product_id            TEXT NOT NULL,
    purchase_option_id    TEXT,
    sku                   TEXT NOT NULL DEFAULT '',
    po_id                 TEXT NOT NULL DEFAULT '',
    customer_id           TEXT NOT NULL REFERENCES customers(id),
    contract_id           TEXT NOT NULL REFERENCES contracts(id),
    starts_at             BIGINT NOT NULL,
    ends_at               BIGINT,
    notes                 TEXT NOT NULL DEFAULT '',
    payload               TEXT NOT NULL,
    fingerprint           TEXT NOT NULL,
    created_at            BIGINT NOT NULL
);
CREATE UNIQUE INDEX purchases_source_publisher_id ON purchases(source_id, publisher_purchase_id) WHERE publisher_purchase_id IS NOT NULL;
CREATE INDEX purchases_vendor ON purchases(vendor_id, created_at);

-- +goose Down
DROP TABLE purchases;
DROP TABLE sources;
DROP TABLE product_mappings;
DROP TABLE purchase_options;
DROP TABLE products;
