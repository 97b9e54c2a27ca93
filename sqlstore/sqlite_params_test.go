package sqlstore

import "testing"

func TestSQLitePositional(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`INSERT INTO t (a, b) VALUES ($1, $2)`, `INSERT INTO t (a, b) VALUES (?, ?)`},
		{`SELECT a FROM t WHERE b = $1 AND c = '$2' AND d = $2`, `SELECT a FROM t WHERE b = ? AND c = '$2' AND d = ?`},
		{`SELECT "x$1" FROM t WHERE a = $1 -- $5` + "\n" + ` AND b = $2 /* $9 */`, `SELECT "x$1" FROM t WHERE a = ? -- $5` + "\n" + ` AND b = ? /* $9 */`},
		{`SELECT 'it''s $1' , $1`, `SELECT 'it''s $1' , ?`},
		{`VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		// Kept as they are: out of order, used twice, other kinds of parameters, odd text.
		{`SELECT $2, $1`, `SELECT $2, $1`},
		{`SELECT $1 WHERE a = $1`, `SELECT $1 WHERE a = $1`},
		{`SELECT $1, ?`, `SELECT $1, ?`},
		{`SELECT $1, :name`, `SELECT $1, :name`},
		{`SELECT $1, @name`, `SELECT $1, @name`},
		{`SELECT $name`, `SELECT $name`},
		{`SELECT $1x`, `SELECT $1x`},
		{`SELECT $`, `SELECT $`},
		{`SELECT '$1`, `SELECT '$1`},
		{`SELECT $1 /* open`, `SELECT $1 /* open`},
		{`SELECT $01`, `SELECT $01`},
		{`SELECT [a$1] FROM t WHERE a = $1`, `SELECT [a$1] FROM t WHERE a = $1`},
		{"SELECT `a$1` FROM t WHERE a = $1", "SELECT `a$1` FROM t WHERE a = $1"},
		{`SELECT a$1 FROM t WHERE a = $1`, `SELECT a$1 FROM t WHERE a = $1`},
		{`SELECT $1(x)`, `SELECT $1(x)`},
	} {
		if got := sqlitePositional(c.in); got != c.want {
			t.Errorf("sqlitePositional(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
