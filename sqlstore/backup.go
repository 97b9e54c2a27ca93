package sqlstore

import "orderhub"

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Path     string        `json:"path"`
	Bytes    int64         `json:"bytes"`
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
}

// Backup writes a consistent copy of the live SQLite database named by dsn to the
// file to, while servers keep reading and writing it: VACUUM INTO copies what one
// read transaction sees (a snapshot of the last commit before it began, WAL
// included), compacted. The copy is written beside the destination under a
// temporary name, checked (PRAGMA quick_check), synced, and only then given its
// name, so a failed or interrupted backup never leaves a partial file under it.
// Backup never creates the source database and refuses an existing destination
// unless told to overwrite it. PostgreSQL is refused (use pg_dump or base backups).
func Backup(ctx context.Context, dsn, to string, opt orderhub.BackupOptions) (*BackupInfo, error) {
	start := time.Now()
	dialect, src, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if dialect != SQLite {
		return nil, errors.New("this command copies SQLite databases; back PostgreSQL up with pg_dump or pg_basebackup (docs/postgres.md, Backups)")
	}
	if to == "" {
		return nil, errors.New("no destination: give --to FILE")
	}
	if src == ":memory:" || src == "" {
		return nil, fmt.Errorf("database %q is not a file", src)
	}
	st, err := os.Stat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("database %s does not exist (backup never creates one)", src)
	case err != nil:
		return nil, fmt.Errorf("database %s: %w", src, err)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("database %s is not a regular file", src)
	}
	if dst, err := os.Stat(to); err == nil {
		if os.SameFile(st, dst) {
			return nil, fmt.Errorf("%s is the database itself; back it up to another file", to)
		}
		if !opt.Overwrite {
			return nil, fmt.Errorf("%s already exists; choose another file or pass --force to overwrite it", to)
		}
		if !dst.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file; it cannot be overwritten", to)
		}
		if wal, err := os.Stat(to + "-wal"); err == nil && wal.Size() > 0 {
			return nil, fmt.Errorf("%s has a write-ahead log (%s-wal) beside it: it is a database in use or not shut down cleanly; it is not overwritten", to, to)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("destination %s: %w", to, err)
	}
	dir := filepath.Dir(to)
	if d, err := os.Stat(dir); err != nil || !d.IsDir() {
		return nil, fmt.Errorf("destination directory %s does not exist", dir)
	}

	// mode=rw: open the existing file, never create it (read-write because a WAL
	// reader may need to recover the shared-memory index; VACUUM INTO writes only to
	// its destination).
	q := url.Values{}
	q.Set("mode", "rw")
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+uriPath(src)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var jm string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&jm); err != nil {
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'").Scan(&tables); err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	if tables == 0 {
		return nil, fmt.Errorf("%s is not an orderhub database (no migrations table)", src)
	}

	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+filepath.Base(to)+".tmp-"+hex.EncodeToString(rnd[:]))
	defer os.Remove(tmp) // after a failure; gone already after success
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return nil, fmt.Errorf("copy %s: %w", src, err)
	}
	if err := checkCopy(ctx, tmp); err != nil {
		return nil, err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return nil, err
	}
	err = f.Sync()
	fi, serr := f.Stat()
	f.Close()
	if err != nil || serr != nil {
		return nil, fmt.Errorf("sync the copy: %w", errors.Join(err, serr))
	}
	if opt.Overwrite {
		err = os.Rename(tmp, to)
	} else if err = os.Link(tmp, to); err == nil {
		err = os.Remove(tmp)
	} else if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s appeared while the backup ran; choose another file or pass --force to overwrite it", to)
	}
	if err != nil {
		return nil, fmt.Errorf("name the copy %s: %w", to, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	took := time.Since(start)
	return &BackupInfo{Path: to, Bytes: fi.Size(), Duration: took, Seconds: took.Seconds()}, nil
}

// checkCopy runs PRAGMA quick_check on a finished copy.
func checkCopy(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("the copy failed its check: %s", res)
	}
	return nil
}

// uriPath escapes what a SQLite URI filename would read as a query, fragment or
// escape in a path.
func uriPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}
