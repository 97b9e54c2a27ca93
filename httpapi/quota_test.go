package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"orderhub/hub"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/docs"
	"orderhub/httpapi"
	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// Quotas at the API (issue 14, docs/quotas.md): over a limit the create answers
// 409 QuotaExceededError naming the limit, its value and how to raise it; an
// override raises it for one vendor only; concurrent creates never exceed it.

// putQuotas sets acme's (or another vendor's) overrides and returns the answer.
func putQuotas(h *testHub, vendor string, body any) *orderhub.VendorQuotas {
	h.t.Helper()
	var q orderhub.VendorQuotas
	h.jsonReq("PUT", "/admin/v1/vendors/"+vendor+"/quotas", h.Admin, body).expect(http.StatusOK, "").JSON(&q)
	return &q
}

func quotaOf(t *testing.T, q *orderhub.VendorQuotas, name string) orderhub.VendorQuota {
	t.Helper()
	for _, x := range q.Quotas {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("quota %s missing from %+v", name, q)
	return orderhub.VendorQuota{}
}

// expectQuota checks a QuotaExceededError answer: 409, the code, and a message
// naming the limit, its value and the ways to raise it.
func expectQuota(t *testing.T, res *response, vendor, name string, limit int) {
	t.Helper()
	res.expect(http.StatusConflict, orderhub.EQuotaExceeded)
	var e httpapi.ErrorBody
	res.JSON(&e)
	for _, want := range []string{
		name, fmt.Sprintf("limit is %d", limit),
		"PUT /admin/v1/vendors/" + vendor + "/quotas",
		"orderhub admin quotas set --vendor " + vendor + " --limit " + name + "=",
	} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("quota message %q lacks %q", e.Message, want)
		}
	}
}

func createEndpoint(h *testHub, vendor string, i int) *response {
	return h.jsonReq("POST", "/admin/v1/vendors/"+vendor+"/endpoints", h.Admin, map[string]any{"url": fmt.Sprintf("https://hooks.example.com/%s/%d", vendor, i)})
}

func TestQuotaWebhookEndpoints(t *testing.T) {
	h := newTestHub(t)

	var q orderhub.VendorQuotas
	h.jsonReq("GET", "/admin/v1/vendors/acme/quotas", h.Admin, nil).expect(http.StatusOK, "").JSON(&q)
	if got := quotaOf(t, &q, orderhub.QuotaWebhookEndpoints); got.Limit != 50 || got.Default != 50 || got.Override != nil || got.Used != 0 {
		t.Fatalf("default webhookEndpoints quota: %+v", got)
	}
	if len(q.Quotas) != len(orderhub.QuotaDefs) || q.VendorID != "acme" {
		t.Fatalf("quotas: %+v", q)
	}

	putQuotas(h, "acme", map[string]any{orderhub.QuotaWebhookEndpoints: 3})
	for i := range 3 {
		createEndpoint(h, "acme", i).expect(http.StatusCreated, "")
	}
	expectQuota(t, createEndpoint(h, "acme", 3), "acme", orderhub.QuotaWebhookEndpoints, 3)

	// Another vendor is not affected: it has the default.
	for i := range 4 {
		createEndpoint(h, "other", i).expect(http.StatusCreated, "")
	}

	// The override raises the limit; GET shows limit, override and usage.
	got := quotaOf(t, putQuotas(h, "acme", map[string]any{orderhub.QuotaWebhookEndpoints: 4}), orderhub.QuotaWebhookEndpoints)
	if got.Limit != 4 || got.Override == nil || *got.Override != 4 || got.Used != 3 || got.Default != 50 {
		t.Fatalf("after raising: %+v", got)
	}
	createEndpoint(h, "acme", 4).expect(http.StatusCreated, "")
	expectQuota(t, createEndpoint(h, "acme", 5), "acme", orderhub.QuotaWebhookEndpoints, 4)

	// A deleted endpoint frees its place.
	var list struct {
		Data []orderhub.Endpoint `json:"data"`
	}
	h.jsonReq("GET", "/admin/v1/vendors/acme/endpoints", h.Admin, nil).expect(http.StatusOK, "").JSON(&list)
	h.jsonReq("DELETE", "/admin/v1/vendors/acme/endpoints/"+list.Data[0].ID, h.Admin, nil).expect(http.StatusNoContent, "")
	createEndpoint(h, "acme", 6).expect(http.StatusCreated, "")

	// The total endpoints quota (the fan-out of one event) applies too.
	putQuotas(h, "acme", map[string]any{orderhub.QuotaWebhookEndpoints: 100, orderhub.QuotaEndpoints: 4})
	expectQuota(t, createEndpoint(h, "acme", 7), "acme", orderhub.QuotaEndpoints, 4)

	// null removes the override: back to the default.
	got = quotaOf(t, putQuotas(h, "acme", map[string]any{orderhub.QuotaWebhookEndpoints: nil, orderhub.QuotaEndpoints: nil}), orderhub.QuotaWebhookEndpoints)
	if got.Limit != 50 || got.Override != nil || got.Used != 4 {
		t.Fatalf("after reset: %+v", got)
	}
	createEndpoint(h, "acme", 8).expect(http.StatusCreated, "")

	// Turning a zapier endpoint into a webhook counts as one more webhook.
	var zep orderhub.Endpoint
	h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"url": "https://hooks.zapier.com/z", "kind": "zapier"}).expect(http.StatusCreated, "").JSON(&zep)
	putQuotas(h, "acme", map[string]any{orderhub.QuotaWebhookEndpoints: 5})
	expectQuota(t, h.jsonReq("PATCH", "/admin/v1/vendors/acme/endpoints/"+zep.ID, h.Admin, map[string]any{"kind": "webhook"}), "acme", orderhub.QuotaWebhookEndpoints, 5)
	h.jsonReq("PATCH", "/admin/v1/vendors/acme/endpoints/"+zep.ID, h.Admin, map[string]any{"description": "still zapier"}).expect(http.StatusOK, "")
}

