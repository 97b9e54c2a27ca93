package yespo_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/connector/yespo"
	"orderhub/delivery"
	fake "orderhub/fake/yespo"
	"orderhub/hub"
	"orderhub/netguard"
	"orderhub/sqlstore"
)

func TestSealer(t *testing.T) {
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	s, err := yespo.NewSealer(key)
	if err != nil || !s.Encrypts() {
		t.Fatal(err)
	}
	sealed, err := s.Seal("api-key-1", "acme")
	if err != nil || !yespo.IsSealed(sealed) || strings.Contains(sealed, "api-key-1") {
		t.Fatalf("%q %v", sealed, err)
	}
	if got, err := s.Open(sealed, "acme"); err != nil || got != "api-key-1" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := s.Open(sealed, "other"); err == nil {
		t.Fatal("a key sealed for acme opened for another vendor")
	}
	other, _ := yespo.NewSealer("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=")
	if _, err := other.Open(sealed, "acme"); err == nil {
		t.Fatal("opened with another key")
	}
	plain, _ := yespo.NewSealer("")
	if _, err := plain.Open(sealed, "acme"); err == nil || !strings.Contains(err.Error(), yespo.SecretKeyEnv) {
		t.Fatalf("no key: %v", err)
	}
	p, _ := plain.Seal("k", "acme")
	if yespo.IsSealed(p) {
		t.Fatal("plain key marked sealed")
	}
	if got, _ := plain.Open(p, "acme"); got != "k" {
		t.Fatal(got)
	}
	if _, err := yespo.NewSealer("short"); err == nil {
		t.Fatal("bad key accepted")
	}
}

func TestKeyValueAndLimits(t *testing.T) {
	if k := yespo.SanitizeKey(`a<b;c'd\e/f|g"h`+"`"+`i^j?k!l,m>n`, 300); k != "abcdefghijklmn" {
		t.Fatal(k)
	}
	if k := yespo.SanitizeKey(strings.Repeat("é", 400), 300); len([]rune(k)) != 300 {
		t.Fatal(len(k))
	}
	c := &orderhub.Customer{ID: "cus-1", Email: "o'neil@example.com", Phone: "+46701234567"}
	if k := yespo.KeyValue(c); k != "oneil@example.com" {
		t.Fatal(k)
	}
	if k := yespo.KeyValue(&orderhub.Customer{ID: "cus-2"}); k != "cus-2" {
		t.Fatal(k)
	}
	// A huge order: extras go first, then descriptions, then items; always ≤ 20 KB.
	items := []orderhub.OrderItem{}
	for i := 0; i < 60; i++ {
		items = append(items, orderhub.OrderItem{ExternalItemID: "I", Name: "n", Quantity: 1, Cost: 100, URL: "http://a.example/" + strings.Repeat("u", 200), ImageURL: "http://a.example/i", Description: strings.Repeat("d", 500)})
	}
	o := &orderhub.Order{ID: "o", ExternalOrderID: "E-1", Status: "INITIALIZED", Total: 6000, Items: items, Metadata: json.RawMessage(`{"blob":"` + strings.Repeat("x", 15000) + `"}`), CreatedAt: time.Now()}
	bodies, err := yespo.OrderEvents(orderhub.EventOrderCreated, o, c)
	if err != nil || len(bodies) != 1 || len(bodies[0]) > orderhub.YespoMaxBody {
		t.Fatalf("%d bodies, %v", len(bodies), err)
	}
	ev, err := orderhub.ParseOrderEvent(bodies[0])
	if err != nil || ev.Ignored != nil || !ev.HasItems || strings.Contains(string(bodies[0]), `"blob"`) {
		t.Fatalf("%v %+v", err, ev)
	}
	// Items without url/imageUrl, or not adding up, are left out (else Yespo would
	// drop the whole event); the order still goes.
	o = &orderhub.Order{ID: "o", ExternalOrderID: "E-2", Status: "IN_PROGRESS", Total: 500, Date: "2024-03-01T10:00:00+01:00",
		Items: []orderhub.OrderItem{{ExternalItemID: "I", Name: "n", Quantity: 1, Cost: 500}}}
	bodies, _ = yespo.OrderEvents(orderhub.EventOrderUpdated, o, c)
	ev, _ = orderhub.ParseOrderEvent(bodies[0])
	if ev.HasItems || ev.Ignored != nil || ev.CreateIgnored != nil || ev.Order.Date != "2024-03-01T09:00:00" || ev.Type != orderhub.YespoOrderUpdated {
		t.Fatalf("%+v", ev)
	}
	// A cancelled order: orderUpdated, then orderCancelled.
	o.Status = orderhub.OrderCancelled
	bodies, _ = yespo.OrderEvents(orderhub.EventOrderUpdated, o, c)
	if len(bodies) != 2 || !strings.Contains(string(bodies[1]), `"orderCancelled"`) {
		t.Fatalf("%s", bodies)
	}
	// Contracts: price from the promo code, statuses mapped.
	k := &orderhub.Contract{ID: "k1", ExternalOrderID: "VO-1", Status: orderhub.ContractConfirmed, Quantity: 2, PromoCode: "P", Origin: orderhub.OriginVendorOrder, CreatedAt: time.Date(2025, 1, 8, 9, 0, 0, 0, time.UTC)}
	bodies, _ = yespo.ContractEvents(orderhub.EventContractConfirmed, k, c, &orderhub.PromoCode{Price: "99.50", Currency: "SEK"})
	ev, _ = orderhub.ParseOrderEvent(bodies[0])
	if ev.Order.Total != 19900 || ev.Order.Status != "IN_PROGRESS" || ev.Order.Currency != "SEK" || ev.Order.Date != "2025-01-08T09:00:00" || ev.ExternalOrderID != "VO-1" {
		t.Fatalf("%+v", ev.Order)
	}
}

