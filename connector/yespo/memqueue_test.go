package yespo_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/connector/yespo"
	"orderhub/delivery"
	"orderhub/delivery/deliverytest"
	fake "orderhub/fake/yespo"
	"orderhub/netguard"
)

// The Yespo Sender in the delivery engine over the in-memory queue and an
// in-memory store (no SQL): the Sender's own rules against the fake Yespo.

// memStore is the Sender's Store in memory, and the Connector's for the Yespo
// account (the rest of orderhub.ConnectorStore is not used here: the embedded nil
// interface would panic).
type memStore struct {
	orderhub.ConnectorStore
	mu        sync.Mutex
	account   *orderhub.YespoAccount
	customers map[string]*orderhub.Customer
}

func (m *memStore) YespoAccountByEndpoint(ctx context.Context, endpointID string) (*orderhub.YespoAccount, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.account == nil || m.account.EndpointID != endpointID {
		return nil, orderhub.Errorf(orderhub.ENotFound, "No Yespo account of endpoint %q.", endpointID)
	}
	a := *m.account
	return &a, nil
}

func (m *memStore) SaveYespoAccount(ctx context.Context, vendorID, baseURL, sealedKey string, eventTypes []string) (*orderhub.YespoAccount, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.account = &orderhub.YespoAccount{VendorID: vendorID, BaseURL: baseURL, EndpointID: "ep_yespo", SealedKey: sealedKey}
	a := *m.account
	return &a, nil
}

func (m *memStore) GetYespoAccount(ctx context.Context, vendorID string) (*orderhub.YespoAccount, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.account == nil || m.account.VendorID != vendorID {
		return nil, orderhub.Errorf(orderhub.ENotFound, "No Yespo account of vendor %q.", vendorID)
	}
	a := *m.account
	return &a, nil
}

func (m *memStore) GetCustomer(ctx context.Context, vendorID, id string) (*orderhub.Customer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.customers[id]
	if !ok || c.VendorID != vendorID {
		return nil, orderhub.Errorf(orderhub.ENotFound, "Customer %q not found.", id)
	}
	cp := *c
	return &cp, nil
}

func (m *memStore) GetPromoCode(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error) {
	return nil, orderhub.Errorf(orderhub.ENotFound, "Promo code %q not found.", code)
}

// memBed runs the engine with the Yespo Sender over q and st against a fake Yespo.
func memBed(t *testing.T, key string) (*deliverytest.Queue, *memStore, *fake.Server) {
	t.Helper()
	f := fake.New("the-key")
	u, err := f.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{customers: map[string]*orderhub.Customer{}}
	sealer, _ := yespo.NewSealer("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if _, err := yespo.NewConnector(st, sealer, nil).SaveAccount(context.Background(), "acme", u+"/api/v1/", key); err != nil {
		t.Fatal(err)
	}
	snd := yespo.NewSender(st, sealer, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	snd.Timeout = 300 * time.Millisecond
	q := deliverytest.New()
	eng := delivery.New(q, delivery.Config{
		Schedule: []time.Duration{0, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond},
		Jitter:   -1, Poll: 20 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond, Timeout: time.Second, BreakAfter: -1,
		Senders: map[string]delivery.Sender{orderhub.EndpointYespo: snd},
	})
	runEngine(t, eng, f.Close)
	return q, st, f
}

// runEngine runs eng until the test ends, then calls each of closers.
func runEngine(t *testing.T, eng *delivery.Engine, closers ...func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		for _, c := range closers {
			c()
		}
	})
}

func yespoDelivery(t *testing.T, typ, key string, data any) orderhub.ClaimedDelivery {
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return orderhub.ClaimedDelivery{VendorID: "acme", EndpointID: "ep_yespo", Kind: orderhub.EndpointYespo, EventType: typ, OrderingKey: key, EventData: b}
}

// A customer's order events reach Yespo after the contact, through failures that
// are retried; every delivery ends delivered.
func TestSenderOverMemoryQueue(t *testing.T) {
	q, st, f := memBed(t, "the-key")
	cust := &orderhub.Customer{ID: "cus_1", VendorID: "acme", Email: "buyer@example.com", FullName: "Bo Buyer", PublisherUserID: "shop-42"}
	st.customers[cust.ID] = cust
	f.Fail(fake.Fault{Times: 2, Status: 500})
	order := orderhub.Order{ID: "ord_1", VendorID: "acme", ExternalOrderID: "Z-1", CustomerID: cust.ID, Source: "zapier", Status: orderhub.OrderInitialized,
		Currency: "EUR", Total: 2100, Items: []orderhub.OrderItem{{ExternalItemID: "A1", Name: "Thing", Quantity: 2, Cost: 1050}}}
	ds := []*deliverytest.Delivery{
		q.Add(yespoDelivery(t, orderhub.EventCustomerCreated, cust.ID, cust)),
		q.Add(yespoDelivery(t, orderhub.EventOrderCreated, cust.ID, order)),
	}
	waitFor(t, "both deliveries", func() bool {
		return q.Get(ds[0].ID).Status == "delivered" && q.Get(ds[1].ID).Status == "delivered"
	})
	if s := f.Summary(); s != "orderCreated:Z-1" {
		t.Fatalf("events at Yespo: %s", s)
	}
	cs := f.Contacts()
	if len(cs) != 1 || cs[0].ExternalCustomerID != "shop-42" || cs[0].Email != "buyer@example.com" {
		t.Fatalf("contacts %+v", cs)
	}
	if a := q.Get(ds[0].ID).Attempts; len(a) != 3 || a[0].Outcome != orderhub.OutcomeRetry || a[0].StatusCode != 500 {
		t.Fatalf("the contact's attempts: %+v", a)
	}
	var paths []string
	for _, r := range f.Requests("") {
		if r.Status == 200 {
			paths = append(paths, r.Path)
		}
	}
	if len(paths) == 0 || paths[0] != "/api/v1/contact" {
		t.Fatalf("successful requests %v: the contact first", paths)
	}
}

// A key Yespo refuses makes the delivery dead at its first attempt (retrying cannot
// fix it); no contact arrives.
func TestSenderBadKeyOverMemoryQueue(t *testing.T) {
	q, st, f := memBed(t, "wrong-key")
	cust := &orderhub.Customer{ID: "cus_1", VendorID: "acme", Email: "x@example.com"}
	st.customers[cust.ID] = cust
	d := q.Add(yespoDelivery(t, orderhub.EventCustomerCreated, cust.ID, cust))
	waitFor(t, "a dead delivery", func() bool { return q.Get(d.ID).Status == "dead" })
	if a := q.Get(d.ID).Attempts; len(a) != 1 || a[0].StatusCode != 401 || strings.Contains(a[0].Error, "wrong-key") {
		t.Fatalf("attempts %+v", a)
	}
	if len(f.Contacts()) != 0 {
		t.Fatal("a contact arrived with a wrong key")
	}
}
