-- +goose Up
-- A contract (a vendor order of seed 001, a purchase of seed 000) is an order too
-- (issue 16): it gets an order row, linked here, and emits order-created like every
-- other surface. Contracts placed before this migration have no order.
ALTER TABLE orders ADD COLUMN contract_id TEXT;
CREATE UNIQUE INDEX orders_contract ON orders(contract_id) WHERE contract_id IS NOT NULL;

-- +goose Down
DROP INDEX orders_contract;
ALTER TABLE orders DROP COLUMN contract_id;