// bed is a real SQLite store, the fake Yespo, and the delivery engine with the
// Yespo Sender, on a fast retry schedule.
type bed struct {
	db   *sqlstore.DB
	fake *fake.Server
	conn *yespo.Connector
}

func newBed(t *testing.T) *bed {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "y.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := fake.New("the-key")
	u, err := f.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	sealer, _ := yespo.NewSealer("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	conn := yespo.NewConnector(db.Connectors(), sealer, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	if _, err := conn.SaveAccount(ctx, "acme", u+"/api/v1/", "the-key"); err != nil {
		t.Fatal(err)
	}
	snd := yespo.NewSender(struct {
		orderhub.ConnectorRecords
		orderhub.OrderRecords
		orderhub.TenantStore
	}{db.Connectors(), db.Orders(), db.Tenants()}, sealer, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	snd.Timeout = 300 * time.Millisecond
	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{db.Deliveries(), db.Ops()}, delivery.Config{
		Schedule: []time.Duration{0, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond},
		Jitter:   -1, Poll: 20 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond, Timeout: time.Second,
		Senders: map[string]delivery.Sender{orderhub.EndpointYespo: snd},
	})
	runEngine(t, eng, f.Close, func() { db.Close() })
	return &bed{db: db, fake: f, conn: conn}
}

// waitFor polls cond until it holds (a bounded wait for asynchronous delivery, not a
// timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSenderOrderLifecycleThroughFailures(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	// The first attempts fail: two 500s, a 429 with Retry-After, a timeout.
	b.fake.Fail(fake.Fault{Times: 2, Status: 500})
	b.fake.Fail(fake.Fault{Status: 429, RetryAfter: "1"})
	b.fake.Fail(fake.Fault{Status: 504, Delay: 2 * time.Second})
	in := &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "Z-1", Source: "zapier", Status: orderhub.OrderInitialized, Currency: "EUR",
		Customer: orderhub.Customer{Email: "buyer@example.com", FullName: "Bo Buyer", PublisherUserID: "shop-42"}, Total: 2100,
		Items: []orderhub.OrderItem{{ExternalItemID: "A1", Name: "Thing", Quantity: 2, Cost: 1050, URL: "https://shop.example/a1", ImageURL: "https://shop.example/a1.png"}}}
	if _, _, err := hub.NewOrders(b.db).UpsertOrder(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.NewOrders(b.db).SetOrderStatus(ctx, "acme", "Z-1", orderhub.OrderCancelled); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "orderCancelled at Yespo", func() bool {
		return strings.HasSuffix(b.fake.Summary(), "orderCancelled:Z-1")
	})
	if s := b.fake.Summary(); s != "orderCreated:Z-1 orderUpdated:Z-1 orderCancelled:Z-1" {
		t.Fatalf("events: %s", s)
	}
	if ig := b.fake.Ignored(); len(ig) != 0 {
		t.Fatalf("ignored by Yespo: %+v", ig)
	}
	cs := b.fake.Contacts()
	if len(cs) != 1 || cs[0].ExternalCustomerID != "shop-42" || cs[0].Email != "buyer@example.com" || cs[0].FirstName != "Bo" {
		t.Fatalf("contacts %+v", cs)
	}
	o, _ := b.fake.Order("Z-1")
	if o.Total != 2100 || len(o.Items) != 1 || o.Currency != "EUR" || o.ContactID != cs[0].ID {
		t.Fatalf("order %+v", o)
	}
	// The contact came before the first order event, and failed attempts were retried.
	var paths []string
	failed := 0
	for _, r := range b.fake.Requests("") {
		if r.Status != 200 {
			failed++
			continue
		}
		paths = append(paths, r.Path)
	}
	if failed < 4 || paths[0] != "/api/v1/contact" {
		t.Fatalf("failed %d, paths %v", failed, paths)
	}
	// Every request authenticated with the key (the fake refuses others), and the
	// key is stored sealed.
	a, _ := b.db.Connectors().GetYespoAccount(ctx, "acme")
	if !yespo.IsSealed(a.SealedKey) || strings.Contains(a.SealedKey, "the-key") || a.BaseURL != b.fake.URL() {
		t.Fatalf("%+v", a)
	}
	info, err := b.conn.TestAccount(ctx, "acme")
	if err != nil || !strings.Contains(string(info), "organisationName") {
		t.Fatalf("%s %v", info, err)
	}
}

func TestSenderBadKeyGoesDead(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	if _, err := b.conn.SaveAccount(ctx, "acme", b.fake.URL(), "wrong-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.conn.TestAccount(ctx, "acme"); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("test connection: %v", err)
	}
	if _, err := hub.NewOrders(b.db).UpsertCustomer(ctx, "acme", orderhub.CustomerMatch{Email: "x@example.com"}, &orderhub.Customer{Email: "x@example.com"}); err != nil {
		t.Fatal(err)
	}
	a, _ := b.db.Connectors().GetYespoAccount(ctx, "acme")
	waitFor(t, "a dead delivery", func() bool {
		ds, _ := b.db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", EndpointID: a.EndpointID, Status: orderhub.DeliveryDead})
		return len(ds) == 1 && ds[0].Attempts == 1 && ds[0].LastStatus == 401
	})
	if len(b.fake.Contacts()) != 0 {
		t.Fatal("a contact arrived with a wrong key")
	}
}
