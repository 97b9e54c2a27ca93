package salesmanago_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"orderhub"
	"orderhub/connector/salesmanago"
	"orderhub/delivery"
	"orderhub/delivery/deliverytest"
	fake "orderhub/fake/salesmanago"
	"orderhub/netguard"
)

// The SALESmanago Sender in the delivery engine over the in-memory queue and an
// in-memory account (no SQL), against the fake SALESmanago.

type memAccounts struct {
	rec *orderhub.SalesmanagoAccountRecord
}

func (m memAccounts) GetSalesmanagoAccount(ctx context.Context, vendorID, id string) (*orderhub.SalesmanagoAccountRecord, error) {
	if m.rec.VendorID != vendorID || m.rec.ID != id {
		return nil, orderhub.Errorf(orderhub.ENotFound, "SALESmanago account %q not found.", id)
	}
	r := *m.rec
	return &r, nil
}

func (memAccounts) GetCustomer(ctx context.Context, vendorID, id string) (*orderhub.Customer, error) {
	return nil, orderhub.Errorf(orderhub.ENotFound, "Customer %q not found.", id)
}

func (memAccounts) GetPromoCode(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error) {
	return nil, orderhub.Errorf(orderhub.ENotFound, "Promo code %q not found.", code)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A forwarded contact upsert reaches SALESmanago through a failure that is
// retried; a request SALESmanago refuses (success:false) is dead at once.
func TestSenderOverMemoryQueue(t *testing.T) {
	f := fake.New(acct)
	hs := httptest.NewServer(f)
	t.Cleanup(hs.Close)
	sealer := &salesmanago.Sealer{}
	secret, _ := sealer.Seal(acct.APISecret, "sm_1")
	key, _ := sealer.Seal(acct.APIKey, "sm_1")
	rec := &orderhub.SalesmanagoAccountRecord{
		SalesmanagoAccount: orderhub.SalesmanagoAccount{ID: "sm_1", VendorID: "acme", GroupKey: "g1", BaseURL: hs.URL, V3BaseURL: hs.URL,
			ClientID: acct.ClientID, Owner: acct.Owner, Mapping: &orderhub.SalesmanagoMapping{}, EndpointID: "sm_1"},
		SealedSecret: secret, SealedAPIKey: key, Enabled: true,
	}
	snd := salesmanago.NewSender(memAccounts{rec}, sealer, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	q := deliverytest.New()
	eng := delivery.New(q, delivery.Config{
		Schedule: []time.Duration{0, 20 * time.Millisecond, 20 * time.Millisecond}, Jitter: -1, Poll: 20 * time.Millisecond,
		MaxRetryAfter: 50 * time.Millisecond, Timeout: 2 * time.Second, BreakAfter: -1,
		Senders: map[string]delivery.Sender{orderhub.EndpointSalesmanago: snd},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	forward := func(email string) *deliverytest.Delivery {
		b, _ := json.Marshal(salesmanago.ForwardedContact{GroupKey: "g1", Contact: orderhub.SalesmanagoContact{Email: email, Name: "Bo"}})
		return q.Add(orderhub.ClaimedDelivery{VendorID: "acme", EndpointID: "sm_1", Kind: orderhub.EndpointSalesmanago,
			EventType: orderhub.EventSMContactUpsert, OrderingKey: email, EventData: b})
	}
	f.Fail(fake.Fault{Status: 500})
	ok := forward("bo@example.com")
	waitUntil(t, "the contact", func() bool { return q.Get(ok.ID).Status == "delivered" })
	if a := q.Get(ok.ID).Attempts; len(a) != 2 || a[0].Outcome != orderhub.OutcomeRetry || a[0].StatusCode != 500 || a[1].Outcome != orderhub.OutcomeDelivered {
		t.Fatalf("attempts %+v", a)
	}
	if c, found := f.Contact(acct.ClientID, "bo@example.com"); !found || c.Name != "Bo" {
		t.Fatalf("contact %+v (%v)", c, found)
	}
	f.Fail(fake.Fault{SuccessFalse: true, Message: "Wrong data"})
	refused := forward("cy@example.com")
	waitUntil(t, "a dead delivery", func() bool { return q.Get(refused.ID).Status == "dead" })
	if a := q.Get(refused.ID).Attempts; len(a) != 1 || a[0].Outcome != orderhub.OutcomeDead {
		t.Fatalf("attempts %+v", a)
	}
}
