package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"orderhub"
	"orderhub/sqlstore"
)

// runBackup is `orderhub backup --db sqlite:PATH --to FILE [--force]`
// (docs/operations.md).
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	dsn := dbFlag(fs, getenv)
	to := fs.String("to", "", "file to write the backup to (required; must not exist unless --force)")
	force := fs.Bool("force", false, "overwrite --to if it exists")
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := parseFlags(fs, args); err != nil {
		return ignoreHelp(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %v\n", fs.Args())
		return errUsage
	}
	if *to == "" {
		fmt.Fprintln(stderr, "backup: --to FILE is required")
		return errUsage
	}
	info, err := sqlstore.Backup(ctx, *dsn, *to, orderhub.BackupOptions{Overwrite: *force})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(info)
	}
	fmt.Fprintf(stdout, "backup of %s written to %s (%d bytes, %.1fs)\n", *dsn, info.Path, info.Bytes, info.Seconds)
	return nil
}
