package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// `orderhub bench` is no longer the load generator: it answers, in one line, where
// the load generator went, and exits 2 (a usage mistake), whatever its flags.
func TestBenchMovedOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for _, args := range [][]string{{"bench"}, {"bench", "--scenario", "orders", "--duration", "1s"}, {"bench", "-h"}} {
		cmd := exec.Command(orderhubBinary(t), args...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("%v: %v (want exit status 2)\n%s", args, err, out)
		}
		if s := string(out); strings.Count(s, "\n") != 1 || !strings.Contains(s, "go run ./cmd/orderhub-bench") || !strings.Contains(s, "docs/benchmarks.md") {
			t.Fatalf("%v: want a one-line pointer to cmd/orderhub-bench, got\n%s", args, out)
		}
	}
	// Other failures keep exit status 1.
	var ee *exec.ExitError
	if err := exec.Command(orderhubBinary(t), "benhc").Run(); !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("an unknown command: %v (want exit status 1)", err)
	}
}
