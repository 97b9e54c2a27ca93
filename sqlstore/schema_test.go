package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"orderhub/sqlstore/pgtest"
)

// The SQLite and PostgreSQL migrations produce equivalent schemas (issue 17): the
// same tables, the same columns with the same kind of type and nullability, the same
// primary keys, and the same indexes (name, columns, uniqueness, partial or not).
// TestMigrationsHaveTwins only compares file names; this compares what they build.
func TestMigrationsProduceEquivalentSchemas(t *testing.T) {
	ctx := context.Background()
	liteDSN := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	openDSN(t, liteDSN) // migrates
	lite, err := sql.Open("sqlite", strings.TrimPrefix(liteDSN, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pgDSN := pgtest.Start(t)
	openDSN(t, pgDSN)
	pg, err := sql.Open("pgx", pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()

	a, b := sqliteSchema(ctx, t, lite), postgresSchema(ctx, t, pg)
	if len(a) < 20 {
		t.Fatalf("the SQLite schema has only %d lines; the introspection is broken:\n%s", len(a), strings.Join(a, "\n"))
	}
	var diff []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			diff = append(diff, "only in SQLite:     "+l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			diff = append(diff, "only in PostgreSQL: "+l)
		}
	}
	if len(diff) > 0 {
		t.Fatalf("the migrations build different schemas (%d differences):\n%s", len(diff), strings.Join(diff, "\n"))
	}
}

// typeClass maps a declared column type to the kind both engines agree on.
func typeClass(decl string) string {
	d := strings.ToLower(decl)
	switch {
	case strings.Contains(d, "int"), d == "bigserial", d == "serial":
		return "integer"
	case strings.Contains(d, "char"), strings.Contains(d, "text"), strings.Contains(d, "clob"):
		return "text"
	case strings.Contains(d, "real"), strings.Contains(d, "double"), strings.Contains(d, "float"), strings.Contains(d, "numeric"):
		return "real"
	case strings.Contains(d, "blob"), d == "bytea":
		return "bytes"
	case strings.Contains(d, "bool"):
		return "boolean"
	}
	return "other(" + d + ")"
}

func ignoredTable(name string) bool {
	return name == "goose_db_version" || strings.HasPrefix(name, "sqlite_")
}

func queryStrings(ctx context.Context, t *testing.T, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sqliteSchema(ctx context.Context, t *testing.T, db *sql.DB) []string {
	var out []string
	for _, tr := range queryStrings(ctx, t, db, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`) {
		table := tr[0]
		if ignoredTable(table) {
			continue
		}
		out = append(out, "table "+table)
		var pk []string
		pkPos := map[string]string{}
		for _, c := range queryStrings(ctx, t, db, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table) {
			notNull := c[2] == "1" || c[3] != "0"
			out = append(out, fmt.Sprintf("column %s.%s %s notnull=%v", table, c[0], typeClass(c[1]), notNull))
			if c[3] != "0" {
				pkPos[c[3]] = c[0]
			}
		}
		for i := 1; i <= len(pkPos); i++ {
			pk = append(pk, pkPos[fmt.Sprint(i)])
		}
		if len(pk) > 0 {
			out = append(out, fmt.Sprintf("primary key %s(%s)", table, strings.Join(pk, ",")))
		}
		for _, ix := range queryStrings(ctx, t, db, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, table) {
			if ix[2] == "pk" {
				continue
			}
			var cols []string
			for _, c := range queryStrings(ctx, t, db, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix[0]) {
				if c[0] == "" {
					c[0] = "(expr)"
				}
				cols = append(cols, c[0])
			}
			name := ix[0]
			if ix[2] == "u" { // a UNIQUE constraint: the engines name its index differently
				name = "(constraint)"
			}
			out = append(out, fmt.Sprintf("index %s on %s(%s) unique=%v partial=%v", name, table, strings.Join(cols, ","), ix[1] == "1", ix[3] == "1"))
		}
	}
	slices.Sort(out)
	return out
}

func postgresSchema(ctx context.Context, t *testing.T, db *sql.DB) []string {
	var out []string
	for _, tr := range queryStrings(ctx, t, db, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`) {
		table := tr[0]
		if ignoredTable(table) {
			continue
		}
		out = append(out, "table "+table)
		for _, c := range queryStrings(ctx, t, db, `SELECT column_name, data_type, is_nullable FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, table) {
			out = append(out, fmt.Sprintf("column %s.%s %s notnull=%v", table, c[0], typeClass(c[1]), c[2] == "NO"))
		}
		for _, ix := range queryStrings(ctx, t, db, `SELECT i.relname, x.indisunique, x.indisprimary, x.indpred IS NOT NULL,
				EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype = 'u'),
				(SELECT string_agg(COALESCE(a.attname, '(expr)'), ',' ORDER BY k.n)
				   FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
				   LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0)
			FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid
			WHERE r.relname = $1 AND r.relnamespace = current_schema()::regnamespace`, table) {
			if ix[2] == "true" {
				out = append(out, fmt.Sprintf("primary key %s(%s)", table, ix[5]))
				continue
			}
			name := ix[0]
			if ix[4] == "true" {
				name = "(constraint)"
			}
			out = append(out, fmt.Sprintf("index %s on %s(%s) unique=%v partial=%v", name, table, ix[5], ix[1] == "true", ix[3] == "true"))
		}
	}
	slices.Sort(out)
	return out
}
