-- +goose Up
-- Zapier API (seed 003): users who log in from the orderhub Zapier app, their
-- integrations (one uuid per vendor and integration name), login sessions, and
-- channels (REST-hook subscriptions). A channel IS a delivery endpoint of kind
-- zapier: zapier_channels holds what the seed's API says about it (alias, event,
-- integration) under the endpoint's id; deleting the endpoint (DELETE
-- /api/channels/{id}, or a 410 from Zapier) ends the channel.
CREATE TABLE zapier_users (
    id            TEXT PRIMARY KEY,
    vendor_id     TEXT NOT NULL REFERENCES vendors(id),
    email         TEXT NOT NULL,           -- lower-cased; unique across vendors (login names no vendor)
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,           -- bcrypt
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (email)
);
CREATE INDEX zapier_users_vendor ON zapier_users(vendor_id);

CREATE TABLE zapier_integrations (
    uuid       TEXT PRIMARY KEY,
    vendor_id  TEXT NOT NULL REFERENCES vendors(id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (vendor_id, name)
);

CREATE TABLE zapier_sessions (
    token_hash       TEXT PRIMARY KEY,     -- hex SHA-256 of the opaque token
    user_id          TEXT NOT NULL REFERENCES zapier_users(id) ON DELETE CASCADE,
    vendor_id        TEXT NOT NULL REFERENCES vendors(id),
    integration_uuid TEXT NOT NULL REFERENCES zapier_integrations(uuid),
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    revoked_at       BIGINT
);
CREATE INDEX zapier_sessions_user ON zapier_sessions(user_id);

CREATE TABLE zapier_channels (
    id               TEXT PRIMARY KEY REFERENCES endpoints(id),
    vendor_id        TEXT NOT NULL REFERENCES vendors(id),
    integration_uuid TEXT NOT NULL REFERENCES zapier_integrations(uuid),
    user_id          TEXT NOT NULL,
    alias            TEXT NOT NULL,
    event            TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX zapier_channels_vendor ON zapier_channels(vendor_id);

-- +goose Down
DROP TABLE zapier_channels;
DROP TABLE zapier_sessions;
DROP TABLE zapier_integrations;
DROP TABLE zapier_users;
