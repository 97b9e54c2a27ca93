package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"testing"
)

var (
	buildOnce  sync.Once
	builtBin   string
	removeBin  = func() {}
	buildError error
)

// orderhubBinary is the server binary, built once per test run by the bench's own
// fallback (serverBinary without --binary: go build orderhub/cmd/orderhub).
func orderhubBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() { builtBin, removeBin, buildError = serverBinary("", io.Discard) })
	if buildError != nil {
		t.Fatal(buildError)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	removeBin()
	os.Exit(code)
}

// runCLI runs orderhub-bench in-process with args.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}
