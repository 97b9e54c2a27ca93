package httpapi_test

import (
	"sort"
	"strings"
	"testing"
)

// fuzzTarget is one route of the HTTP fuzz: a method, a concrete path and the
// credential that passes its guard.
type fuzzTarget struct {
	method, path, auth string
	seed               string
}

var fuzzContentTypes = []string{"application/json", "application/x-www-form-urlencoded", "text/plain", "", "application/json; charset=utf-8", "multipart/form-data; boundary=x"}

// FuzzHTTP sends fuzzed bodies to every registered route that takes one, through
// the real handler over loopback with valid credentials of the route's guard, and
// fails on any 5xx answer (a panic is answered 500 by the recoverer) or a broken
// connection. The routes and credentials come from the isolation matrix, so a new
// route is fuzzed as soon as it is listed there.
func FuzzHTTP(f *testing.F) {
	h := newTestHub(f)
	// The seeds are one generic body per method, with fields the contract does not
	// list (the admin APIs ignore unknown fields): this test is about robustness,
	// the contract tests are elsewhere.
	h.ValidateSpec = false
	ids := isolationFixture(f, h)
	acme := h.token("")
	var targets []fuzzTarget
	for _, p := range registeredRoutes(f) {
		rt, ok := isolationRoutes[p]
		method, path, hasMethod := strings.Cut(p, " ")
		if !hasMethod || rt.guard == guardConsole { // the catch-all, the console's subtree
			continue
		}
		if !ok && strings.HasPrefix(path, adminRoutePrefix) {
			rt, ok = isoRoute{guard: guardAdmin, body: adminBody(method)}, true
		}
		if !ok || method == "GET" || method == "" || p == "/" {
			continue
		}
		tg := fuzzTarget{method: method, path: pathOf(p, rt, ids), seed: expand(rt.body, ids)}
		tg.auth = guardAuth(rt.guard, acme, h.Admin, ids)
		if p == "POST /oauth/token" {
			tg.seed = "grant_type=client_credentials&client_id=" + h.ClientID + "&client_secret=wrong"
		}
		// A surface this test hub does not configure (e.g. the Yespo connector)
		// answers 503 ServiceUnavailableError by design: nothing to fuzz there.
		if res := h.do(tg.method, tg.path, "application/json", []byte(tg.seed), map[string]string{"Authorization": tg.auth}); res.Status == 503 {
			f.Logf("not fuzzed: %s %s answers 503 in the test hub: %s", tg.method, tg.path, res.Body)
			continue
		}
		targets = append(targets, tg)
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].method+targets[i].path < targets[j].method+targets[j].path })
	if len(targets) == 0 {
		f.Fatal("no routes to fuzz")
	}
	for i, tg := range targets {
		f.Add(uint16(i), uint8(0), []byte(tg.seed))
		f.Add(uint16(i), uint8(1), []byte(tg.seed))
		f.Add(uint16(i), uint8(0), []byte(`{"a":`))
	}
	f.Add(uint16(0), uint8(0), []byte(seedExample))
	f.Add(uint16(1), uint8(0), []byte(seedPurchase))
	f.Fuzz(func(t *testing.T, sel uint16, ct uint8, body []byte) {
		tg := targets[int(sel)%len(targets)]
		hh := *h
		hh.t = t
		res := hh.do(tg.method, tg.path, fuzzContentTypes[int(ct)%len(fuzzContentTypes)], body, map[string]string{"Authorization": tg.auth})
		if res.Status >= 500 {
			t.Fatalf("%s %s answered %d to %q: %s", tg.method, tg.path, res.Status, body, res.Body)
		}
	})
}
