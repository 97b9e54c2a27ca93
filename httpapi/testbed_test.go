package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"orderhub/hub"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/docs"
	"orderhub/httpapi"
	"orderhub/netguard"
	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// testClock is an injectable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testHub is a real orderhub server over loopback HTTP with a real database (SQLite,
// or PostgreSQL: freshDSN),
// one vendor ("acme"), a client with every scope, the seed's promo codes, and a
// second vendor ("other") with its own client for isolation tests.
type testHub struct {
	t        testing.TB
	DB       *sqlstore.DB
	Server   *httptest.Server
	URL      string
	Clock    *testClock
	VendorID string
	ClientID string
	Secret   string
	Other    struct{ VendorID, ClientID, Secret string }
	Admin    string // admin token
	// ValidateSpec makes every exchange through do be checked against
	// docs/openapi.yaml (validateAgainstSpec in openapi_test.go). On by default:
	// every test's exchanges are contract checks too; a test that sends what the
	// contract cannot describe (floods, raw bytes) turns it off for those.
	ValidateSpec bool
	dsn          string
}

func newTestHub(t testing.TB) *testHub {
	t.Helper()
	return newTestHubAt(t, freshDSN(t))
}

// The HTTP suite runs on SQLite, and on PostgreSQL with ORDERHUB_TEST_ENGINE=postgres
// (scripts/test runs it both ways, issue 17): every test hub then gets a fresh
// database in a throwaway cluster shared by the test binary (sqlstore/pgtest).
const engineEnv = "ORDERHUB_TEST_ENGINE"

// onPostgres reports whether the suite runs on PostgreSQL.
func onPostgres() bool { return os.Getenv(engineEnv) == "postgres" }

// freshDSN is a fresh, empty database of the suite's engine.
func freshDSN(t testing.TB) string {
	t.Helper()
	switch e := os.Getenv(engineEnv); e {
	case "", "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "hub.db")
	case "postgres":
		return pgtest.Start(t)
	default:
		t.Fatalf("%s=%q: the engines are sqlite and postgres", engineEnv, e)
		return ""
	}
}

// rawDB opens a second connection pool to the hub's database, for tests that look at
// or change rows behind the hub's back. Queries use $1 placeholders (both engines).
func rawDB(t testing.TB, h *testHub) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if dsn, ok := strings.CutPrefix(h.dsn, "sqlite:"); ok {
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(5000)")
	} else {
		db, err = sql.Open("pgx", h.dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// newTestHubAt is newTestHub on the database dsn (a fresh one).
func newTestHubAt(t testing.TB, dsn string) *testHub {
	t.Helper()
	h := &testHub{t: t, Clock: &testClock{t: time.Now().UTC()}, dsn: dsn, ValidateSpec: true}
	h.start()
	ctx := context.Background()
	h.VendorID = "acme"
	if err := h.DB.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme", Name: "Acme Media"}); err != nil {
		t.Fatal(err)
	}
	var err error
	c := &orderhub.Client{VendorID: "acme", Scopes: append([]string(nil), orderhub.KnownScopes...)}
	if h.Secret, err = h.DB.Tenants().CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	h.ClientID = c.ID
	for _, p := range []orderhub.PromoCode{
		{Code: "PROMOCODE", ProductName: "Digital 12 months", Price: "99", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"},
		{Code: "DIGITAL6", ProductName: "Digital 6 months", Price: "119", Currency: "SEK", BillingPeriod: "month", BindingMonths: 6, Delivery: "digital"},
		{Code: "BUNDLE", ProductName: "Print + digital", Price: "149", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: "bundle"},
	} {
		p.VendorID = "acme"
		if err := h.DB.Tenants().CreatePromoCode(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	h.Other.VendorID = "other"
	if err := h.DB.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "other", Name: "Other Media"}); err != nil {
		t.Fatal(err)
	}
	oc := &orderhub.Client{VendorID: "other", Scopes: append([]string(nil), orderhub.KnownScopes...)}
	if h.Other.Secret, err = h.DB.Tenants().CreateClient(ctx, oc); err != nil {
		t.Fatal(err)
	}
	h.Other.ClientID = oc.ID
	if err := h.DB.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: "other", Code: "PROMOCODE", ProductName: "Other digital", Price: "10", Currency: "EUR", BillingPeriod: "month", Delivery: "digital"}); err != nil {
		t.Fatal(err)
	}
	if _, h.Admin, err = h.DB.Tenants().CreateAdminToken(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	return h
}

// start opens the database and starts the server (again, after restart).
func (h *testHub) start() {
	h.t.Helper()
	db, err := sqlstore.Open(context.Background(), h.dsn, sqlstore.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	db.Now = h.Clock.Now
	spec, err := docs.OpenAPIJSON()
	if err != nil {
		h.t.Fatal(err)
	}
	srv, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: hub.Wrap(db.Store(), db), Now: h.Clock.Now, Registry: prometheus.NewRegistry(), OpenAPIJSON: spec, Guard: netguard.New(netguard.Options{AllowPrivate: true})})
	if err != nil {
		h.t.Fatal(err)
	}
	h.DB = db
	h.Server = httptest.NewServer(srv)
	h.URL = h.Server.URL
	h.t.Cleanup(h.stop)
}

