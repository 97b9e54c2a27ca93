-- +goose Up
-- The three tables every order writes to (customers, contracts, events) no longer
-- check vendor_id against vendors with a foreign key. Each such check is a query per
-- row (about a quarter of the server's work for a vendor order), and it checks what
-- the write path already guarantees in the same transaction: every row of these
-- tables is written together with an event, and appending an event reads and locks
-- the vendor's row (SELECT event_seq … FOR UPDATE) and fails the request when the
-- vendor does not exist. Vendors are never deleted. The foreign keys between these
-- tables (contracts → customers, deliveries → events) stay. SQLite keeps all of its
-- foreign keys: there a check costs microseconds, in process (00009 is empty there).
ALTER TABLE customers DROP CONSTRAINT IF EXISTS customers_vendor_id_fkey;
ALTER TABLE contracts DROP CONSTRAINT IF EXISTS contracts_vendor_id_fkey;
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_vendor_id_fkey;

-- +goose Down
ALTER TABLE customers ADD CONSTRAINT customers_vendor_id_fkey FOREIGN KEY (vendor_id) REFERENCES vendors(id);
ALTER TABLE contracts ADD CONSTRAINT contracts_vendor_id_fkey FOREIGN KEY (vendor_id) REFERENCES vendors(id);
ALTER TABLE events ADD CONSTRAINT events_vendor_id_fkey FOREIGN KEY (vendor_id) REFERENCES vendors(id);
