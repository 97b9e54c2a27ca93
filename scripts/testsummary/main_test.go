package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSummaryNamesSkipsAndKeepsResults runs real `go test -json` on a small module
// whose tests pass, skip (with and without a reason) and fail, and reads the summary.
func TestSummaryNamesSkipsAndKeepsResults(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module sample\n\ngo 1.22\n")
	write("good/good_test.go", `package good
import "testing"
func TestFine(t *testing.T) { t.Log("chatter that plain go test hides") }
func TestNoBrowser(t *testing.T) { t.Skip("SKIPPED LOUDLY: chromium is not installed") }
func TestTable(t *testing.T) {
	t.Run("pg", func(t *testing.T) { t.Skip("no PostgreSQL binaries in /usr/lib/postgresql") })
}
`)
	write("bad/bad_test.go", `package bad
import "testing"
func TestBroken(t *testing.T) { t.Log("context before"); t.Error("wanted 2, got 3") }
func TestQuiet(t *testing.T) { t.SkipNow() }
`)
	cmd := exec.Command("go", "test", "-json", "-count=1", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOWORK=off")
	stream, err := cmd.Output()
	if err == nil {
		t.Fatal("go test passed a failing package")
	}
	var out bytes.Buffer
	if err := summarise(bytes.NewReader(stream), &out, false); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"ok  \tsample/good\t",
		"--- FAIL: TestBroken",
		"context before",
		"wanted 2, got 3",
		"FAIL\tsample/bad\t",
		"skipped: 3 tests",
		"SKIP sample/good TestNoBrowser: good_test.go:4: SKIPPED LOUDLY: chromium is not installed",
		"SKIP sample/good TestTable/pg: good_test.go:6: no PostgreSQL binaries in /usr/lib/postgresql",
		"SKIP sample/bad TestQuiet: (no reason given)",
		"FAIL: 1 packages failed: sample/bad\nFAIL\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"chatter that plain go test hides", "=== RUN", "--- PASS"} {
		if strings.Contains(got, not) {
			t.Errorf("summary shows %q, which plain go test hides:\n%s", not, got)
		}
	}
	if !strings.HasSuffix(got, "FAIL\n") {
		t.Errorf("the last line is not go test's FAIL:\n%s", got)
	}

	// All passing: the last line says so.
	out.Reset()
	pass := `{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}` + "\n" + `{"Action":"pass","Package":"p"}` + "\n"
	if err := summarise(strings.NewReader(pass), &out, false); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasSuffix(got, "skipped: none\nok: 1 packages passed\n") || !strings.HasPrefix(got, "ok  \tp\t0.1s\n") {
		t.Errorf("passing summary:\n%s", got)
	}
}