func (h *testHub) stop() {
	if h.Server != nil {
		h.Server.Close()
		h.Server = nil
	}
	if h.DB != nil {
		h.DB.Close()
		h.DB = nil
	}
}

// restart stops the server and the database and starts both again on the same file.
func (h *testHub) restart() {
	h.stop()
	h.start()
}

// token obtains an access token for the acme client with the given scope.
func (h *testHub) token(scope string) string {
	return h.tokenFor(h.ClientID, h.Secret, scope)
}

func (h *testHub) tokenFor(clientID, secret, scope string) string {
	h.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	if scope != "" {
		form.Set("scope", scope)
	}
	res := h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
	if res.Status != 200 {
		h.t.Fatalf("token: %d %s", res.Status, res.Body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	res.JSON(&tr)
	return tr.AccessToken
}

// response is a completed HTTP exchange.
type response struct {
	t      testing.TB
	Status int
	Header http.Header
	Body   []byte
	Req    *http.Request
}

// JSON decodes the body into v.
func (r *response) JSON(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns the `error` field of an error body.
func (r *response) ErrorCode() string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error
}

// do sends a request to the hub; headers are "Name: value" pairs.
func (h *testHub) do(method, path, contentType string, body []byte, header map[string]string) *response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	out := &response{t: h.t, Status: res.StatusCode, Header: res.Header, Body: b, Req: req}
	if h.ValidateSpec {
		validateAgainstSpec(h.t, out)
	}
	return out
}

// jsonReq sends a JSON request with a bearer token.
func (h *testHub) jsonReq(method, path, token string, body any) *response {
	h.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	hdr := map[string]string{}
	if token != "" {
		hdr["Authorization"] = "Bearer " + token
	}
	ct := ""
	if b != nil {
		ct = "application/json"
	}
	return h.do(method, path, ct, b, hdr)
}

// expect fails the test unless the response has the given status (and error code).
func (r *response) expect(status int, code string) *response {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("%s %s: status %d, want %d; body %s", r.Req.Method, r.Req.URL.Path, r.Status, status, r.Body)
	}
	if code != "" && r.ErrorCode() != code {
		r.t.Fatalf("%s %s: error %q, want %q; body %s", r.Req.Method, r.Req.URL.Path, r.ErrorCode(), code, r.Body)
	}
	return r
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// checkVendorSettingsGuards checks that GET and PUT /admin/v1/vendors/{vendorId}/name
// (a vendor's settings: quotas, retention) need an admin token (401) and a vendor
// that exists (404); put is a valid PUT body.
func checkVendorSettingsGuards(h *testHub, name string, put map[string]any) {
	h.t.Helper()
	p := "/admin/v1/vendors/acme/" + name
	h.jsonReq("GET", p, "", nil).expect(http.StatusUnauthorized, orderhub.EUnauthorized)
	h.jsonReq("PUT", p, "", put).expect(http.StatusUnauthorized, orderhub.EUnauthorized)
	h.jsonReq("GET", "/admin/v1/vendors/nope/"+name, h.Admin, nil).expect(http.StatusNotFound, orderhub.ENotFound)
	h.jsonReq("PUT", "/admin/v1/vendors/nope/"+name, h.Admin, put).expect(http.StatusNotFound, orderhub.ENotFound)
}
