-- +goose Up
-- Fair delivery scheduling (delivery/engine.go, sqlstore ClaimDeliveries): claims go
-- vendor by vendor, so each vendor's due heads are found through their own range of
-- this index, and the vendors with active heads are listed by skipping from one
-- vendor_id to the next in it. Only heads are in it (few rows, like deliveries_due).
CREATE INDEX deliveries_vendor_due ON deliveries(vendor_id, next_attempt_at) WHERE ready = 1 AND status IN ('pending', 'failed');

-- +goose Down
DROP INDEX deliveries_vendor_due;