func TestQuotaAdminAPIRefusesBadInput(t *testing.T) {
	h := newTestHub(t)
	const p = "/admin/v1/vendors/acme/quotas"
	checkVendorSettingsGuards(h, "quotas", map[string]any{"products": 1})
	for _, body := range []string{`{"nope": 1}`, `{"products": -1}`, `{"products": 1000001}`, `{"products": 1.5}`, `{"products": "10"}`,
		`[1]`, `null`, `"x"`, `{"products": 1`, ``} {
		res := h.jsonReq("PUT", p, h.Admin, body).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
		if !strings.Contains(body, "products") || strings.Contains(body, "nope") || body == `{"products": 1` {
			continue
		}
		var e httpapi.ErrorBody
		res.JSON(&e)
		if e.Field != "products" {
			t.Errorf("%s: field %q, want products (%s)", body, e.Field, e.Message)
		}
	}
	h.jsonReq("PUT", p, h.Admin, `{"nope": 1}`).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
	// Nothing was changed by the refused requests; {} changes nothing either.
	q := putQuotas(h, "acme", map[string]any{})
	for _, x := range q.Quotas {
		if x.Override != nil {
			t.Fatalf("override set by a refused request: %+v", x)
		}
	}
	// 0 is a valid limit: nothing more of it.
	putQuotas(h, "acme", map[string]any{orderhub.QuotaProducts: 0})
	expectQuota(t, h.jsonReq("POST", "/admin/v1/vendors/acme/products", h.Admin, `{"id":"p1","name":"P"}`), "acme", orderhub.QuotaProducts, 0)
}

