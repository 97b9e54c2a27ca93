package salesmanago_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"orderhub/connector/salesmanago"
	fake "orderhub/fake/salesmanago"
	"orderhub/netguard"
)

var acct = fake.Account{ClientID: "client-1", APISecret: "s3cret", Owner: "owner@shop.example", APIKey: "v3-key", Catalogs: []string{"cat-1"}}

func newClient(t *testing.T) (*salesmanago.Client, *fakeServer) {
	t.Helper()
	f := fake.New(acct)
	hs := httptest.NewServer(f)
	t.Cleanup(hs.Close)
	cl := salesmanago.NewClient(salesmanago.Credentials{BaseURL: hs.URL, V3BaseURL: hs.URL, ClientID: acct.ClientID,
		APISecret: acct.APISecret, Owner: acct.Owner, APIKey: acct.APIKey}, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	return cl, &fakeServer{f, hs.URL}
}

type fakeServer struct {
	*fake.Server
	url string
}

func TestCallsAreSignedAndMapped(t *testing.T) {
	cl, f := newClient(t)
	ctx := context.Background()
	id, err := cl.UpsertContact(ctx, salesmanago.Upsert{Contact: salesmanago.Contact{Email: "anna@x.se", Name: "Anna", Address: &salesmanago.Address{City: "Lund"}},
		Tags: []string{"VIP"}, Properties: map[string]string{"plan": "gold"}})
	if err != nil || id == "" {
		t.Fatalf("upsert: %q %v", id, err)
	}
	v := json.Number("12.50")
	evID, err := cl.AddExtEvent(ctx, "anna@x.se", "", true, salesmanago.ExtEvent{Date: time.Now().UnixMilli(), ContactExtEventType: "PURCHASE",
		Value: &v, Products: "p1,p2", Details: map[string]string{"detail1": "web"}})
	if err != nil || evID == "" {
		t.Fatalf("event: %q %v", evID, err)
	}
	cs, err := cl.ContactsByID(ctx, id)
	if err != nil || len(cs) != 1 || cs[0].Email != "anna@x.se" {
		t.Fatalf("lookup: %+v %v", cs, err)
	}
	if ok, err := cl.DeleteContact(ctx, "anna@x.se"); err != nil || !ok {
		t.Fatalf("delete: %v %v", ok, err)
	}
	// Every v2 request carries the body auth: a fresh apiKey, requestTime in ms, the
	// sha of apiKey+clientId+apiSecret, and the owner; and the JSON headers.
	keys := map[string]bool{}
	for _, r := range f.Requests("") {
		b := r.JSON()
		key, _ := b["apiKey"].(string)
		sum := sha1.Sum([]byte(key + acct.ClientID + acct.APISecret))
		if b["sha"] != hex.EncodeToString(sum[:]) || b["clientId"] != acct.ClientID || b["owner"] != acct.Owner {
			t.Errorf("%s: auth fields %v", r.Path, b)
		}
		if ms, _ := b["requestTime"].(json.Number).Int64(); ms < 1e12 || time.Since(time.UnixMilli(ms)) > time.Minute {
			t.Errorf("%s: requestTime %v is not now in ms", r.Path, b["requestTime"])
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("Accept") != "application/json" {
			t.Errorf("%s: headers %v", r.Path, r.Header)
		}
		if keys[key] {
			t.Errorf("apiKey %q reused", key)
		}
		keys[key] = true
	}
	ev := f.Requests("/api/contact/addContactExtEvent")[0].JSON()
	ce := ev["contactEvent"].(map[string]any)
	if ev["email"] != "anna@x.se" || ev["forceOptIn"] != true || ce["detail1"] != "web" || ce["value"] != json.Number("12.50") || ce["products"] != "p1,p2" {
		t.Fatalf("event body %v", ev)
	}
}

func TestFailureClassification(t *testing.T) {
	cl, f := newClient(t)
	ctx := context.Background()
	up := salesmanago.Upsert{Contact: salesmanago.Contact{Email: "a@b.se"}}
	cl.Timeout = 300 * time.Millisecond
	cases := []struct {
		name      string
		fault     fake.Fault
		permanent bool
		timeout   bool
		retry     time.Duration
	}{
		{"500", fake.Fault{Status: 500}, false, false, 0},
		{"429 with Retry-After", fake.Fault{Status: 429, RetryAfter: 30}, false, false, 30 * time.Second},
		{"timeout", fake.Fault{Delay: 2 * time.Second}, false, true, 0},
		{"success:false", fake.Fault{SuccessFalse: true, Message: "Wrong data"}, true, false, 0},
		{"success:false, temporary", fake.Fault{SuccessFalse: true, Message: "Temporary problem, try again"}, false, false, 0},
		{"400", fake.Fault{Status: 400}, true, false, 0},
	}
	for _, c := range cases {
		f.Fail(c.fault)
		_, err := cl.UpsertContact(ctx, up)
		var e *salesmanago.Error
		if err == nil || !errors.As(err, &e) {
			t.Fatalf("%s: err %v", c.name, err)
		}
		if e.Permanent != c.permanent || e.Timeout != c.timeout || e.RetryAfter != c.retry {
			t.Errorf("%s: permanent %v timeout %v retry %v (%v)", c.name, e.Permanent, e.Timeout, e.RetryAfter, err)
		}
	}
	// Bad credentials: HTTP 200 success:false "Not authenticated" — permanent.
	bad := salesmanago.NewClient(salesmanago.Credentials{BaseURL: f.url, ClientID: acct.ClientID, APISecret: "wrong", Owner: acct.Owner}, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	if _, err := bad.UpsertContact(ctx, up); !salesmanago.IsPermanent(err) || !strings.Contains(err.Error(), "wrong sha") {
		t.Fatalf("bad secret: %v", err)
	}
}

func TestProductsAreBatchedBy100(t *testing.T) {
	cl, f := newClient(t)
	var ps []salesmanago.Product
	for i := range 250 {
		ps = append(ps, salesmanago.Product{ProductID: fmt.Sprintf("p%03d", i), Name: "Product"})
	}
	if err := cl.UpsertProducts(context.Background(), "cat-1", ps); err != nil {
		t.Fatal(err)
	}
	rs := f.Requests("/v3/product/upsert")
	if len(rs) != 3 {
		t.Fatalf("%d calls, want 3", len(rs))
	}
	for i, want := range []int{100, 100, 50} {
		if n := len(rs[i].JSON()["products"].([]any)); n != want || rs[i].Header.Get("API-KEY") != acct.APIKey {
			t.Fatalf("call %d: %d products, API-KEY %q", i, n, rs[i].Header.Get("API-KEY"))
		}
	}
	if len(f.Products("cat-1")) != 250 {
		t.Fatal("not every product stored")
	}
	// A wrong v3 key is permanent.
	bad := salesmanago.NewClient(salesmanago.Credentials{V3BaseURL: f.url, APIKey: "nope"}, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	if err := bad.UpsertProducts(context.Background(), "cat-1", ps[:1]); !salesmanago.IsPermanent(err) {
		t.Fatalf("bad key: %v", err)
	}
}

func TestConnectionTest(t *testing.T) {
	cl, f := newClient(t)
	if r := cl.Test(context.Background(), "cat-1"); !r.OK || !r.V2OK || !r.V3OK || !r.CatalogFound {
		t.Fatalf("good account: %+v", r)
	}
	if r := cl.Test(context.Background(), "cat-9"); r.OK || r.V3Error == "" {
		t.Fatalf("unknown catalog: %+v", r)
	}
	bad := salesmanago.NewClient(salesmanago.Credentials{BaseURL: f.url, ClientID: acct.ClientID, APISecret: "x", Owner: acct.Owner}, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	if r := bad.Test(context.Background(), ""); r.OK || !strings.Contains(r.V2Error, "Not authenticated") {
		t.Fatalf("bad secret: %+v", r)
	}
}

func TestSealer(t *testing.T) {
	plain, _ := salesmanago.NewSealer("")
	s, err := plain.Seal("secret", "sm_1")
	if err != nil || s != "plain:secret" || plain.Encrypts() {
		t.Fatalf("no key: %q %v", s, err)
	}
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	enc, err := salesmanago.NewSealer(key)
	if err != nil || !enc.Encrypts() {
		t.Fatal(err)
	}
	sealed, err := enc.Seal("secret", "sm_1")
	if err != nil || !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "secret") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	if got, err := enc.Open(sealed, "sm_1"); err != nil || got != "secret" {
		t.Fatalf("open %q %v", got, err)
	}
	if _, err := enc.Open(sealed, "sm_2"); err == nil {
		t.Fatal("a secret sealed for one account opened for another")
	}
	if _, err := plain.Open(sealed, "sm_1"); err == nil || !strings.Contains(err.Error(), "ORDERHUB_SECRET_KEY") {
		t.Fatalf("no key for an encrypted secret: %v", err)
	}
	if _, err := salesmanago.NewSealer("short"); err == nil {
		t.Fatal("a bad key was accepted")
	}
}
