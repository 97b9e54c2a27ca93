-- +goose Up
-- Operational alerts (issue 19 part 2; sqlstore/alerts.go). alert_state is 'failing'
-- from the endpoint.failing (or endpoint.disabled) alert until the endpoint's next
-- success sends endpoint.recovered; '' otherwise. alerted_at is when the last
-- endpoint.failing alert went out (microseconds), for the rate limit.
ALTER TABLE endpoints ADD COLUMN alert_state TEXT NOT NULL DEFAULT '';
ALTER TABLE endpoints ADD COLUMN alerted_at BIGINT;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN alerted_at;
ALTER TABLE endpoints DROP COLUMN alert_state;
