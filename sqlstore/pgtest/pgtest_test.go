package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Each Start is a fresh, empty database of its own on the shared cluster.
func TestStartGivesFreshDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := Start(t), Start(t)
	if a == b {
		t.Fatalf("same DSN twice: %s", a)
	}
	for _, dsn := range []string{a, b} {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var tables int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Fatalf("%s: %d tables in a fresh database", dsn, tables)
		}
	}
	da, _ := sql.Open("pgx", a)
	defer da.Close()
	if _, err := da.ExecContext(ctx, `CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	db, _ := sql.Open("pgx", b)
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'only_in_a'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a table of database a is visible in database b: %d %v", n, err)
	}
}

// A cluster of the test's own is stopped, and its files removed, when the test ends.
func TestNewClusterStopsAndCleansUp(t *testing.T) {
	var c *Cluster
	t.Run("cluster", func(t *testing.T) {
		c = NewCluster(t, "work_mem=8MB")
		db, err := sql.Open("pgx", c.CreateDB(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var wm string
		if err := db.QueryRow(`SHOW work_mem`).Scan(&wm); err != nil || wm != "8MB" {
			t.Fatalf("setting not applied: work_mem = %q (%v)", wm, err)
		}
	})
	select {
	case <-c.exited:
	default:
		t.Fatal("server still running after the test ended")
	}
	if _, err := os.Stat(c.SocketDir()); !os.IsNotExist(err) {
		t.Fatalf("cluster directory left behind: %v", err)
	}
}

// fakeTB records what unavailable decides instead of stopping a test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skipf(format string, args ...any)  { f.skipped = fmt.Sprintf(format, args...) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

// Without PostgreSQL binaries the tests skip loudly, but fail when CI=true; any other
// problem starting a cluster fails.
func TestUnavailableSkipsLoudlyButFailsInCI(t *testing.T) {
	for _, c := range []struct {
		ci       string
		err      error
		wantSkip bool
	}{
		{"", errNoBinaries, true},
		{"false", errNoBinaries, true},
		{"true", errNoBinaries, false},
		{"", errors.New("initdb: exit status 1"), false},
	} {
		t.Setenv("CI", c.ci)
		f := &fakeTB{}
		unavailable(f, c.err)
		if c.wantSkip && (!strings.Contains(f.skipped, "SKIPPING POSTGRESQL TESTS") || f.failed != "") {
			t.Errorf("CI=%q, %v: skipped %q, failed %q; want a loud skip", c.ci, c.err, f.skipped, f.failed)
		}
		if !c.wantSkip && (f.failed == "" || f.skipped != "") {
			t.Errorf("CI=%q, %v: skipped %q, failed %q; want a failure", c.ci, c.err, f.skipped, f.failed)
		}
	}
}
