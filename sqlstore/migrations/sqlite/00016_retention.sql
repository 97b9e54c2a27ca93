-- +goose Up
-- Retention (sqlstore/retention.go). Pruning deletes old events; every deleted event
-- has its foreign key from deliveries checked, and without an index on
-- deliveries(event_id) each such check reads the whole deliveries table. The same
-- index answers "does this event still have a delivery?". Event ids start with their
-- creation time, so inserts append to it.
CREATE INDEX deliveries_event ON deliveries(event_id);

-- Per-vendor retention overrides (orderhub admin retention). NULL: the server's
-- default (serve --retention-delivered / --retention-dead); 0: keep for ever.
CREATE TABLE vendor_retention (
    vendor_id   TEXT PRIMARY KEY REFERENCES vendors(id),
    delivered_s BIGINT,
    dead_s      BIGINT,
    updated_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE vendor_retention;
DROP INDEX deliveries_event;
