package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/httpapi"
)

// The bench's ceiling: a trivial handler in the same binary, behind the same HTTP
// server and middleware as the API, that does what a vendor order does before it
// needs the database — read and decode the seed-001 body (orderhub.ParseVendorOrder,
// the API's own parser and checks) — and answers the seed's response
// ({"contractId", "responseKey": "CONTRACT_CREATED_AND_CONFIRMED"}) with a fresh
// contract id. `orderhub bench` measures it in every run on the hub it spawned
// (--ceiling, or --scenario ceiling), so each scenario's figures are also reported as
// a share of what the same machine, in the same minute, does with no store at all.
//
// It is no route of the API: serve mounts it only when its environment holds
// benchCeilingEnv, which the bench sets, to a random token, for the hub it spawns.
// Its path is /_bench/<token>/payments/vendor/{vendorId}/promos/code/{promoCode};
// without the variable (every production serve) that path is the API's 404 like any
// other unknown path.

// ceilingScenario is the bench scenario of the ceiling alone.
const ceilingScenario = "ceiling"

// benchCeilingEnv is the environment variable through which the bench enables the
// ceiling handler in the serve it spawns (its value: the path token, ≥ 16 characters).
const benchCeilingEnv = "ORDERHUB_BENCH_CEILING"

// withBenchCeiling serves the ceiling handler under /_bench/<token>/ and everything
// else with api.
func withBenchCeiling(api *httpapi.Server, token string) http.Handler {
	prefix := "/_bench/" + token
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+prefix+"/payments/vendor/{vendorId}/promos/code/{promoCode}", benchCeilingOrder)
	ceiling := api.Middleware(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefix+"/") {
			ceiling.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// benchCeilingOrder decodes a seed-001 order and answers as the Vendor Order API does,
// writing nothing.
func benchCeilingOrder(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpapi.MaxBodyBytes))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	confirm, _ := strconv.ParseBool(r.URL.Query().Get("confirm"))
	o, err := orderhub.ParseVendorOrder(r.PathValue("vendorId"), r.PathValue("promoCode"), confirm, body, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := orderhub.ResponseCreated
	if o.Confirm {
		key = orderhub.ResponseCreatedConfirmed
	}
	b, _ := json.Marshal(orderhub.VendorOrderResult{ContractID: orderhub.NewUUID(), ResponseKey: key})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}

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
