// Command orderhub-bench is orderhub's load generator: it runs load scenarios
// against a hub over loopback and reports throughput, latency, the server's memory
// and CPU, and (with --out) appends them to docs/benchmarks.md. It is not part of
// the server binary; it spawns one (`orderhub serve`) unless --url names a running
// hub.
//
//	go run ./cmd/orderhub-bench --scenario orders --mode closed --duration 10s
//	go build -o bin/ ./cmd/orderhub ./cmd/orderhub-bench && bin/orderhub-bench --scenario mixed
//
// The server binary it spawns is --binary; without it, `orderhub` next to this
// executable; failing that, it builds orderhub/cmd/orderhub into a temporary
// directory (which needs the go tool and a working directory inside the module).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "orderhub-bench:", err)
		os.Exit(1)
	}
}

// errUsage marks a command-line mistake (already explained on stderr).
var errUsage = errors.New("usage error")

// run is the whole program: main only calls it, and tests call it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runBench(ctx, args, getenv, stdout, stderr)
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, treating -h as success-without-action (the flags are
// printed). A mistake is a usage error, explained on stderr in one line.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the line below says it, without the whole flag list
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == nil && fs.NArg() == 0:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(out, "usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return flag.ErrHelp
	case err == nil:
		err = fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	fmt.Fprintf(out, "%s: %v; `%s -h` lists the flags\n", fs.Name(), err, fs.Name())
	return errUsage
}

func ignoreHelp(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// version is this build's version and VCS revision ("dev abcdef123456").
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

// serverPackage is the server command the bench builds when it finds no binary.
const serverPackage = "orderhub/cmd/orderhub"

// serverBinary is the orderhub binary to spawn: bin when set; else `orderhub` next
// to this executable (go build -o DIR/ ./cmd/orderhub ./cmd/orderhub-bench); else
// serverPackage built into a temporary directory, removed by cleanup.
func serverBinary(bin string, stderr io.Writer) (path string, cleanup func(), err error) {
	cleanup = func() {}
	if bin != "" {
		return bin, cleanup, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "orderhub")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			fmt.Fprintf(stderr, "bench: spawning %s (next to this command; --binary to choose another)\n", p)
			return p, cleanup, nil
		}
	}
	dir, err := os.MkdirTemp("", "orderhub-bench-bin-")
	if err != nil {
		return "", cleanup, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	path = filepath.Join(dir, "orderhub")
	fmt.Fprintf(stderr, "bench: building %s (no --binary, no orderhub next to this command)\n", serverPackage)
	if out, err := exec.Command("go", "build", "-o", path, serverPackage).CombinedOutput(); err != nil {
		cleanup()
		return "", func() {}, fmt.Errorf("no --binary, and go build %s failed (run it inside the orderhub module, or pass --binary): %v\n%s", serverPackage, err, out)
	}
	return path, cleanup, nil
}
