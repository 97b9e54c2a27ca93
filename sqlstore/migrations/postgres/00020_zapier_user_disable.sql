-- +goose Up
-- Zapier users can be disabled (issue 18, console CRUD): a disabled user cannot log
-- in and their sessions are ended; enabling them restores the same password.
ALTER TABLE zapier_users ADD COLUMN disabled_at BIGINT;

-- +goose Down
ALTER TABLE zapier_users DROP COLUMN disabled_at;
