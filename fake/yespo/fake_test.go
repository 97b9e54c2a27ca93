package yespo_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/fake/yespo"
)

type client struct {
	t   *testing.T
	url string
	key string
}

func (c client) do(method, path, body string) (int, string, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.url+path, strings.NewReader(body))
	req.SetBasicAuth("any-user", c.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func start(t *testing.T) (*yespo.Server, client) {
	f := yespo.New("secret-key")
	u, err := f.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f, client{t: t, url: u, key: "secret-key"}
}

const created = `{"eventTypeKey":"orderCreated","keyValue":"ann@example.com","params":[{"name":"externalOrderId","value":"O-1"},
	{"name":"email","value":"ann@example.com"},{"name":"totalCost","value":"21"},{"name":"status","value":"INITIALIZED"},
	{"name":"date","value":"2020-05-14T10:11:00"},
	{"name":"items","value":"[{\"externalItemId\":\"A\",\"name\":\"n\",\"quantity\":2,\"cost\":10.5,\"url\":\"http://a.example\",\"imageUrl\":\"http://a.example/i\"}]"}]}`

func TestFakeAuthAndAccountInfo(t *testing.T) {
	f, c := start(t)
	if st, body, _ := c.do("GET", "/api/v1/account/info", ""); st != 200 || !strings.Contains(body, "organisationName") {
		t.Fatalf("%d %s", st, body)
	}
	bad := c
	bad.key = "wrong"
	if st, _, h := bad.do("GET", "/api/v1/account/info", ""); st != 401 || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("wrong key: %d", st)
	}
	res, err := http.Post(c.url+"/api/v1/event", "application/json", strings.NewReader(created))
	if err != nil || res.StatusCode != 401 {
		t.Fatalf("no auth: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	if n := len(f.Requests("")); n != 3 {
		t.Fatalf("%d requests recorded", n)
	}
}

func TestFakeOrderRules(t *testing.T) {
	f, c := start(t)
	// Unknown contact: 200, dropped, recorded.
	if st, _, _ := c.do("POST", "/api/v1/event", created); st != 200 || len(f.Events()) != 0 || len(f.Ignored()) != 1 || f.Ignored()[0].Reason != orderhub.EContactNotFound {
		t.Fatalf("%d %+v", st, f.Ignored())
	}
	if st, body, _ := c.do("POST", "/api/v1/contact", `{"externalCustomerId":"A1","channels":[{"type":"email","value":"Ann@example.com"}]}`); st != 200 || !strings.Contains(body, `"id"`) {
		t.Fatalf("%d %s", st, body)
	}
	if st, _, _ := c.do("POST", "/api/v1/event", created); st != 200 || len(f.Events()) != 1 {
		t.Fatalf("create: %d %+v", st, f.Ignored())
	}
	if o, ok := f.Order("O-1"); !ok || o.Total != 2100 || len(o.Items) != 1 || o.Status != "INITIALIZED" {
		t.Fatalf("%+v", o)
	}
	// A missing required parameter: dropped.
	noStatus := strings.Replace(strings.Replace(created, `{"name":"status","value":"INITIALIZED"},`, "", 1), "O-1", "O-2", 1)
	c.do("POST", "/api/v1/event", noStatus)
	if _, ok := f.Order("O-2"); ok || f.Ignored()[1].Reason != orderhub.EOrderEventParamRequired {
		t.Fatalf("%+v", f.Ignored())
	}
	// Delivered for an unknown order: dropped; for a known one: applied.
	c.do("POST", "/api/v1/event", `{"eventTypeKey":"orderDelivered","keyValue":"k","params":[{"name":"externalOrderId","value":"nope"}]}`)
	c.do("POST", "/api/v1/event", `{"eventTypeKey":"orderCancelled","keyValue":"k","params":[{"name":"externalOrderId","value":"O-1"}]}`)
	if o, _ := f.Order("O-1"); o.Status != orderhub.OrderCancelled || f.Summary() != "orderCreated:O-1 orderCancelled:O-1" || len(f.Ignored()) != 3 {
		t.Fatalf("%+v %s %+v", o, f.Summary(), f.Ignored())
	}
	res, err := http.Get(c.url + "/_fake/state")
	if err != nil {
		t.Fatal(err)
	}
	state, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(state), `"orderCancelled"`) || !strings.Contains(string(state), orderhub.EOrderNotFound) {
		t.Fatalf("state %s", state)
	}
	// orderUpdated creates a missing order.
	upd := strings.Replace(strings.Replace(created, "orderCreated", "orderUpdated", 1), "O-1", "O-3", 1)
	c.do("POST", "/api/v1/event", upd)
	if _, ok := f.Order("O-3"); !ok {
		t.Fatal("orderUpdated did not create")
	}
	// Transport limits.
	if st, _, _ := c.do("POST", "/api/v1/event", `{"eventTypeKey":"orderCreated","keyValue":"a?b","params":[]}`); st != 400 {
		t.Fatalf("forbidden char: %d", st)
	}
	big := `{"eventTypeKey":"x","keyValue":"k","params":[{"name":"b","value":"` + strings.Repeat("x", 20<<10) + `"}]}`
	if st, _, _ := c.do("POST", "/api/v1/event", big); st != 413 {
		t.Fatalf("20 KB: %d", st)
	}
}

func TestFakeFaults(t *testing.T) {
	f, c := start(t)
	f.Fail(yespo.Fault{Times: 2, Status: 500})
	f.Fail(yespo.Fault{Path: "/api/v1/event", Status: 429, RetryAfter: "7"})
	for i := 0; i < 2; i++ {
		if st, _, _ := c.do("GET", "/api/v1/account/info", ""); st != 500 {
			t.Fatalf("fault %d: %d", i, st)
		}
	}
	if st, _, _ := c.do("GET", "/api/v1/account/info", ""); st != 200 {
		t.Fatalf("after faults: %d", st)
	}
	if st, _, h := c.do("POST", "/api/v1/event", created); st != 429 || h.Get("Retry-After") != "7" {
		t.Fatalf("429: %d", st)
	}
	f.Fail(yespo.Fault{Status: 504, Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", c.url+"/api/v1/contact", bytes.NewReader([]byte(`{"externalCustomerId":"x"}`)))
	req.SetBasicAuth("", "secret-key")
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the delay did not time the client out")
	}
}
