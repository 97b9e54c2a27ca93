package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The ceiling (--ceiling, --scenario ceiling): a trivial handler in the spawned
// serve (cmd/orderhub/bench_ceiling.go), behind the same HTTP server and middleware
// as the API, that reads and decodes the seed-001 body with the API's own parser
// and answers the seed's response without touching the store. The bench measures it
// first on the hub it spawned, so each scenario's figures are also reported as a
// share of what the same machine, in the same minute, does with no store at all.
//
// serve mounts it only when its environment holds benchCeilingEnv (a random token
// the bench makes for each hub it spawns), under
// /_bench/<token>/payments/vendor/{vendorId}/promos/code/{promoCode}; without the
// variable (every production serve) that path is the API's 404.

// ceilingScenario is the bench scenario of the ceiling alone.
const ceilingScenario = "ceiling"

// benchCeilingEnv enables the ceiling handler in the serve the bench spawns (the
// same name as in cmd/orderhub/bench_ceiling.go; TestBenchCeilingHandler checks
// that they meet).
const benchCeilingEnv = "ORDERHUB_BENCH_CEILING"

// cpuPerRequest is the server's CPU time per 2xx answer over the window (0: unknown).
func (r *benchReport) cpuPerRequest() time.Duration {
	if r.serverCPU <= 0 || r.ok == 0 {
		return 0
	}
	return r.serverCPU / time.Duration(r.ok)
}

// ceilingText describes the same run's ceiling and the scenario as a share of it.
func (r *benchReport) ceilingText() string {
	c := r.ceiling
	if c == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ceiling     %.0f/s (trivial seed-001 handler in the same hub, closed loop, %d workers, %s)  p50 %s  p99 %s ms; server CPU %s µs/request\n",
		c.throughput(), c.cfg.concurrency, c.measured.Round(time.Millisecond), benchMS(benchPct(c.lat, 50)), benchMS(benchPct(c.lat, 99)), benchUS(c.cpuPerRequest()))
	fmt.Fprintf(&b, "vs ceiling  throughput %s of the ceiling's; server CPU per request %s the ceiling's\n", r.ceilingShare(), r.ceilingCPURatio())
	return b.String()
}

func (r *benchReport) ceilingMarkdown() string {
	c := r.ceiling
	if c == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| ceiling (same hub, trivial seed-001 handler, closed loop %d workers, %s) | %.0f/s, p50 / p99 %s / %s ms, server CPU %s µs/request |\n",
		c.cfg.concurrency, c.measured.Round(time.Millisecond), c.throughput(), benchMS(benchPct(c.lat, 50)), benchMS(benchPct(c.lat, 99)), benchUS(c.cpuPerRequest()))
	fmt.Fprintf(&b, "| throughput as a share of the ceiling | %s |\n", r.ceilingShare())
	fmt.Fprintf(&b, "| server CPU per request vs the ceiling's | %s (%s µs) |\n", r.ceilingCPURatio(), benchUS(r.cpuPerRequest()))
	if r.ceilingErrs() != "" {
		fmt.Fprintf(&b, "| ceiling errors | %s |\n", r.ceilingErrs())
	}
	return b.String()
}

func (r *benchReport) ceilingShare() string {
	if r.ceiling == nil || r.ceiling.throughput() == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*r.throughput()/r.ceiling.throughput(), 'f', 1, 64) + " %"
}

func (r *benchReport) ceilingCPURatio() string {
	if r.ceiling == nil || r.ceiling.cpuPerRequest() == 0 || r.cpuPerRequest() == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(r.cpuPerRequest())/float64(r.ceiling.cpuPerRequest()), 'f', 1, 64) + "×"
}

func (r *benchReport) ceilingErrs() string {
	if r.ceiling == nil || r.ceiling.errs == 0 {
		return ""
	}
	return fmt.Sprintf("%d (%.200s)", r.ceiling.errs, r.ceiling.errSample)
}

func benchUS(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e3, 'f', 0, 64) }
