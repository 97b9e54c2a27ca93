package pgtest

import (
	"path/filepath"
	"testing"
)

// Tool returns the path of a PostgreSQL client program (pg_dump, pg_restore, …) of
// the same installation as the test clusters' server. Without it the test is skipped
// (failed with CI=true), like Start.
func Tool(t testing.TB, name string) string {
	t.Helper()
	dir, err := findBin()
	if err == nil && !isExec(filepath.Join(dir, name)) {
		err = errNoBinaries
	}
	if err != nil {
		unavailable(t, err)
	}
	return filepath.Join(dir, name)
}
