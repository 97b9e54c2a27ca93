// Command orderhub runs the orderhub integration hub: `orderhub serve` runs the
// server, `orderhub demo` a self-contained demo, `orderhub admin …` manages vendors,
// credentials and the catalog, `orderhub migrate` applies database migrations.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the GOGC orderhub runs with unless the environment sets one. The
// server allocates tens of KB per order, nearly all garbage at once, over a live
// heap of a few MB: with Go's default of 100 it collects every few MB, and each
// cycle's assists and pauses stall the single writer on two cores. 200 halves the
// cycles for about 10 MB more memory (issue 20; NOTES in the commit).
const gcPercent = 200

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "orderhub:", err)
		os.Exit(exitCode(err))
	}
}
