-- +goose Up
-- Bounded fan-out (issue 14). A request's transaction no longer writes one delivery
-- per subscribed endpoint when a vendor has many: its events wait in the outbox and
-- the fan-out expander turns them into deliveries in small write transactions (see
-- sqlstore/fanout.go and docs/delivery.md).
--
-- vendors.fanout_seq: every event of the vendor with seq <= fanout_seq has its
-- deliveries; fanout_after: the endpoint id up to which event fanout_seq + 1 has been
-- expanded ('' = not started). A vendor with fanout_seq < event_seq has a backlog.
-- Every existing event was fanned out when it was appended, so they start level.
ALTER TABLE vendors ADD COLUMN fanout_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE vendors ADD COLUMN fanout_after TEXT NOT NULL DEFAULT '';
UPDATE vendors SET fanout_seq = event_seq;
CREATE INDEX vendors_fanout ON vendors(id) WHERE fanout_seq < event_seq;

-- endpoints.from_seq: the vendor's event seq when the endpoint was created or last
-- enabled. It receives the events after it (seq > from_seq), as it did when fan-out
-- happened at append time, however late the expander gets to them.
ALTER TABLE endpoints ADD COLUMN from_seq BIGINT NOT NULL DEFAULT 0;
-- The expander walks a vendor's endpoints in id order, a chunk at a time.
DROP INDEX endpoints_vendor;
CREATE INDEX endpoints_vendor ON endpoints(vendor_id, id) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX endpoints_vendor;
CREATE INDEX endpoints_vendor ON endpoints(vendor_id) WHERE deleted_at IS NULL;
ALTER TABLE endpoints DROP COLUMN from_seq;
DROP INDEX vendors_fanout;
ALTER TABLE vendors DROP COLUMN fanout_after;
ALTER TABLE vendors DROP COLUMN fanout_seq;
