-- +goose Up
-- The web console (/console): operators log in with a password (bcrypt hash) and get
-- a session (the cookie holds a random token; only its SHA-256 hash is stored). Each
-- session has its own CSRF token (synchronizer token pattern).
CREATE TABLE console_users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);

CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES console_users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions(expires_at);

-- Admin search across vendors (by e-mail, external order id) and the dashboard's
-- per-minute counts.
CREATE INDEX customers_email ON customers(email) WHERE email IS NOT NULL;
CREATE INDEX orders_external ON orders(external_order_id) WHERE external_order_id IS NOT NULL;
CREATE INDEX orders_created ON orders(created_at);
CREATE INDEX contracts_external ON contracts(external_order_id) WHERE external_order_id IS NOT NULL;
CREATE INDEX contracts_created ON contracts(created_at);
CREATE INDEX contracts_payer ON contracts(payer_id);
CREATE INDEX deliveries_delivered ON deliveries(delivered_at) WHERE delivered_at IS NOT NULL;
-- Dead letters are few: a partial index counts and lists them without a scan.
CREATE INDEX deliveries_dead ON deliveries(updated_at) WHERE status = 'dead';

-- +goose Down
DROP INDEX deliveries_dead;
DROP INDEX deliveries_delivered;
DROP INDEX contracts_payer;
DROP INDEX contracts_created;
DROP INDEX contracts_external;
DROP INDEX orders_created;
DROP INDEX orders_external;
DROP INDEX customers_email;
DROP TABLE console_sessions;
DROP TABLE console_users;
