-- +goose Up
-- Self-service (issue 18).
--
-- The audit log: one row per change made through the admin API, the CLI or the
-- console, written in the same transaction as the change (sqlstore/audit.go). Who
-- (actor_kind user | token | cli | portal, with its id and name), through what (via),
-- what (action, resource type and id, vendor), when (at, microseconds), and the
-- resource before and after as JSON with secrets masked. vendor_id is '' for changes
-- that belong to no vendor; it has no foreign key, so that entries stay as written.
CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    via           TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    vendor_id     TEXT NOT NULL,
    before_json   TEXT,
    after_json    TEXT
);
CREATE INDEX audit_log_at ON audit_log(at, id);
CREATE INDEX audit_log_vendor ON audit_log(vendor_id, at, id);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at, id);

-- Idempotency keys of admin API POSTs (httpapi/idempotency.go): per caller (scope),
-- the request's fingerprint and, once answered, the answer (status, content type and
-- body; a body that carries a one-time secret is sealed). status NULL: in progress.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       INTEGER,
    content_type TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys(expires_at);

-- Roles: operator (every vendor), vendor-admin or vendor-viewer (vendor_id only).
-- Existing tokens and users become operators.
ALTER TABLE admin_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'operator';
ALTER TABLE admin_tokens ADD COLUMN vendor_id TEXT REFERENCES vendors(id);
ALTER TABLE console_users ADD COLUMN role TEXT NOT NULL DEFAULT 'operator';
ALTER TABLE console_users ADD COLUMN vendor_id TEXT REFERENCES vendors(id);

-- Portal links: the origins that may embed a vendor's portal (CSP frame-ancestors).
CREATE TABLE vendor_portal (
    vendor_id       TEXT PRIMARY KEY REFERENCES vendors(id),
    frame_ancestors TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- +goose Down
DROP TABLE vendor_portal;
-- SQLite cannot drop a column with a foreign key: vendor_id stays (NULL, unused).
ALTER TABLE console_users DROP COLUMN role;
ALTER TABLE admin_tokens DROP COLUMN role;
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
