package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// One store test suite, two databases: every store test runs once on SQLite and once
// on PostgreSQL (a throwaway cluster shared by this test binary, one fresh database per
// test). Write store tests as
//
//	func TestSomething(t *testing.T) {
//		forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
//			…
//		})
//	}
//
// Helpers that need another database of the same engine call openTestDB(t) with the
// subtest's t.

// engines are the database engines every store test runs on.
var engines = []string{"sqlite", "postgres"}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// forEachEngine runs f as a parallel subtest per engine, each with a fresh database.
func forEachEngine(t *testing.T, f func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			t.Parallel()
			f(t, openTestDB(t))
		})
	}
}

// testEngine returns the engine of the forEachEngine subtest t is (or is inside).
func testEngine(t *testing.T) string {
	t.Helper()
	parts := strings.Split(t.Name(), "/")
	for i := len(parts) - 1; i > 0; i-- {
		for _, e := range engines {
			if parts[i] == e {
				return e
			}
		}
	}
	t.Fatalf("%s: store tests run on every engine: wrap the test in forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {…})", t.Name())
	return ""
}

// testDSN returns the DSN of a fresh, empty database of t's engine.
func testDSN(t *testing.T) string {
	t.Helper()
	switch e := testEngine(t); e {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	case "postgres":
		return pgtest.Start(t)
	default:
		t.Fatalf("unknown engine %q", e)
		return ""
	}
}

// openTestDB opens a fresh database of t's engine (see forEachEngine), closed when
// the test ends.
func openTestDB(t *testing.T) *sqlstore.DB {
	t.Helper()
	return openDSN(t, testDSN(t))
}

func openDSN(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestForEachEngineOpensEachEngine(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		want := sqlstore.SQLite
		if testEngine(t) == "postgres" {
			want = sqlstore.Postgres
		}
		if db.Dialect() != want {
			t.Fatalf("dialect %q, want %q", db.Dialect(), want)
		}
		if err := db.Ops().Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// Every SQLite migration has a PostgreSQL twin of the same version and name.
func TestMigrationsHaveTwins(t *testing.T) {
	names := func(dir string) []string {
		t.Helper()
		es, err := os.ReadDir(filepath.Join("migrations", dir))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names("sqlite"), names("postgres")
	if strings.Join(lite, " ") != strings.Join(pg, " ") {
		t.Fatalf("migrations differ:\n sqlite:   %v\n postgres: %v", lite, pg)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations")
	}
}
