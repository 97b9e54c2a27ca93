-- +goose Up
-- The PostgreSQL twin drops the vendor_id foreign keys of customers, contracts and
-- events (a query per row there; see migrations/postgres/00009). SQLite keeps them:
-- its checks run in process and cost next to nothing. Nothing to do here.
SELECT 1;

-- +goose Down
SELECT 1;
