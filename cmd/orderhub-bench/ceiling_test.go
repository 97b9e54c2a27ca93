package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"orderhub"
)

const ceilingOrderBody = `{"externalOrderId":"ORDER-2025-001234","quantity":1,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","startDate":"2025-01-08",
	"userData":{"email":"customer@example.com","fullName":"John Doe"},"vendorData":{"promoCode":"PROMOCODE","seller":"tm-team"}}`

func postCeiling(t *testing.T, url string, body string) (int, string) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The ceiling handler answers seed 001's response in a hub the bench spawned (with
// its token only), and is not there at all in a plain `serve`.
func TestBenchCeilingHandler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "hub.db")
	hub, err := spawnBenchHub(benchConfig{binary: orderhubBinary(t), dsn: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.stop()
	path := "/payments/vendor/bench/promos/code/PROMOCODE?confirm=true"
	st, body := postCeiling(t, hub.url+"/_bench/"+hub.ceilingToken+path, ceilingOrderBody)
	var res orderhub.VendorOrderResult
	if st != 200 || json.Unmarshal([]byte(body), &res) != nil || res.ResponseKey != orderhub.ResponseCreatedConfirmed ||
		!regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(res.ContractID) {
		t.Fatalf("ceiling: %d %s", st, body)
	}
	if st, body := postCeiling(t, hub.url+"/_bench/"+hub.ceilingToken+path, `{"quantity":1}`); st != 400 {
		t.Fatalf("ceiling with a body the API refuses: %d %s", st, body)
	}
	if st, body := postCeiling(t, hub.url+"/_bench/0123456789abcdef0123456789abcdef"+path, ceilingOrderBody); st != 404 || !strings.Contains(body, orderhub.ENotFound) {
		t.Fatalf("ceiling with another token: %d %s", st, body)
	}
	// A plain serve (no ORDERHUB_BENCH_CEILING): the path is the API's 404.
	in, err := spawnHub(orderhubBinary(t), "sqlite:"+filepath.Join(t.TempDir(), "plain.db"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	if st, body := postCeiling(t, in.url+"/_bench/"+hub.ceilingToken+path, ceilingOrderBody); st != 404 || !strings.Contains(body, orderhub.ENotFound) {
		t.Fatalf("plain serve: %d %s", st, body)
	}
}

// `orderhub-bench --scenario ceiling` measures the ceiling alone; other scenarios
// measure it first and report their figures as a share of it.
func TestBenchCeilingScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := orderhubBinary(t)
	out := filepath.Join(t.TempDir(), "bench.md")
	stdout, stderr, err := runCLI(t, "--binary", bin, "--scenario", "ceiling", "--duration", "1s", "--warmup", "200ms", "--concurrency", "4")
	if err != nil || !regexp.MustCompile(`throughput +[1-9][0-9]*/s \(2xx\) +errors 0 `).MatchString(stdout) {
		t.Fatalf("ceiling: %v\n%s\n%s", err, stdout, stderr)
	}
	stdout, stderr, err = runCLI(t, "--binary", bin, "--scenario", "orders", "--duration", "1s", "--warmup", "200ms", "--concurrency", "4",
		"--ceiling", "500ms", "--out", out)
	if err != nil {
		t.Fatalf("orders: %v\n%s", err, stderr)
	}
	for _, want := range []string{"ceiling ", "vs ceiling  throughput ", "% of the ceiling's", "the ceiling's\n"} {
		if !strings.Contains(stdout, want) {
			t.Fatalf("orders with the ceiling: no %q in\n%s", want, stdout)
		}
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| throughput as a share of the ceiling |") || !strings.Contains(string(md), "| ceiling (same hub") {
		t.Fatalf("markdown:\n%s", md)
	}
	if _, stderr, err := runCLI(t, "--scenario", "ceiling", "--url", "http://127.0.0.1:1", "--db", "sqlite:x.db"); err == nil || !strings.Contains(stderr, "needs a hub the bench spawns") {
		t.Fatalf("ceiling with --url: %v %s", err, stderr)
	}
}