// Every quota is enforced on its create path: with the limit at the current usage
// the next create is refused, for acme only.
func TestQuotaEveryCreatePath(t *testing.T) {
	h := newTestHub(t)
	creates := []struct {
		quota  string
		create func(vendor string, i int) *response
	}{
		{orderhub.QuotaOAuthClients, func(v string, i int) *response {
			return h.jsonReq("POST", "/admin/v1/clients", h.Admin, map[string]any{"vendorId": v, "scopes": []string{orderhub.ScopeEvents}})
		}},
		{orderhub.QuotaPromoCodes, func(v string, i int) *response {
			return h.jsonReq("POST", "/admin/v1/promo-codes", h.Admin, map[string]any{"vendorId": v, "code": fmt.Sprintf("Q%d", i), "productName": "Digital",
				"price": "49.50", "currency": "SEK", "billingPeriod": "month", "delivery": "digital"})
		}},
		{orderhub.QuotaProducts, func(v string, i int) *response {
			return h.jsonReq("POST", "/admin/v1/vendors/"+v+"/products", h.Admin, map[string]any{"id": fmt.Sprintf("q%d", i), "name": "Product"})
		}},
		{orderhub.QuotaPurchaseOptions, func(v string, i int) *response {
			h.jsonReq("POST", "/admin/v1/vendors/"+v+"/products", h.Admin, map[string]any{"id": fmt.Sprintf("po-base-%d", i), "name": "Product"}).expect(http.StatusCreated, "")
			return h.jsonReq("POST", "/admin/v1/vendors/"+v+"/purchase-options", h.Admin, map[string]any{"id": fmt.Sprintf("o%d", i), "productId": fmt.Sprintf("po-base-%d", i), "name": "Monthly", "price": "99", "currency": "SEK", "billingPeriod": "month"})
		}},
		{orderhub.QuotaProductMappings, func(v string, i int) *response {
			h.jsonReq("POST", "/admin/v1/vendors/"+v+"/products", h.Admin, map[string]any{"id": fmt.Sprintf("pm-base-%d", i), "name": "Product"}).expect(http.StatusCreated, "")
			return h.jsonReq("POST", "/admin/v1/vendors/"+v+"/product-mappings", h.Admin, map[string]any{"sku": fmt.Sprintf("SKU-%d", i), "poId": "PO", "productId": fmt.Sprintf("pm-base-%d", i)})
		}},
		{orderhub.QuotaSources, func(v string, i int) *response {
			return h.jsonReq("POST", "/admin/v1/vendors/"+v+"/sources", h.Admin, map[string]any{"id": fmt.Sprintf("%s-q%d", v, i), "name": "Shop", "type": "HOOK"})
		}},
		{orderhub.QuotaZapierUsers, func(v string, i int) *response {
			return h.jsonReq("POST", "/admin/v1/vendors/"+v+"/zapier-users", h.Admin, map[string]any{"email": fmt.Sprintf("z%d@%s.example", i, v), "password": "correct horse battery"})
		}},
	}
	for _, c := range creates {
		t.Run(c.quota, func(t *testing.T) {
			h.t = t
			c.create("acme", 1).expect(http.StatusCreated, "")
			var q orderhub.VendorQuotas
			h.jsonReq("GET", "/admin/v1/vendors/acme/quotas", h.Admin, nil).expect(http.StatusOK, "").JSON(&q)
			used := quotaOf(t, &q, c.quota).Used
			if used < 1 {
				t.Fatalf("usage of %s not counted: %+v", c.quota, q)
			}
			putQuotas(h, "acme", map[string]any{c.quota: used})
			expectQuota(t, c.create("acme", 2), "acme", c.quota, used)
			c.create("other", 2).expect(http.StatusCreated, "")
			putQuotas(h, "acme", map[string]any{c.quota: used + 1})
			c.create("acme", 3).expect(http.StatusCreated, "")
			putQuotas(h, "acme", map[string]any{c.quota: nil})
		})
	}
}

func TestQuotaZapierChannelsPerUser(t *testing.T) {
	h := newZapierHub(t)
	subscribe := func(token, integration string, i int) *response {
		return h.jsonReq("POST", "/api/integrations/"+integration+"/channels", token, map[string]string{
			"url": fmt.Sprintf("https://hooks.zapier.com/hooks/standard/1/%d/", i), "method": "zapier", "alias": "Zapier - New order", "event": "order-created",
		})
	}
	putQuotas(h.testHub, "acme", map[string]any{orderhub.QuotaZapierChannelsPerUser: 2})
	var ids []string
	for i := range 2 {
		var a struct {
			Data struct{ ID string } `json:"data"`
		}
		subscribe(h.Token, h.Integration, i).expect(http.StatusOK, "").JSON(&a)
		ids = append(ids, a.Data.ID)
	}
	res := subscribe(h.Token, h.Integration, 2)
	expectQuota(t, res, "acme", orderhub.QuotaZapierChannelsPerUser, 2)
	if !strings.Contains(string(res.Body), h.UserID) {
		t.Errorf("message does not name the Zapier user %s: %s", h.UserID, res.Body)
	}

	// The other vendor's user is not affected; nor is another user of acme.
	for i := range 3 {
		subscribe(h.Other.Token, h.Other.Integration, i).expect(http.StatusOK, "")
	}
	if err := h.DB.Catalog().CreateZapierUser(context.Background(), &orderhub.ZapierUser{VendorID: "acme", Email: "second@acme.example"}, "123456789"); err != nil {
		t.Fatal(err)
	}
	tok2, integ2 := h.login("second@acme.example", "123456789")
	subscribe(tok2, integ2, 10).expect(http.StatusOK, "")

	// Unsubscribing frees a place; raising the override allows more.
	h.jsonReq("DELETE", "/api/channels/"+ids[0], h.Token, nil).expect(http.StatusOK, "")
	subscribe(h.Token, h.Integration, 3).expect(http.StatusOK, "")
	expectQuota(t, subscribe(h.Token, h.Integration, 4), "acme", orderhub.QuotaZapierChannelsPerUser, 2)
	q := putQuotas(h.testHub, "acme", map[string]any{orderhub.QuotaZapierChannelsPerUser: 3})
	if got := quotaOf(t, q, orderhub.QuotaZapierChannelsPerUser); got.Used != 2 || !got.PerUser {
		t.Fatalf("per-user usage: %+v", got)
	}
	subscribe(h.Token, h.Integration, 5).expect(http.StatusOK, "")

	// The vendor-wide endpoints quota bounds the channels of all users together.
	putQuotas(h.testHub, "acme", map[string]any{orderhub.QuotaZapierChannelsPerUser: 100, orderhub.QuotaEndpoints: 4})
	expectQuota(t, subscribe(tok2, integ2, 11), "acme", orderhub.QuotaEndpoints, 4)
}

