package sqlstore_test

import (
	"os"
	"path/filepath"
	"testing"
)

// SQLite only: a database path with characters that mean something in a SQLite URI
// filename (?, #, %) opens exactly that file.
func TestSQLitePathIsTakenLiterally(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c%41")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x?y.db")
	openDSN(t, "sqlite:"+path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at %s: %v", path, err)
	}
	es, _ := os.ReadDir(filepath.Dir(dir))
	if len(es) != 1 {
		t.Fatalf("files beside the directory: %v", es)
	}
}
