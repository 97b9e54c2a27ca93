-- +goose Up
-- Room on every deliveries page for the row's next version (issue 20 part 3): a
-- claim leases a head (locked_by, locked_until, updated_at — no index covers them,
-- nor any index's predicate), so with free space on the row's page PostgreSQL
-- writes the new version there as a heap-only tuple (HOT): no new entry in any of
-- the table's six indexes and no extra page. At fillfactor 100 (the default) the
-- append-only inserts fill each page, and every lease wrote six index entries and
-- a page elsewhere. The delivered/failed update changes status, ready and
-- next_attempt_at (indexed or in partial indexes' predicates) and stays non-HOT.
-- Applies to pages filled from now on: existing pages keep their rows; as retention
-- deletes them and vacuum frees the space, inserts fill those pages to 70 % only.
-- Measured (1,000 orders/s, one endpoint, '*', 10 s): 0 -> ~4,000 of ~55,000 row
-- updates HOT (the leases of heads; followers are not leased), WAL ~4 % less.
ALTER TABLE deliveries SET (fillfactor = 70);

-- +goose Down
ALTER TABLE deliveries RESET (fillfactor);