// Concurrent creates, over real HTTP, never go over a limit: on SQLite, and on
// PostgreSQL with two hub instances sharing the database.
func TestQuotaHoldsUnderConcurrentCreates(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var h *testHub
			urls := []string{}
			if engine == "sqlite" {
				h = newTestHub(t)
				urls = append(urls, h.URL)
			} else {
				cluster := pgtest.NewCluster(t)
				dsn := cluster.CreateDB(t)
				h = newTestHubAt(t, dsn)
				urls = append(urls, h.URL, secondInstance(t, dsn))
			}
			const limit, tries = 10, 50
			putQuotas(h, "acme", map[string]any{orderhub.QuotaWebhookEndpoints: limit})
			var mu sync.Mutex
			counts := map[int]int{}
			var wg sync.WaitGroup
			for i := range tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := fmt.Sprintf(`{"url":"https://hooks.example.com/c/%d"}`, i)
					req, _ := http.NewRequest("POST", urls[i%len(urls)]+"/admin/v1/vendors/acme/endpoints", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+h.Admin)
					req.Header.Set("Content-Type", "application/json")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode == http.StatusConflict && !bytes.Contains(b, []byte(orderhub.EQuotaExceeded)) {
						t.Errorf("409 without QuotaExceededError: %s", b)
					}
					mu.Lock()
					counts[res.StatusCode]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if counts[http.StatusCreated] != limit || counts[http.StatusConflict] != tries-limit {
				t.Fatalf("answers %v: want %d created and %d refused", counts, limit, tries-limit)
			}
			var q orderhub.VendorQuotas
			h.jsonReq("GET", "/admin/v1/vendors/acme/quotas", h.Admin, nil).expect(http.StatusOK, "").JSON(&q)
			if got := quotaOf(t, &q, orderhub.QuotaWebhookEndpoints); got.Used != limit {
				t.Fatalf("usage %d, want %d", got.Used, limit)
			}
		})
	}
}

// secondInstance starts another hub on the same database and returns its URL.
func secondInstance(t *testing.T, dsn string) string {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	spec, err := docs.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: hub.Wrap(db.Store(), db), Registry: prometheus.NewRegistry(), OpenAPIJSON: spec})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

// The server-wide default (serve -quota) applies to every vendor without an
// override; an override still wins.
func TestQuotaServerDefault(t *testing.T) {
	h := newTestHub(t)
	if err := h.DB.Tenants().SetQuotaDefaults(map[string]int{orderhub.QuotaWebhookEndpoints: 1}); err != nil {
		t.Fatal(err)
	}
	createEndpoint(h, "acme", 0).expect(http.StatusCreated, "")
	expectQuota(t, createEndpoint(h, "acme", 1), "acme", orderhub.QuotaWebhookEndpoints, 1)
	createEndpoint(h, "other", 0).expect(http.StatusCreated, "")
	expectQuota(t, createEndpoint(h, "other", 1), "other", orderhub.QuotaWebhookEndpoints, 1)
	q := putQuotas(h, "other", map[string]any{orderhub.QuotaWebhookEndpoints: 2})
	if got := quotaOf(t, q, orderhub.QuotaWebhookEndpoints); got.Default != 1 || got.Limit != 2 {
		t.Fatalf("with a server default: %+v", got)
	}
	createEndpoint(h, "other", 1).expect(http.StatusCreated, "")
	// Both refusals are counted for operators.
	if m := h.jsonReq("GET", "/metrics", "", nil).expect(http.StatusOK, ""); !strings.Contains(string(m.Body), `orderhub_quota_exceeded_total{quota="webhookEndpoints"} 2`) {
		t.Errorf("metrics lack 2 webhookEndpoints refusals:\n%s", m.Body)
	}
	if err := h.DB.Tenants().SetQuotaDefaults(map[string]int{"nope": 1}); err == nil {
		t.Fatal("an unknown quota name is accepted as a default")
	}
	if err := h.DB.Tenants().SetQuotaDefaults(map[string]int{orderhub.QuotaProducts: -1}); err == nil {
		t.Fatal("a negative default is accepted")
	}
}
