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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitStatus(err, os.Stderr))
}

// exitStatus is 0 without an error, 2 for a usage mistake (explained already), else
// 1 with the error on stderr.
func exitStatus(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, "orderhub-bench:", err)
	return 1
}

// errUsage marks a command-line mistake (already explained on stderr).
var errUsage = errors.New("usage error")

// run is the whole program: main only calls it, and tests call it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runBench(ctx, args, getenv, stdout, stderr)
}

// parseFlags parses args into fs. -h prints the flags on stderr and returns
// flag.ErrHelp; a mistake is errUsage, explained on stderr in one line.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(io.Discard) // the line below says it, without the whole flag list
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v; `%s -h` lists the flags\n", fs.Name(), err, fs.Name())
		return errUsage
	}
	return nil
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
