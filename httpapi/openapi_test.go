package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	yaml "github.com/oasdiff/yaml3"

	"orderhub/docs"
	"orderhub/internal/routescan"
	"orderhub/internal/seedexample"
)

// This file holds the contract tests: docs/openapi.yaml is loaded once, and
// validateAgainstSpec checks real exchanges with the test hub against it: every
// exchange of a test, unless the test turns testHub.ValidateSpec off.

// specContract is the loaded and validated API contract.
type specContract struct {
	doc    *openapi3.T
	router routers.Router
}

var loadSpec = sync.OnceValues(func() (*specContract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPIYAML())
	if err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml does not load: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	// The router matches paths only: the document's server is relative ("/"), and
	// the tests' requests go to a loopback address.
	paths := *doc
	paths.Servers = nil
	router, err := legacy.NewRouter(&paths)
	if err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml: router: %w", err)
	}
	return &specContract{doc: doc, router: router}, nil
})

// spec returns the contract, failing the test when it does not load.
func spec(t testing.TB) *specContract {
	t.Helper()
	c, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var specOptions = &openapi3filter.Options{
	AuthenticationFunc:    specAuthenticate,
	IncludeResponseStatus: true, // a status the operation does not document is a failure
	SkipSettingDefaults:   true,
	MultiError:            true,
}

// specAuthenticate checks that a request carries the credentials a security scheme
// asks for. Whether they are good is the server's business (and its 401/403).
func specAuthenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	s := in.SecurityScheme
	auth := req.Header.Get("Authorization")
	switch {
	case s.Type == "oauth2" || s.Type == "openIdConnect" || s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		if len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
			return nil
		}
		return in.NewError(errors.New("no bearer token"))
	case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
		if _, _, ok := req.BasicAuth(); ok {
			return nil
		}
		return in.NewError(errors.New("no Basic credentials"))
	case s.Type == "apiKey":
		var present bool
		switch s.In {
		case "header":
			present = req.Header.Get(s.Name) != ""
		case "query":
			present = req.URL.Query().Has(s.Name)
		case "cookie":
			_, err := req.Cookie(s.Name)
			present = err == nil
		}
		if present {
			return nil
		}
		return in.NewError(fmt.Errorf("no %s %q", s.In, s.Name))
	}
	return in.NewError(fmt.Errorf("security scheme %q is not understood by the contract tests", in.SecuritySchemeName))
}

// specCheck is the outcome of checking one exchange against the contract.
type specCheck struct {
	// Route is the operation the request maps to; nil when the contract has none.
	Route *routers.Route
	// Request is why the request breaks the contract (expected of tests sending
	// bad input), nil when it conforms.
	Request error
	// Response is why the response breaks the contract: always a bug.
	Response error
}

// specMu serialises validation: the tests run exchanges concurrently, and the
// validator's schema caches are not documented as safe for concurrent use.
var specMu sync.Mutex

// checkAgainstSpec checks the request and the response of an exchange.
func checkAgainstSpec(c *specContract, res *response) specCheck {
	specMu.Lock()
	defer specMu.Unlock()
	ctx := context.Background()
	req, err := replayableRequest(res.Req)
	if err != nil {
		return specCheck{Response: err}
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return specCheck{Request: fmt.Errorf("no operation in docs/openapi.yaml: %w", err), Response: checkUnrouted(c, req, res)}
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: specOptions}
	out := specCheck{Route: route, Request: openapi3filter.ValidateRequest(ctx, in)}
	rv := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header, Options: specOptions}
	rv.SetBodyBytes(res.Body)
	out.Response = openapi3filter.ValidateResponse(ctx, rv)
	if out.Response == nil && len(res.Body) > 0 && res.Header.Get("Content-Type") == "" {
		out.Response = errors.New("a body without Content-Type")
	}
	return out
}

// checkUnrouted checks the answer to a request the contract has no operation for:
// 405 MethodNotAllowedError with Allow when the path exists for other methods,
// else 404 NotFoundError, in the shared error format.
func checkUnrouted(c *specContract, req *http.Request, res *response) error {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := req.Clone(req.Context())
		probe.Method = m
		if _, _, err := c.router.FindRoute(probe); err == nil {
			allow = append(allow, m)
		}
	}
	name, status := "NotFound", http.StatusNotFound
	if len(allow) > 0 {
		name, status = "MethodNotAllowed", http.StatusMethodNotAllowed
		if got := res.Header.Get("Allow"); got != strings.Join(allow, ", ") {
			return fmt.Errorf("Allow is %q, the contract has %q", got, strings.Join(allow, ", "))
		}
	}
	if res.Status != status {
		return fmt.Errorf("status %d; a request without an operation in the contract must be answered %d", res.Status, status)
	}
	return checkBody(c, name, res)
}

// checkBody validates a response against one of components.responses.
func checkBody(c *specContract, response string, res *response) error {
	ref := c.doc.Components.Responses[response]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("components.responses.%s is missing", response)
	}
	mt, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
	media := ref.Value.Content.Get(mt)
	if media == nil {
		return fmt.Errorf("content type %q; components.responses.%s has none such", res.Header.Get("Content-Type"), response)
	}
	var v any
	if err := json.Unmarshal(res.Body, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if err := media.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("components.responses.%s: %w", response, err)
	}
	return nil
}

