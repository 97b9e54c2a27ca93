-- +goose Up
-- SALESmanago connector accounts (seed 002). Each account is also a delivery endpoint
-- of kind salesmanago with the same id: seed 002's forwarded calls and the automatic
-- sync ride the delivery engine. group_key selects the account in seed 002's requests
-- and is unique across vendors (among accounts not deleted). api_secret and api_key
-- hold the secrets sealed by connector/salesmanago (AES-GCM with ORDERHUB_SECRET_KEY,
-- "v1:" + base64), or "plain:" + secret when no key is configured; api_key is empty
-- when the account has no v3 key. mapping is JSON (orderhub.SalesmanagoMapping).
CREATE TABLE salesmanago_accounts (
    id          TEXT PRIMARY KEY,
    vendor_id   TEXT NOT NULL REFERENCES vendors(id),
    group_key   TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    base_url    TEXT NOT NULL,
    v3_base_url TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    api_secret  TEXT NOT NULL,
    owner_email TEXT NOT NULL,
    api_key     TEXT NOT NULL DEFAULT '',
    catalog_id  TEXT NOT NULL DEFAULT '',
    mapping     TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    deleted_at  BIGINT
);
CREATE UNIQUE INDEX salesmanago_accounts_group_key ON salesmanago_accounts(group_key) WHERE deleted_at IS NULL;
CREATE INDEX salesmanago_accounts_vendor ON salesmanago_accounts(vendor_id) WHERE deleted_at IS NULL;

-- +goose Down
DROP TABLE salesmanago_accounts;
