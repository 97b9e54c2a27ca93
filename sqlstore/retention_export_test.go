package sqlstore

import "context"

// CountRows counts the rows of a table (tests only).
func (db *DB) CountRows(ctx context.Context, table string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
	return n, err
}