// replayableRequest returns a copy of the request of an exchange with its body
// readable again.
func replayableRequest(r *http.Request) (*http.Request, error) {
	cp := r.Clone(context.Background())
	switch {
	case r.GetBody != nil:
		b, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		cp.Body = b
	case r.Body != nil:
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		cp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return cp, nil
}

// validateAgainstSpec fails the test (without stopping it) unless the response of
// an exchange matches docs/openapi.yaml — status documented for the operation,
// content type and body schema, documented headers — and unless a request that
// breaks the contract was refused with a 4xx. It is safe to call from any
// goroutine.
func validateAgainstSpec(t testing.TB, res *response) {
	t.Helper()
	c, err := loadSpec()
	if err != nil {
		t.Error(err)
		return
	}
	if undocumentedRoute(res.Req) {
		return
	}
	chk := checkAgainstSpec(c, res)
	what := res.Req.Method + " " + res.Req.URL.RequestURI()
	if chk.Response != nil {
		t.Errorf("%s → %d: the response breaks docs/openapi.yaml: %v\nbody: %.2000s", what, res.Status, chk.Response, res.Body)
	}
	if chk.Request != nil && chk.Route != nil && (res.Status < 400 || res.Status >= 500) {
		t.Errorf("%s: the request breaks docs/openapi.yaml (%v), yet the server answered %d: the contract and the handler disagree", what, chk.Request, res.Status)
	}
}

// TestSpecIsValid loads docs/openapi.yaml and validates it as an OpenAPI 3.1
// document, examples included.
func TestSpecIsValid(t *testing.T) {
	c := spec(t)
	if !c.doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", c.doc.OpenAPI)
	}
	if err := c.doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatal(err)
	}
	for _, scope := range []string{"paymentsContractThirdPartyOnboarding", "externalPurchases", "salesmanago", "events"} {
		if _, ok := c.doc.Components.SecuritySchemes["oauth2"].Value.Flows.ClientCredentials.Scopes[scope]; !ok {
			t.Errorf("the oauth2 scheme lacks the scope %s", scope)
		}
	}
}

// TestOpenAPIJSONIsServedAndEqualsTheYAML checks that /openapi.json serves
// docs/openapi.yaml, value for value.
func TestOpenAPIJSONIsServedAndEqualsTheYAML(t *testing.T) {
	h := newTestHub(t)
	res := h.do("GET", "/openapi.json", "", nil, nil).expect(200, "")
	validateAgainstSpec(t, res)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var served, written any
	if err := json.Unmarshal(res.Body, &served); err != nil {
		t.Fatal(err)
	}
	// Parse the YAML with a YAML parser of its own (not the converter the server
	// uses), then normalise both through encoding/json.
	var y any
	if err := yaml.Unmarshal(docs.OpenAPIYAML(), &y); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(y)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &written); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(served, written) {
		t.Fatal("/openapi.json differs from docs/openapi.yaml")
	}
	if _, err := openapi3.NewLoader().LoadFromData(res.Body); err != nil {
		t.Fatalf("/openapi.json does not load as OpenAPI: %v", err)
	}
}

// specExemptRoutes are routes that need not be in the contract, with the reason.
var specExemptRoutes = map[string]string{
	"/":                "the catch-all answering 404 NotFoundError and 405 MethodNotAllowedError; checked by checkUnrouted",
	"/console/":        "the web console: HTML pages with their own login and CSRF tokens, documented in docs/console.md",
	"GET /favicon.ico": "the console's icon (image/x-icon), which browsers fetch at the root of the host; docs/console.md",
	"/portal/":         "vendor portals: HTML pages opened by signed links (POST /admin/v1/vendors/{vendorId}/portal-links), documented in docs/console.md",
}

// specUndocumentedRoutes lists routes that were registered before their surface's
// paths were added to docs/openapi.yaml. The list only shrinks: a new route must
// come with its path, and a route documented while still listed here fails the
// test until its line is deleted.
var specUndocumentedRoutes = map[string]string{}

// undocumentedMux matches requests against specUndocumentedRoutes.
var undocumentedMux = sync.OnceValue(func() *http.ServeMux {
	m := http.NewServeMux()
	for p := range specUndocumentedRoutes {
		m.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	return m
})

// undocumentedRoute reports whether a request goes to the path of a route listed
// in specUndocumentedRoutes (with any method): validateAgainstSpec has no
// contract to check it against.
func undocumentedRoute(r *http.Request) bool {
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(context.Background())
		probe.Method = m
		if _, pattern := undocumentedMux().Handler(probe); pattern != "" {
			return true
		}
	}
	return false
}

// registeredRoutes returns the pattern of every HandleFunc/Handle call in package
// httpapi (routes.go and the surfaces' files). Patterns may be string constant
// expressions ("GET "+prefix+"/x" with prefix a constant); a pattern the scan
// cannot evaluate fails the test rather than escaping it.
func registeredRoutes(t testing.TB) []string {
	t.Helper()
	patterns := routescan.Patterns(t, "*.go")
	if !slices.Contains(patterns, "POST /oauth/token") {
		t.Fatalf("found no route POST /oauth/token among %q: the route scan is broken", patterns)
	}
	return patterns
}

var wildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}|\{\$\}`)

// specPathOf maps a net/http pattern's path onto an OpenAPI path template.
func specPathOf(path string) string {
	return wildcard.ReplaceAllStringFunc(path, func(m string) string {
		if m == "{$}" {
			return ""
		}
		return "{" + strings.TrimSuffix(strings.Trim(m, "{}"), "...") + "}"
	})
}

// TestEveryRouteIsInTheSpec checks that every route registered in httpapi has an
// operation in docs/openapi.yaml, with the same path parameter names, and that
// every operation of the document is served.
func TestEveryRouteIsInTheSpec(t *testing.T) {
	c := spec(t)
	served := map[string]bool{} // "METHOD /path" or "* /path"
	for _, p := range registeredRoutes(t) {
		if _, ok := specExemptRoutes[p]; ok {
			continue
		}
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "*", p
		}
		if i := strings.IndexByte(path, '/'); i > 0 { // a host pattern
			path = path[i:]
		}
		path = specPathOf(path)
		served[method+" "+path] = true
		problem := ""
		switch item := c.doc.Paths.Value(path); {
		case item == nil:
			problem = "docs/openapi.yaml has no path " + path
		case method == "*" && len(item.Operations()) == 0:
			problem = "docs/openapi.yaml has no operation on " + path
		case method != "*" && item.GetOperation(method) == nil:
			problem = "docs/openapi.yaml has no " + method + " operation on " + path
		}
		if surface, listed := specUndocumentedRoutes[p]; listed {
			if problem == "" {
				t.Errorf("route %q is documented now: delete its line from specUndocumentedRoutes", p)
			} else {
				t.Logf("route %q (%s): %s", p, surface, problem)
			}
			continue
		}
		if problem != "" {
			t.Errorf("route %q: %s", p, problem)
		}
	}
	for _, path := range c.doc.Paths.InMatchingOrder() {
		for method := range c.doc.Paths.Value(path).Operations() {
			if !served[method+" "+path] && !served["* "+path] && !(method == "HEAD" && served["GET "+path]) {
				t.Errorf("docs/openapi.yaml documents %s %s, which no route serves", method, path)
			}
		}
	}
}

// TestEveryErrorCodeIsInTheSpec checks that every error code of the domain package
// (the E… string constants) is listed in components.schemas.ErrorCode, both in the
// enum and in the table of its description.
func TestEveryErrorCodeIsInTheSpec(t *testing.T) {
	c := spec(t)
	ec := c.doc.Components.Schemas["ErrorCode"].Value
	isCode := regexp.MustCompile(`^E[A-Z]`)
	n := 0
	_, files := routescan.ParseGoFiles(t, "../*.go")
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !isCode.MatchString(id.Name) || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					code, _ := strconv.Unquote(lit.Value)
					n++
					if !slices.Contains(ec.Enum, any(code)) {
						t.Errorf("error code %s (%s) is missing from components.schemas.ErrorCode.enum in docs/openapi.yaml", code, id.Name)
					}
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("found only %d error codes in the domain package: the scan is broken", n)
	}
	for _, v := range ec.Enum {
		if !strings.Contains(ec.Description, fmt.Sprintf("| %s |", v)) {
			t.Errorf("error code %s is missing from the table in the description of components.schemas.ErrorCode", v)
		}
	}
}

// specVerdict says whether a test request conforms to the contract.
type specVerdict int

const (
	conforms specVerdict = iota + 1 // a valid request per the contract
	breaks                          // the contract itself rejects the request
)

// specCase is one real request of TestResponsesMatchTheSpec.
type specCase struct {
	name    string
	do      func(h *testHub) *response
	status  int
	code    string      // the `error` field of an error body (orderhub or RFC 6749)
	field   string      // the `field` of an orderhub error body, when set
	request specVerdict // whether the request itself conforms to the contract
	check   func(t *testing.T, res *response)
}

// specOrder returns a valid vendor order body; edit changes it.
func specOrder(id string, edit func(o, user map[string]any)) map[string]any {
	user := map[string]any{
		"email": "anna@example.com", "fullName": "Anna Andersson", "phone": "+46 70-123 45 67",
		"address": map[string]any{"firstName": "Anna", "lastName": "Andersson", "street": "Storgatan 1", "zip": "11122", "city": "Stockholm", "country": "SE"},
	}
	o := map[string]any{"externalOrderId": id, "quantity": 1, "paymentMethod": "INVOICE", "paymentProvider": "BILLOGRAM", "userData": user}
	if edit != nil {
		edit(o, user)
	}
	return o
}

// specSeedOrder is seed 001's request body example, verbatim.
const specSeedOrder = seedexample.VendorOrder

// TestResponsesMatchTheSpec sends real requests — successes and every error the
// token and vendor-order endpoints answer — and checks each exchange against
// docs/openapi.yaml: the response must match the contract, and the request must
// conform to it or break it as the case says.
func TestResponsesMatchTheSpec(t *testing.T) {
	spec(t)
	h := newTestHub(t)
	tok := h.token("")
	eventsTok := h.token("events")
	otherTok := h.tokenFor(h.Other.ClientID, h.Other.Secret, "")

	const order = "/payments/vendor/acme/promos/code/PROMOCODE"
	form := func(v url.Values) []byte { return []byte(v.Encode()) }
	creds := url.Values{"grant_type": {"client_credentials"}, "client_id": {h.ClientID}, "client_secret": {h.Secret}}
	withCreds := func(extra url.Values) []byte {
		v := url.Values{}
		for k, x := range creds {
			v[k] = x
		}
		for k, x := range extra {
			v[k] = x
		}
		return form(v)
	}
	post := func(path, token string, body any) func(h *testHub) *response {
		return func(h *testHub) *response { return h.jsonReq("POST", path, token, body) }
	}
	get := func(path, token string) func(h *testHub) *response {
		return func(h *testHub) *response { return h.jsonReq("GET", path, token, nil) }
	}
	putQuota := func(body any) func(h *testHub) *response {
		return func(h *testHub) *response { return h.jsonReq("PUT", "/admin/v1/vendors/acme/quotas", h.Admin, body) }
	}
	tokenReq := func(ct string, body []byte, hdr map[string]string) func(h *testHub) *response {
		return func(h *testHub) *response { return h.do("POST", "/oauth/token", ct, body, hdr) }
	}
	const formCT = "application/x-www-form-urlencoded"
	var seedContract, pendingContract string
	result := func(key string, id *string) func(t *testing.T, res *response) {
		return func(t *testing.T, res *response) {
			var r struct{ ContractID, ResponseKey, DelayedContractStartsAt string }
			res.JSON(&r)
			if r.ResponseKey != key {
				t.Errorf("responseKey %s, want %s", r.ResponseKey, key)
			}
			if id == nil {
				return
			}
			if *id == "" {
				*id = r.ContractID
			} else if r.ContractID != *id {
				t.Errorf("contractId %s, want the first answer's %s", r.ContractID, *id)
			}
		}
	}
	future := h.Clock.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	big := specOrder("ORD-BIG", func(o, u map[string]any) { u["extraData"] = map[string]any{"pad": strings.Repeat("x", 1<<20)} })

	cases := []specCase{
		// Ops.
		{name: "healthz", do: get("/healthz", ""), status: 200, request: conforms},
		{name: "readyz", do: get("/readyz", ""), status: 200, request: conforms},
		{name: "metrics", do: get("/metrics", ""), status: 200, request: conforms},
		{name: "openapi.json", do: get("/openapi.json", ""), status: 200, request: conforms},
		{name: "unknown path", do: get("/no/such/route", ""), status: 404, code: "NotFoundError", request: breaks},
		{name: "wrong method", do: get("/oauth/token", ""), status: 405, code: "MethodNotAllowedError", request: breaks},
		{name: "wrong method on a templated path", do: func(h *testHub) *response {
			return h.jsonReq("DELETE", "/payments/vendor/acme/contracts", tok, nil)
		}, status: 405, code: "MethodNotAllowedError", request: breaks},

		// POST /oauth/token.
		{name: "token: form body", do: tokenReq(formCT, withCreds(url.Values{"scope": {"paymentsContractThirdPartyOnboarding"}}), nil), status: 200, request: conforms},
		{name: "token: Basic auth", do: tokenReq(formCT, form(url.Values{"grant_type": {"client_credentials"}}), map[string]string{"Authorization": "Basic " + basicAuth(h.ClientID, h.Secret)}), status: 200, request: conforms},
		{name: "token: JSON body", do: func(h *testHub) *response {
			b, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": h.ClientID, "client_secret": h.Secret})
			return h.do("POST", "/oauth/token", "application/json", b, nil)
		}, status: 200, request: conforms},
		{name: "token: legacy scope alias", do: tokenReq(formCT, withCreds(url.Values{"scope": {"payments:contract:third-party-onboarding"}}), nil), status: 200, request: conforms,
			check: func(t *testing.T, res *response) {
				if !contains(string(res.Body), `"scope":"paymentsContractThirdPartyOnboarding"`) {
					t.Errorf("alias not granted as the canonical scope: %s", res.Body)
				}
			}},
		{name: "token: invalid_client, unknown client", do: tokenReq(formCT, form(url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {"x"}}), nil), status: 401, code: "invalid_client", request: conforms},
		{name: "token: invalid_client, wrong secret", do: tokenReq(formCT, withCreds(url.Values{"client_secret": {"wrong"}}), nil), status: 401, code: "invalid_client", request: conforms},
		{name: "token: invalid_client, no credentials", do: tokenReq(formCT, form(url.Values{"grant_type": {"client_credentials"}}), nil), status: 401, code: "invalid_client", request: conforms},
		{name: "token: invalid_scope", do: tokenReq(formCT, withCreds(url.Values{"scope": {"admin"}}), nil), status: 400, code: "invalid_scope", request: conforms},
		{name: "token: unsupported_grant_type", do: tokenReq(formCT, withCreds(url.Values{"grant_type": {"password"}}), nil), status: 400, code: "unsupported_grant_type", request: breaks},
		{name: "token: invalid_request, no grant_type", do: tokenReq(formCT, form(url.Values{"client_id": {h.ClientID}, "client_secret": {h.Secret}}), nil), status: 400, code: "invalid_request", request: breaks},
		{name: "token: invalid_request, credentials twice", do: tokenReq(formCT, withCreds(nil), map[string]string{"Authorization": "Basic " + basicAuth(h.ClientID, h.Secret)}), status: 400, code: "invalid_request", request: conforms},
		{name: "token: invalid_request, XML body", do: tokenReq("application/xml", []byte("<grant_type>client_credentials</grant_type>"), nil), status: 400, code: "invalid_request", request: breaks},
		{name: "token: invalid_request, malformed JSON", do: tokenReq("application/json", []byte(`{"grant_type":`), nil), status: 400, code: "invalid_request", request: breaks},
		{name: "token: body over 1 MiB", do: tokenReq(formCT, withCreds(url.Values{"pad": {strings.Repeat("x", 1<<20)}}), nil), status: 413, code: "invalid_request", request: conforms},
		{name: "token: too many wrong secrets", do: func(h *testHub) *response {
			bad := form(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.Other.ClientID}, "client_secret": {"wrong"}})
			for range 5 {
				h.do("POST", "/oauth/token", formCT, bad, nil).expect(401, "invalid_client")
			}
			return h.do("POST", "/oauth/token", formCT, bad, nil)
		}, status: 429, code: "too_many_requests", request: conforms},

		// POST /payments/vendor/{vendorId}/promos/code/{promoCode}: successes and replays.
		{name: "order: seed example, confirm=true", do: post(order+"?confirm=true", tok, specSeedOrder), status: 200, request: conforms,
			check: result("CONTRACT_CREATED_AND_CONFIRMED", &seedContract)},
		{name: "order: seed example again → SKIPPED_ALREADY_CONFIRMED", do: post(order+"?confirm=true", tok, specSeedOrder), status: 200, request: conforms,
			check: result("SKIPPED_ALREADY_CONFIRMED", &seedContract)},
		{name: "order: seed example again without confirm → SKIPPED_ALREADY_CONFIRMED", do: post(order, tok, specSeedOrder), status: 200, request: conforms,
			check: result("SKIPPED_ALREADY_CONFIRMED", &seedContract)},
		{name: "order: same externalOrderId, other content → 409", do: post(order+"?confirm=true", tok, strings.Replace(specSeedOrder, `"quantity": 1`, `"quantity": 2`, 1)),
			status: 409, code: "ConflictError", request: conforms},
		{name: "order: same externalOrderId, other promo code → 409", do: post("/payments/vendor/acme/promos/code/BUNDLE?confirm=true", tok, specSeedOrder),
			status: 409, code: "ConflictError", request: conforms},
		{name: "order: without confirm → CONTRACT_CREATED", do: post(order, tok, specOrder("ORD-PENDING", nil)), status: 200, request: conforms,
			check: result("CONTRACT_CREATED", &pendingContract)},
		{name: "order: pending, replayed with confirm=false → CONTRACT_CREATED", do: post(order+"?confirm=false", tok, specOrder("ORD-PENDING", nil)), status: 200, request: conforms,
			check: result("CONTRACT_CREATED", &pendingContract)},
		{name: "order: pending, replayed with confirm=true → CONTRACT_CREATED_AND_CONFIRMED", do: post(order+"?confirm=true", tok, specOrder("ORD-PENDING", nil)), status: 200, request: conforms,
			check: result("CONTRACT_CREATED_AND_CONFIRMED", &pendingContract)},
		{name: "order: confirmed, replayed → SKIPPED_ALREADY_CONFIRMED", do: post(order+"?confirm=1", tok, specOrder("ORD-PENDING", nil)), status: 200, request: conforms,
			check: result("SKIPPED_ALREADY_CONFIRMED", &pendingContract)},
		{name: "order: future startDate → delayedContractStartsAt", do: post(order+"?confirm=true", tok, specOrder("ORD-DELAYED", func(o, u map[string]any) { o["startDate"] = future })),
			status: 200, request: conforms, check: func(t *testing.T, res *response) {
				if !contains(string(res.Body), `"delayedContractStartsAt":"`+future+`"`) {
					t.Errorf("no delayedContractStartsAt %s: %s", future, res.Body)
				}
			}},
		{name: "order: minimal body, quantity defaulted", do: post(order, tok, `{"externalOrderId":"ORD-MIN","paymentMethod":"SWISH","paymentProvider":"STRIPE","userData":{"email":"min@example.com"}}`),
			status: 200, request: conforms, check: result("CONTRACT_CREATED", nil)},
		{name: "order: ownerData, CARD/STRIPE, numeric SMNO", do: post("/payments/vendor/acme/promos/code/BUNDLE?confirm=true", tok, specOrder("ORD-OWNER", func(o, u map[string]any) {
			o["paymentMethod"], o["paymentProvider"], o["quantity"] = "CARD", "STRIPE", 2
			o["ownerData"] = map[string]any{"email": "payer@example.com", "fullName": "Per Payer", "address": map[string]any{"country": "no"}}
			o["vendorData"] = map[string]any{"SMNO": "12345", "seller": "tm-team"}
		})), status: 200, request: conforms, check: result("CONTRACT_CREATED_AND_CONFIRMED", nil)},
		{name: "order: SMNO as a JSON number", do: post(order, tok, specOrder("ORD-SMNO-NUM", func(o, u map[string]any) { o["vendorData"] = map[string]any{"SMNO": 12345} })),
			status: 200, request: conforms},

		// The seed's error table.
		{name: "order: UserEmailRequiredError", do: post(order, tok, specOrder("ORD-E1", func(o, u map[string]any) { delete(u, "email") })),
			status: 400, code: "UserEmailRequiredError", field: "userData.email", request: breaks},
		{name: "order: UserEmailRequiredError, no userData", do: post(order, tok, specOrder("ORD-E2", func(o, u map[string]any) { delete(o, "userData") })),
			status: 400, code: "UserEmailRequiredError", field: "userData.email", request: breaks},
		{name: "order: InvalidAddressError, unassigned code", do: post(order, tok, specOrder("ORD-E3", func(o, u map[string]any) { u["address"].(map[string]any)["country"] = "XX" })),
			status: 400, code: "InvalidAddressError", field: "userData.address.country", request: conforms},
		{name: "order: InvalidAddressError, a name", do: post(order, tok, specOrder("ORD-E4", func(o, u map[string]any) { u["address"].(map[string]any)["country"] = "Sweden" })),
			status: 400, code: "InvalidAddressError", field: "userData.address.country", request: breaks},
		{name: "order: Unauthorized, no token", do: post(order, "", specOrder("ORD-E5", nil)), status: 401, code: "Unauthorized", request: breaks},
		{name: "order: Unauthorized, bad token", do: post(order, "not-a-token", specOrder("ORD-E6", nil)), status: 401, code: "Unauthorized", request: conforms},
		{name: "order: Forbidden, other vendor", do: post("/payments/vendor/other/promos/code/PROMOCODE", tok, specOrder("ORD-E7", nil)), status: 403, code: "Forbidden", request: conforms},
		{name: "order: Forbidden, missing scope", do: post(order, eventsTok, specOrder("ORD-E8", nil)), status: 403, code: "Forbidden", request: conforms},
		{name: "order: PromoCodeNotFoundError", do: post("/payments/vendor/acme/promos/code/NOPE", tok, specOrder("ORD-E9", nil)), status: 404, code: "PromoCodeNotFoundError", request: conforms},
		{name: "order: InvalidSMNOError", do: post(order, tok, specOrder("ORD-E10", func(o, u map[string]any) { o["vendorData"] = map[string]any{"SMNO": "12AB"} })),
			status: 422, code: "InvalidSMNOError", field: "vendorData.SMNO", request: breaks},
		{name: "order: InvalidSMNOError, negative number", do: post(order, tok, specOrder("ORD-E11", func(o, u map[string]any) { o["vendorData"] = map[string]any{"SMNO": -5} })),
			status: 422, code: "InvalidSMNOError", field: "vendorData.SMNO", request: breaks},

		// Malformed bodies and fields.
		{name: "order: malformed JSON", do: post(order, tok, `{"externalOrderId": `), status: 400, code: "InvalidRequestError", request: breaks},
		{name: "order: not an object", do: post(order, tok, `[]`), status: 400, code: "InvalidRequestError", request: breaks},
		{name: "order: empty body", do: func(h *testHub) *response {
			return h.do("POST", order, "application/json", nil, map[string]string{"Authorization": "Bearer " + tok})
		}, status: 400, code: "InvalidRequestError", request: breaks},
		{name: "order: wrong type", do: post(order, tok, specOrder("x", func(o, u map[string]any) { o["externalOrderId"] = 123 })),
			status: 400, code: "InvalidRequestError", field: "externalOrderId", request: breaks},
		{name: "order: ExternalOrderIdRequiredError", do: post(order, tok, specOrder("x", func(o, u map[string]any) { delete(o, "externalOrderId") })),
			status: 400, code: "ExternalOrderIdRequiredError", field: "externalOrderId", request: breaks},
		{name: "order: blank externalOrderId", do: post(order, tok, specOrder("   ", nil)),
			status: 400, code: "ExternalOrderIdRequiredError", field: "externalOrderId", request: breaks},
		{name: "order: externalOrderId too long", do: post(order, tok, specOrder(strings.Repeat("x", 256), nil)),
			status: 400, code: "InvalidRequestError", field: "externalOrderId", request: breaks},
		{name: "order: bad paymentMethod", do: post(order, tok, specOrder("ORD-E20", func(o, u map[string]any) { o["paymentMethod"] = "BITCOIN" })),
			status: 400, code: "InvalidPaymentMethodError", field: "paymentMethod", request: breaks},
		{name: "order: lower-case paymentMethod", do: post(order, tok, specOrder("ORD-E21", func(o, u map[string]any) { o["paymentMethod"] = "invoice" })),
			status: 400, code: "InvalidPaymentMethodError", field: "paymentMethod", request: breaks},
		{name: "order: missing paymentMethod", do: post(order, tok, specOrder("ORD-E22", func(o, u map[string]any) { delete(o, "paymentMethod") })),
			status: 400, code: "InvalidPaymentMethodError", field: "paymentMethod", request: breaks},
		{name: "order: bad paymentProvider", do: post(order, tok, specOrder("ORD-E23", func(o, u map[string]any) { o["paymentProvider"] = "PAYPAL" })),
			status: 400, code: "InvalidPaymentProviderError", field: "paymentProvider", request: breaks},
		{name: "order: bad email", do: post(order, tok, specOrder("ORD-E24", func(o, u map[string]any) { u["email"] = "not-an-email" })),
			status: 400, code: "InvalidEmailError", field: "userData.email", request: breaks},
		{name: "order: email without a domain dot", do: post(order, tok, specOrder("ORD-E25", func(o, u map[string]any) { u["email"] = "anna@localhost" })),
			status: 400, code: "InvalidEmailError", field: "userData.email", request: breaks},
		{name: "order: bad ownerData email", do: post(order, tok, specOrder("ORD-E26", func(o, u map[string]any) { o["ownerData"] = map[string]any{"email": "payer@"} })),
			status: 400, code: "InvalidEmailError", field: "ownerData.email", request: breaks},
		{name: "order: bad phone", do: post(order, tok, specOrder("ORD-E27", func(o, u map[string]any) { u["phone"] = "call me" })),
			status: 400, code: "InvalidPhoneError", field: "userData.phone", request: breaks},
		{name: "order: phone with too few digits", do: post(order, tok, specOrder("ORD-E28", func(o, u map[string]any) { u["phone"] = "+46 70" })),
			status: 400, code: "InvalidPhoneError", field: "userData.phone", request: conforms},
		{name: "order: bad date format", do: post(order, tok, specOrder("ORD-E29", func(o, u map[string]any) { o["startDate"] = "08/01/2025" })),
			status: 400, code: "InvalidDateError", field: "startDate", request: breaks},
		{name: "order: impossible date", do: post(order, tok, specOrder("ORD-E30", func(o, u map[string]any) { o["startDate"] = "2025-02-30" })),
			status: 400, code: "InvalidDateError", field: "startDate", request: conforms},
		{name: "order: quantity 0", do: post(order, tok, specOrder("ORD-E31", func(o, u map[string]any) { o["quantity"] = 0 })),
			status: 400, code: "InvalidQuantityError", field: "quantity", request: breaks},
		{name: "order: fractional quantity", do: post(order, tok, specOrder("ORD-E32", func(o, u map[string]any) { o["quantity"] = 1.5 })),
			status: 400, code: "InvalidQuantityError", field: "quantity", request: breaks},
		{name: "order: quantity over 1000", do: post(order, tok, specOrder("ORD-E33", func(o, u map[string]any) { o["quantity"] = 1001 })),
			status: 400, code: "InvalidQuantityError", field: "quantity", request: breaks},
		{name: "order: quantity as a string", do: post(order, tok, specOrder("ORD-E34", func(o, u map[string]any) { o["quantity"] = "2" })),
			status: 400, code: "InvalidRequestError", field: "quantity", request: breaks},
		{name: "order: extraData not an object", do: post(order, tok, specOrder("ORD-E35", func(o, u map[string]any) { u["extraData"] = "vip" })),
			status: 400, code: "InvalidRequestError", field: "userData.extraData", request: breaks},
		{name: "order: vendorData not an object", do: post(order, tok, specOrder("ORD-E36", func(o, u map[string]any) { o["vendorData"] = []any{"x"} })),
			status: 400, code: "InvalidRequestError", field: "vendorData", request: breaks},
		{name: "order: confirm=bogus", do: post(order+"?confirm=bogus", tok, specOrder("ORD-E37", nil)),
			status: 400, code: "InvalidRequestError", field: "confirm", request: breaks},
		{name: "order: body over 1 MiB", do: post(order, tok, big), status: 413, code: "PayloadTooLargeError", request: conforms},
		{name: "order: XML body", do: func(h *testHub) *response {
			return h.do("POST", order, "application/xml", []byte("<order/>"), map[string]string{"Authorization": "Bearer " + tok})
		}, status: 415, code: "UnsupportedMediaTypeError", request: breaks},

		// Check before retrying.
		{name: "contracts: by externalOrderId", do: get("/payments/vendor/acme/contracts?externalOrderId=ORDER-2025-001234", tok), status: 200, request: conforms,
			check: func(t *testing.T, res *response) {
				var l struct {
					Data []struct{ ContractID, Status, ResponseKey string }
				}
				res.JSON(&l)
				if len(l.Data) != 1 || l.Data[0].ContractID != seedContract || l.Data[0].Status != "CONFIRMED" {
					t.Errorf("want the seed order's one confirmed contract %s: %s", seedContract, res.Body)
				}
			}},
		{name: "contracts: unknown externalOrderId → empty list", do: get("/payments/vendor/acme/contracts?externalOrderId=NEVER-SENT", tok), status: 200, request: conforms,
			check: func(t *testing.T, res *response) {
				if strings.TrimSpace(string(res.Body)) != `{"data":[]}` {
					t.Errorf("want an empty list: %s", res.Body)
				}
			}},
		{name: "contracts: recent", do: get("/payments/vendor/acme/contracts", tok), status: 200, request: conforms},
		{name: "contracts: no token", do: get("/payments/vendor/acme/contracts", ""), status: 401, code: "Unauthorized", request: breaks},
		{name: "contracts: other vendor", do: get("/payments/vendor/other/contracts", tok), status: 403, code: "Forbidden", request: conforms},
		{name: "contract: by id", do: func(h *testHub) *response {
			return h.jsonReq("GET", "/payments/vendor/acme/contracts/"+pendingContract, tok, nil)
		},
			status: 200, request: conforms, check: func(t *testing.T, res *response) {
				if !contains(string(res.Body), `"status":"CONFIRMED"`) || !contains(string(res.Body), `"contractId":"`+pendingContract+`"`) {
					t.Errorf("want the confirmed contract %s: %s", pendingContract, res.Body)
				}
			}},
		{name: "contract: ContractNotFoundError", do: get("/payments/vendor/acme/contracts/f1dc9c2a-bf9f-4151-ab98-443c02280df9", tok), status: 404, code: "ContractNotFoundError", request: conforms},
		{name: "contract: another vendor's contract is not found", do: func(h *testHub) *response {
			return h.jsonReq("GET", "/payments/vendor/other/contracts/"+seedContract, otherTok, nil)
		}, status: 404, code: "ContractNotFoundError", request: conforms},
		{name: "contract: other vendor's path", do: func(h *testHub) *response {
			return h.jsonReq("GET", "/payments/vendor/other/contracts/"+seedContract, tok, nil)
		},
			status: 403, code: "Forbidden", request: conforms},

		// Quotas (issue 14, docs/quotas.md).
		{name: "quotas: get", do: get("/admin/v1/vendors/acme/quotas", h.Admin), status: 200, request: conforms},
		{name: "quotas: set", do: putQuota(map[string]any{"webhookEndpoints": 0, "products": nil}), status: 200, request: conforms},
		{name: "quotas: unknown quota", do: putQuota(map[string]any{"nope": 1}), status: 400, code: "InvalidRequestError", field: "nope", request: breaks},
		{name: "quotas: negative limit", do: putQuota(map[string]any{"products": -1}), status: 400, code: "InvalidRequestError", field: "products", request: breaks},
		{name: "endpoint: QuotaExceededError", do: post("/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"url": "https://hooks.example.com/quota"}),
			status: 409, code: "QuotaExceededError", request: conforms},
		{name: "quotas: back to the default", do: putQuota(map[string]any{"webhookEndpoints": nil}), status: 200, request: conforms},

		// Last: the clock moves past the tokens' lifetime.
		{name: "order: Unauthorized, expired token", do: func(h *testHub) *response {
			h.Clock.Add(61 * time.Minute)
			return h.jsonReq("POST", order, tok, specOrder("ORD-EXP", nil))
		}, status: 401, code: "Unauthorized", request: conforms},
	}

	parent := h.t
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			defer func() { h.t = parent }()
			res := tc.do(h)
			res.t = t
			res.expect(tc.status, tc.code)
			if tc.field != "" {
				var e struct{ Field string }
				res.JSON(&e)
				if e.Field != tc.field {
					t.Errorf("field %q, want %q: %s", e.Field, tc.field, res.Body)
				}
			}
			chk := checkAgainstSpec(spec(t), res)
			if chk.Request != nil {
				t.Logf("the request breaks the contract: %v", chk.Request)
			}
			switch {
			case tc.request == conforms && chk.Request != nil:
				t.Errorf("the request should conform to docs/openapi.yaml but does not: %v", chk.Request)
			case tc.request == breaks && chk.Request == nil:
				t.Error("docs/openapi.yaml accepts this request, but it is bad input: the contract is too loose")
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

// TestValidateAgainstSpecCatchesDrift feeds the checker exchanges that break the
// contract, so a checker that accepts everything cannot pass unnoticed.
func TestValidateAgainstSpecCatchesDrift(t *testing.T) {
	c := spec(t)
	req, err := http.NewRequest("POST", "http://hub.test/payments/vendor/acme/promos/code/PROMOCODE?confirm=true",
		strings.NewReader(`{"externalOrderId":"A","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"a@example.com"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer x")
	jsonHdr := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		header http.Header
	}{
		{"unknown responseKey", 200, `{"contractId":"f1dc9c2a-bf9f-4151-ab98-443c02280df9","responseKey":"CREATED"}`, jsonHdr},
		{"extra response field", 200, `{"contractId":"f1dc9c2a-bf9f-4151-ab98-443c02280df9","responseKey":"CONTRACT_CREATED","debug":1}`, jsonHdr},
		{"undocumented status", 418, `{"error":"InternalError","message":"x"}`, jsonHdr},
		{"code of another status", 400, `{"error":"ConflictError","message":"x"}`, jsonHdr},
		{"unknown error code", 409, `{"error":"DuplicateError","message":"x"}`, jsonHdr},
		{"error without message", 409, `{"error":"ConflictError"}`, jsonHdr},
		{"wrong content type", 200, `{"contractId":"f1dc9c2a-bf9f-4151-ab98-443c02280df9","responseKey":"CONTRACT_CREATED"}`, http.Header{"Content-Type": {"text/html"}}},
		{"401 without WWW-Authenticate", 401, `{"error":"Unauthorized","message":"x"}`, jsonHdr},
	} {
		res := &response{t: t, Status: tc.status, Header: tc.header, Body: []byte(tc.body), Req: req}
		if chk := checkAgainstSpec(c, res); chk.Response == nil {
			t.Errorf("%s: accepted", tc.name)
		} else if chk.Request != nil {
			t.Errorf("%s: the request was rejected: %v", tc.name, chk.Request)
		}
	}
	ok := &response{t: t, Status: 200, Header: jsonHdr, Body: []byte(`{"contractId":"f1dc9c2a-bf9f-4151-ab98-443c02280df9","responseKey":"CONTRACT_CREATED"}`), Req: req}
	if chk := checkAgainstSpec(c, ok); chk.Response != nil || chk.Request != nil {
		t.Errorf("a conforming exchange was rejected: %+v", chk)
	}
}

func basicAuth(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}
