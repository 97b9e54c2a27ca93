-- +goose Up
-- The PostgreSQL twin sets the deliveries table's fillfactor so that a claim's
-- lease update stays on its page (HOT). SQLite has no fillfactor (a B-tree row is
-- updated in place); nothing to do.
SELECT 1;

-- +goose Down
SELECT 1;
