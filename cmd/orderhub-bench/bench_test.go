package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"orderhub/sqlstore/pgtest"
)

// orderhub-bench runs each scenario against a spawned hub (the real binary) and
// reports numbers; the figures themselves are docs/benchmarks.md's business, the
// test only checks that every scenario runs cleanly and reports what it promises.
func TestBenchCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := orderhubBinary(t)
	out := filepath.Join(t.TempDir(), "bench.md")
	for _, args := range [][]string{
		{"--scenario", "orders", "--mode", "closed", "--concurrency", "4"},
		{"--scenario", "purchases", "--mode", "open", "--rate", "100"},
		{"--scenario", "mixed", "--mode", "open", "--rate", "100", "--receivers", "2"},
	} {
		stdout, stderr, err := runCLI(t, append([]string{"--binary", bin, "--duration", "1s", "--warmup", "200ms", "--out", out}, args...)...)
		if err != nil {
			t.Fatalf("bench %v: %v\n%s", args, err, stderr)
		}
		for _, want := range []string{"throughput", "errors 0 (5xx 0)", "p99", "peak (VmHWM)"} {
			if !strings.Contains(stdout, want) {
				t.Fatalf("bench %v: no %q in\n%s", args, want, stdout)
			}
		}
		if m := regexp.MustCompile(`throughput +([0-9]+)/s`).FindStringSubmatch(stdout); m == nil || m[1] == "0" {
			t.Fatalf("bench %v: no throughput in\n%s", args, stdout)
		}
		if args[1] == "mixed" && !strings.Contains(stdout, "0 of ") {
			t.Fatalf("bench mixed: webhooks missing:\n%s", stdout)
		}
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(md), "\n### "); n != 3 || !strings.Contains(string(md), "| server peak RSS (VmHWM) |") || !strings.Contains(string(md), "| end-to-end (answer → webhook)") {
		t.Fatalf("markdown:\n%s", md)
	}
	// noisy-neighbour: the victim quiet and under a (small) attack, both reported.
	noisyOut := filepath.Join(t.TempDir(), "noisy.md")
	stdout, stderr, err := runCLI(t, "--binary", bin, "--duration", "1s", "--warmup", "200ms", "--out", noisyOut,
		"--scenario", "noisy-neighbour", "--rate", "50", "--attack-endpoints", "3", "--attack-channels", "2", "--attack-rate", "5")
	if err != nil {
		t.Fatalf("bench noisy-neighbour: %v\n%s", err, stderr)
	}
	for _, want := range []string{"3 hanging webhook endpoints + 2 hanging Zapier channels", "--- the victim alone", "--- the victim under attack",
		"order p99", "webhook end-to-end p99", "webhooks missing: quiet 0 of", "errors 0 (5xx 0)"} {
		if !strings.Contains(stdout, want) {
			t.Fatalf("bench noisy-neighbour: no %q in\n%s", want, stdout)
		}
	}
	if md, err := os.ReadFile(noisyOut); err != nil || !strings.Contains(string(md), "noisy-neighbour") || !strings.Contains(string(md), "| webhook end-to-end p99 |") {
		t.Fatalf("noisy-neighbour markdown: %v\n%s", err, md)
	}
	if _, stderr, err := runCLI(t, "--scenario", "nope"); err == nil || !strings.Contains(stderr, "unknown --scenario") {
		t.Fatalf("bad scenario: %v %s", err, stderr)
	}
}

// TestBenchPostgres runs the bench against a spawned hub on a throwaway PostgreSQL
// cluster with durable commits (fsync and synchronous_commit on), for
// docs/benchmarks.md. Not a CI test: ORDERHUB_BENCH_PG="--scenario orders --mode
// closed" runs it with those bench arguments; ORDERHUB_BENCH_OUT appends the results.
// Diagnostics: ORDERHUB_BENCH_PG_SETTINGS adds server settings to the cluster
// ("log_min_duration_statement=5"), ORDERHUB_BENCH_PG_LOG writes the server's log
// (its first MiB) to a file.
func TestBenchPostgres(t *testing.T) {
	args := strings.Fields(os.Getenv("ORDERHUB_BENCH_PG"))
	if len(args) == 0 {
		t.Skip("a benchmark: set ORDERHUB_BENCH_PG to the bench arguments")
	}
	cl := pgtest.NewCluster(t, append([]string{"fsync=on", "synchronous_commit=on"}, strings.Fields(os.Getenv("ORDERHUB_BENCH_PG_SETTINGS"))...)...)
	dsn := cl.CreateDB(t)
	if out := os.Getenv("ORDERHUB_BENCH_PG_LOG"); out != "" {
		defer func() { _ = os.WriteFile(out, []byte(cl.Log()), 0o644) }()
	}
	args = append([]string{"--binary", orderhubBinary(t), "--db", dsn}, args...)
	if out := os.Getenv("ORDERHUB_BENCH_OUT"); out != "" {
		args = append(args, "--out", out)
	}
	cpu0, start := cl.CPU(), time.Now()
	stdout, stderr, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	took := time.Since(start)
	t.Log("\n" + stdout)
	// The server's own CPU (all its processes), over the whole run: fixtures, hubs
	// starting, warm-up and load.
	t.Logf("postgresql CPU %.1f s in the %.1f s run (%.0f%% of one core)", (cl.CPU() - cpu0).Seconds(), took.Seconds(), 100*(cl.CPU()-cpu0).Seconds()/took.Seconds())
}

// --sample-db (the retention soak's sampling, scripts/soak-retention.sh) reports the
// database's size over the run, as text and as a Markdown table.
func TestBenchSampleDB(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	out := filepath.Join(t.TempDir(), "soak.md")
	stdout, stderr, err := runCLI(t, "--binary", orderhubBinary(t), "--scenario", "orders", "--webhooks", "--receivers", "1", "--mode", "open", "--rate", "50",
		"--duration", "1s", "--warmup", "200ms", "--ceiling", "0", "--sample-db", "300ms", "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`(?m)^database size over the run .*\n( +[0-9]+: +[0-9.]+ \+ +[0-9.]+, free .*/s\n){3,}Growth in the first / second half`).MatchString(stdout) {
		t.Fatalf("no samples in\n%s", stdout)
	}
	if md, err := os.ReadFile(out); err != nil || !regexp.MustCompile(`\| t \(s\) \| file MB \|.*\n\|---.*\n(\| [0-9]+ \| [0-9.]+ \|.*\n){3,}\nGrowth`).Match(md) {
		t.Fatalf("markdown: %v\n%s", err, md)
	}
}
