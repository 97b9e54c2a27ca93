-- +goose Up
-- Per-vendor quota overrides (issue 14, docs/quotas.md). A quota without a row here
-- has the server-wide default (built in, or `orderhub serve -quota NAME=N`).
CREATE TABLE vendor_quotas (
    vendor_id  TEXT NOT NULL REFERENCES vendors(id),
    name       TEXT NOT NULL,
    value      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (vendor_id, name)
);

-- The zapierChannelsPerUser quota counts a user's channels on every subscribe.
CREATE INDEX zapier_channels_user ON zapier_channels(user_id);

-- +goose Down
DROP INDEX zapier_channels_user;
DROP TABLE vendor_quotas;
