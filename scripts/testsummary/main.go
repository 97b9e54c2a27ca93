// Command testsummary reads `go test -json` on stdin and writes what plain `go test`
// would (each package's ok/FAIL line, the output of failing tests, build errors),
// then a summary of every skipped test with its reason: without -v a skip (no
// Chromium, no PostgreSQL) is otherwise silent. scripts/test pipes into it; go
// test's exit code is the script's (pipefail).
//
//	go test -json ./... | go run ./scripts/testsummary [-v]
//
// -v also prints every test's output as it comes, as go test -v would.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

func main() {
	verbose := len(os.Args) > 1 && os.Args[1] == "-v"
	if err := summarise(os.Stdin, os.Stdout, verbose); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output, build-fail
}

type skip struct{ pkg, test, reason string }

// summarise copies the stream as plain go test output and appends the summary.
func summarise(r io.Reader, w io.Writer, verbose bool) error {
	out := bufio.NewWriter(w)
	defer out.Flush()
	buf := map[string][]string{} // package + test → its output so far
	var skips []skip
	var failed []string
	passed := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(out, "%s\n", line) // not an event: pass it through
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "build-output":
			out.WriteString(e.Output)
		case "output":
			switch {
			case verbose:
				out.WriteString(e.Output)
			case e.Test != "":
				buf[key] = append(buf[key], e.Output)
			case strings.TrimSpace(e.Output) != "PASS": // plain go test prints no lone PASS
				out.WriteString(e.Output)
			}
		case "pass":
			delete(buf, key)
			if e.Test == "" {
				passed++
			}
		case "skip":
			if e.Test != "" {
				skips = append(skips, skip{e.Package, e.Test, reason(buf[key])})
			}
			delete(buf, key)
		case "fail":
			if e.Test != "" {
				writeOutput(out, buf[key])
				delete(buf, key)
				break
			}
			// The package failed: whatever its tests said and did not finish
			// saying (a panic, a timeout) goes out too.
			for k, lines := range buf {
				if strings.HasPrefix(k, e.Package+"\x00") {
					writeOutput(out, lines)
					delete(buf, k)
				}
			}
			failed = append(failed, e.Package)
		case "build-fail":
			failed = append(failed, e.ImportPath)
		}
		out.Flush()
	}
	if err := sc.Err(); err != nil {
		return err
	}

	fmt.Fprintln(out)
	if len(skips) == 0 {
		fmt.Fprintln(out, "skipped: none")
	} else {
		sort.SliceStable(skips, func(i, j int) bool {
			if skips[i].pkg != skips[j].pkg {
				return skips[i].pkg < skips[j].pkg
			}
			return skips[i].test < skips[j].test
		})
		fmt.Fprintf(out, "skipped: %d tests (scripts/test -v shows every test's output)\n", len(skips))
		for _, s := range skips {
			fmt.Fprintf(out, "  SKIP %s %s: %s\n", s.pkg, s.test, s.reason)
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		failed = slices.Compact(failed) // a build failure is reported twice
		fmt.Fprintf(out, "FAIL: %d packages failed: %s\nFAIL\n", len(failed), strings.Join(failed, " "))
	} else {
		fmt.Fprintf(out, "ok: %d packages passed\n", passed)
	}
	return nil
}

// writeOutput writes a test's output without the === RUN/PAUSE/CONT lines, as
// plain go test shows a failing test.
func writeOutput(w io.Writer, lines []string) {
	for _, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "=== RUN") || strings.HasPrefix(t, "=== PAUSE") || strings.HasPrefix(t, "=== CONT") || strings.HasPrefix(t, "=== NAME") {
			continue
		}
		io.WriteString(w, l)
	}
}

// reason is what a skipped test said (t.Skip's message), on one line.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		parts = append(parts, t)
	}
	r := strings.Join(parts, " / ")
	if r == "" {
		return "(no reason given)"
	}
	if len(r) > 300 {
		r = r[:300] + "…"
	}
	return r
}
