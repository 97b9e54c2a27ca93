package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/httpapi"
)

// Abuse: the request rate of the token endpoint, and body size limits on every
// route that takes a body. Slow clients (read/write/idle timeouts) are tested
// against the real server in cmd/orderhub/abuse_test.go.

// A client address asking for tokens faster than the limit (5/s after a burst of
// 30) is answered 429 with Retry-After, whatever the credentials; the bucket
// refills with time.
func TestTokenEndpointRateLimitPerAddress(t *testing.T) {
	h := newTestHub(t)
	good := []byte(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.ClientID}, "client_secret": {h.Secret}}.Encode())
	other := []byte(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.Other.ClientID}, "client_secret": {h.Other.Secret}}.Encode())
	for i := range 30 {
		body := good
		if i%2 == 1 {
			body = other
		}
		h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", body, nil).expect(200, "")
	}
	for _, body := range [][]byte{good, other, []byte("grant_type=client_credentials&client_id=nobody&client_secret=x"), []byte("junk")} {
		r := h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", body, nil)
		if r.Status != 429 {
			t.Fatalf("request 31+: %d %s", r.Status, r.Body)
		}
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		if r.ErrorCode() != "too_many_requests" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("429 answer %v %s", r.Header, r.Body)
		}
	}
	// The bucket refills at 5 tokens a second.
	h.Clock.Add(time.Second)
	for range 5 {
		h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", good, nil).expect(200, "")
	}
	if r := h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", good, nil); r.Status != 429 {
		t.Fatalf("after the refill: %d %s", r.Status, r.Body)
	}
	// Other routes are not limited by it.
	h.ValidateSpec = false
	h.do("GET", "/healthz", "", nil, nil).expect(200, "")
}

// Every route that takes a body refuses one larger than 1 MiB with 413, whether
// its length is announced (Content-Length) or not (chunked), with valid
// credentials of its guard and nothing written. Routes that read no body answer
// without reading it (a 4xx here: the fixture ids do not exist); DELETEs that take
// no body are left out.
func TestBodyLimitOnEveryRoute(t *testing.T) {
	h := newTestHub(t)
	ids := isolationFixture(t, h)
	acme := h.token("")
	type target struct{ pattern, method, path, auth string }
	var targets []target
	for _, p := range registeredRoutes(t) {
		rt, ok := isolationRoutes[p]
		method, path, hasMethod := strings.Cut(p, " ")
		if !ok && strings.HasPrefix(path, adminRoutePrefix) {
			rt, ok = isoRoute{guard: guardAdmin}, true
		}
		if !hasMethod || method == "GET" || !ok || rt.noBody || (method == "DELETE" && rt.body == "") {
			continue // routes that read no body, DELETEs without one
		}
		tg := target{pattern: p, method: method, path: pathOf(p, rt, ids)}
		tg.auth = guardAuth(rt.guard, acme, h.Admin, ids)
		targets = append(targets, tg)
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].pattern < targets[j].pattern })
	// The other surfaces' POSTs: console login and the token endpoint.
	targets = append(targets, target{pattern: "console login", method: "POST", path: "/console/login"})

	big := bytes.Repeat([]byte("a"), httpapi.MaxBodyBytes+1)
	big[0] = '{'
	noRedirect := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(tg target, chunked bool) (int, string) {
		var body io.Reader = bytes.NewReader(big)
		if chunked {
			body = io.MultiReader(bytes.NewReader(big), bytes.NewReader(big)) // length unknown: sent chunked
		}
		req, err := http.NewRequest(tg.method, h.URL+tg.path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if tg.path == "/oauth/token" || tg.path == "/console/login" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if tg.auth != "" {
			req.Header.Set("Authorization", tg.auth)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			// The server may close the connection after answering early.
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	fp := openFingerprintDB(t, h)
	limited := 0
	for _, tg := range targets {
		for _, chunked := range []bool{false, true} {
			before := dbVersion(t, fp)
			status, body := send(tg, chunked)
			after := dbVersion(t, fp)
			where := tg.method + " " + tg.path
			if chunked {
				where += " (chunked)"
			}
			switch {
			case status == 503 && strings.Contains(body, "not configured"):
				t.Logf("%s: the surface is not configured in the test hub: %s", where, body)
			case status == 413:
				limited++
			case status == 0:
				t.Errorf("%s: no answer to an oversized body: %s", where, body)
			case status >= 500 || status < 400:
				t.Errorf("%s: answered %d to an oversized body: %s", where, status, body)
			default:
				t.Logf("%s: %d without reading the body (%.120s)", where, status, strings.TrimSpace(body))
			}
			if before != after {
				t.Errorf("%s: an oversized body changed the database (status %d)", where, status)
			}
		}
	}
	if limited == 0 {
		t.Fatal("no route answered 413")
	}
	t.Logf("%d routes, %d oversized requests answered 413", len(targets), limited)
	// The server is still well.
	h.do("GET", "/healthz", "", nil, nil).expect(200, "")
}

// guardAuth is the Authorization header a route behind guard g is called with in
// these tests: acme's token, the admin token or the Zapier session of ids.
func guardAuth(g guard, acme, admin string, ids map[string]string) string {
	switch g {
	case guardOAuth, guardHook:
		return "Bearer " + acme
	case guardAdmin:
		return "Bearer " + admin
	case guardZapier:
		return "Bearer " + ids["zapier"]
	}
	return ""
}
