-- +goose Up
-- Promo codes are deactivated rather than deleted once contracts use them (issue 18;
-- sqlstore/promo.go): a deactivated code refuses new orders but stays readable, so
-- that the events of its contracts keep their product and price. deactivated_at is
-- when (microseconds); NULL: active. The index answers "which contracts use this
-- code", asked before a code's terms change or it is deleted.
ALTER TABLE promo_codes ADD COLUMN deactivated_at BIGINT;
CREATE INDEX contracts_vendor_promo ON contracts(vendor_id, promo_code) WHERE promo_code IS NOT NULL;

-- +goose Down
DROP INDEX contracts_vendor_promo;
ALTER TABLE promo_codes DROP COLUMN deactivated_at;
