package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/httpapi"
)

// The bench's ceiling: a trivial handler in the server, behind the same HTTP server
// and middleware as the API, that does what a vendor order does before it needs the
// database — read and decode the seed-001 body (orderhub.ParseVendorOrder, the API's
// own parser and checks) — and answers the seed's response
// ({"contractId", "responseKey": "CONTRACT_CREATED_AND_CONFIRMED"}) with a fresh
// contract id. The load generator (cmd/orderhub-bench) measures it in every run on
// the hub it spawned (--ceiling, or --scenario ceiling), so each scenario's figures
// are also reported as a share of what the same machine, in the same minute, does
// with no store at all. It stays in serve: it is part of the measured stack.
//
// It is no route of the API: serve mounts it only when its environment holds
// benchCeilingEnv, which the bench sets, to a random token, for the hub it spawns.
// Its path is /_bench/<token>/payments/vendor/{vendorId}/promos/code/{promoCode};
// without the variable (every production serve) that path is the API's 404 like any
// other unknown path.

// benchCeilingEnv is the environment variable through which the bench enables the
// ceiling handler in the serve it spawns (its value: the path token, ≥ 16 lowercase
// hex digits). cmd/orderhub-bench sets the same name.
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
