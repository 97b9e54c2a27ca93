// Command orderhub runs the orderhub integration hub: `orderhub serve` runs the
// server, `orderhub demo` a self-contained demo, `orderhub admin …` manages vendors,
// credentials and the catalog, `orderhub migrate` applies database migrations.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "orderhub:", err)
		os.Exit(exitCode(err))
	}
}
