package console_test

import (
	"golang.org/x/crypto/bcrypt"

	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/delivery"
	"orderhub/httpapi"
	"orderhub/hub"
	"orderhub/netguard"
	"orderhub/sqlstore"
)

// Fast password hashes in tests: every login of the browser tests checks one.
func init() { sqlstore.BcryptCost = bcrypt.MinCost }

const (
	testUser     = "ops"
	testPassword = "correct horse battery"
	testEmail    = "anna@example.com"
	testOrder    = "WEB-1001"
)

// bed is the real orderhub server (httpapi with the console mounted) over loopback
// with a real SQLite database, a running delivery engine with a compressed retry
// schedule (two attempts 20 ms apart), and a webhook receiver that answers 500 until
// told otherwise. It holds one vendor, a console user, an endpoint and one order of
// testEmail whose two deliveries (customer-created, order-created) are dead.
type bed struct {
	t        testing.TB
	DB       *sqlstore.DB
	URL      string
	Endpoint *orderhub.Endpoint
	Order    *orderhub.Order
	// ReceiverStatus is what the webhook receiver answers.
	ReceiverStatus atomic.Int32
	Received       atomic.Int32
	// Skew is added to the server's clock (the login throttle's time).
	Skew atomic.Int64
}

func newBed(t testing.TB) *bed {
	t.Helper()
	ctx := context.Background()
	b := &bed{t: t}
	b.ReceiverStatus.Store(500)
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "console.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.DB = db
	srv, err := httpapi.NewServer(ctx, httpapi.Config{Store: hub.Wrap(db.Store(), db), Registry: prometheus.NewRegistry(), Guard: netguard.New(netguard.Options{AllowPrivate: true}),
		Now: func() time.Time { return time.Now().Add(time.Duration(b.Skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.URL = hs.URL
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		b.Received.Add(1)
		st := int(b.ReceiverStatus.Load())
		w.WriteHeader(st)
		if st >= 300 {
			_, _ = io.WriteString(w, `{"error":"crm is down for maintenance"}`)
		} else {
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	}))
	engCtx, stop := context.WithCancel(ctx)
	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{db.Deliveries(), db.Ops()}, delivery.Config{
		AllowPrivateTargets: true, Schedule: []time.Duration{0, 20 * time.Millisecond}, Jitter: -1,
		Poll: 50 * time.Millisecond, Timeout: 5 * time.Second, Registry: prometheus.NewRegistry(),
	})
	done := make(chan struct{})
	go func() { defer close(done); _ = eng.Run(engCtx) }()
	t.Cleanup(func() {
		stop()
		<-done
		hs.Close()
		receiver.Close()
		db.Close()
	})

	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme", Name: "Acme Media"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: "acme", Code: "PROMOCODE", ProductName: "Digital 12 months", Price: "99", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Tenants().CreateClient(ctx, &orderhub.Client{VendorID: "acme", Name: "Webshop", Scopes: []string{orderhub.ScopeVendorOrders}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Admin().CreateConsoleUser(ctx, testUser, testPassword); err != nil {
		t.Fatal(err)
	}
	b.Endpoint = &orderhub.Endpoint{VendorID: "acme", URL: receiver.URL + "/hooks/orderhub", Description: "CRM webhook"}
	if err := db.Deliveries().CreateEndpoint(ctx, b.Endpoint); err != nil {
		t.Fatal(err)
	}
	b.Order, _, err = hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{
		VendorID: "acme", ExternalOrderID: testOrder, Source: "webshop", Status: orderhub.OrderInitialized, Currency: "SEK",
		Customer: orderhub.Customer{Email: testEmail, FullName: "Anna <b>Andersson</b>"}, Total: 19900,
		Items: []orderhub.OrderItem{{ExternalItemID: "SKU-1", Name: "Annual subscription", Quantity: 1, Cost: 19900}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b.waitFor("both deliveries dead", func() bool { return len(b.deliveries(orderhub.DeliveryDead)) == 2 })
	return b
}

func (b *bed) deliveries(status string) []*orderhub.Delivery {
	b.t.Helper()
	ds, err := b.DB.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{EndpointID: b.Endpoint.ID, Status: status})
	if err != nil {
		b.t.Fatal(err)
	}
	return ds
}

// waitFor polls cond for up to 20 s (the engine runs in real time).
func (b *bed) waitFor(what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
