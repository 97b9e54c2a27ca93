-- +goose Up
-- One index entry less per head delivery (issue 14: under a fan-out flood every
-- delivery row is a head, and the single writer writes each index entry): the due
-- heads are found through deliveries_vendor_due (00010) alone. The claims already
-- went vendor by vendor; NextDeliveryDue now takes each vendor's earliest
-- unleased head from it (skipping from one vendor_id to the next) and the minimum
-- of those.
DROP INDEX deliveries_due;

-- +goose Down
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE ready = 1 AND status IN ('pending', 'failed');
