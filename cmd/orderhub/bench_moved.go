package main

import (
	"context"
	"errors"
	"io"
)

// The load generator is no longer part of the server binary: it is its own command,
// cmd/orderhub-bench (docs/benchmarks.md, "How to measure"). `orderhub bench` only
// says where it went, so that old habits and scripts find the new place. What the
// bench measures in serve stays here (bench_ceiling.go).

// benchMovedExit is the exit status of `orderhub bench` (a usage mistake).
const benchMovedExit = 2

// errBenchMoved is what `orderhub bench …` answers, whatever its flags.
var errBenchMoved = &exitError{code: benchMovedExit,
	msg: "`orderhub bench` moved out of the server binary: run `go run ./cmd/orderhub-bench` with the same flags (or build it: go build ./cmd/orderhub-bench); see docs/benchmarks.md"}

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errBenchMoved
}

// exitError is an error with its own exit status.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// exitCode is the process's exit status for run's error: 1, or the error's own.
func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}
