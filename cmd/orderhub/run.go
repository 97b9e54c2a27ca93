package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"orderhub/sqlstore"
)

const usage = `usage: orderhub <command> [flags]

commands:
  serve     run the server (--db, --addr)
  demo      run a self-contained demo: fresh SQLite database, demo vendor, credentials
  migrate   apply database migrations (--db)
  backup    copy a live SQLite database to a file (--db, --to, --force)
  admin     manage vendors, clients, promo codes, tokens, events (orderhub admin help)
  bench     moved to its own command: go run ./cmd/orderhub-bench -h
  receive   a local webhook receiver that checks signatures and prints deliveries (--addr, --secret)
  version   print the version
`

// errUsage marks a command-line mistake (already explained on stderr).
var errUsage = errors.New("usage error")

// commands are the program's commands that take arguments, in the order of usage.
var commands = []struct {
	name string
	run  func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}{
	{"serve", runServe}, {"demo", runDemo}, {"migrate", runMigrate}, {"backup", runBackup},
	{"admin", runAdmin}, {"bench", runBench}, {"receive", runReceive},
}

// run is the whole program: main only calls it, and tests call it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	names := []string{}
	for _, c := range commands {
		if c.name == cmd {
			return c.run(ctx, rest, getenv, stdout, stderr)
		}
		names = append(names, c.name)
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "orderhub", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if c := closest(cmd, append(names, "version", "help")); c != "" {
		return usageErrorf("unknown command %q; did you mean `orderhub %s`? `orderhub help` lists the commands", cmd, c)
	}
	return usageErrorf("unknown command %q; `orderhub help` lists the commands", cmd)
}

func version() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
	}
	return v
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, treating -h as success-without-action (the flags are
// printed). A mistake is a usage error that names the flag, with the closest one.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the error below says it, without the whole flag list
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(out, "usage of orderhub %s:\n", fs.Name())
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	hint := fmt.Sprintf("`orderhub %s -h` lists the flags", fs.Name())
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if c := closest(name, names); c != "" {
			return usageErrorf("unknown flag --%s; did you mean --%s? %s", name, c, hint)
		}
		return usageErrorf("unknown flag --%s; %s", name, hint)
	}
	return usageErrorf("%v; %s", err, hint)
}

// dbFlag adds the --db flag (default $ORDERHUB_DB, else ./orderhub.db).
func dbFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	def := getenv("ORDERHUB_DB")
	if def == "" {
		def = "sqlite:./orderhub.db"
	}
	return fs.String("db", def, "database: sqlite:PATH or postgres://… (env ORDERHUB_DB)")
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("bad --log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l, ReplaceAttr: readableDurations})), nil
}

// readableDurations logs every time.Duration as Go writes it ("5.417s", "2h0m0s")
// instead of slog's JSON default, an integer of nanoseconds.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

func openDB(ctx context.Context, dsn string, log *slog.Logger) (*sqlstore.DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return sqlstore.Open(ctx, dsn, sqlstore.Options{Logger: log})
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	dsn := dbFlag(fs, getenv)
	if err := parseFlags(fs, args); err != nil {
		return ignoreHelp(err)
	}
	log, _ := newLogger(stderr, "info")
	db, err := openDB(ctx, *dsn, log)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stdout, "migrations applied:", *dsn)
	return nil
}

func ignoreHelp(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
