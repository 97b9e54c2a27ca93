package delivery_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"orderhub"
	"orderhub/delivery"
)

// testKind is a connector kind whose sender the test supplies.
const testKind = orderhub.EndpointYespo

// A kind's Bodies entry shapes the body; it is still signed like any other.
func TestBodiesPerKind(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true, Bodies: map[string]func(*orderhub.ClaimedDelivery) ([]byte, error){
		orderhub.EndpointZapier: func(c *orderhub.ClaimedDelivery) ([]byte, error) {
			return []byte(`{"item":"` + c.EventID + `"}`), nil
		},
	}})
	rc := newReceiver(t, nil)
	hook := &orderhub.Endpoint{VendorID: "acme", URL: rc.srv.URL, Kind: orderhub.EndpointZapier}
	if err := b.db.Deliveries().CreateEndpoint(context.Background(), hook); err != nil {
		t.Fatal(err)
	}
	ev := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "delivered", func() bool { return b.status(t, hook.ID, ev.ID) == orderhub.DeliveryDelivered })
	r := rc.requests()[0]
	if string(r.Body) != `{"item":"`+ev.ID+`"}` {
		t.Fatalf("body %s", r.Body)
	}
	wh, _ := standardwebhooks.NewWebhook(hook.Secret)
	if err := wh.Verify(r.Body, r.Header); err != nil {
		t.Fatalf("custom body not signed: %v", err)
	}
}

// A kind's Sender replaces HTTP: its results drive retries, and a permanent failure
// goes dead at once.
func TestSenderPerKind(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	b := setup(t, delivery.Config{Senders: map[string]delivery.Sender{
		testKind: delivery.SenderFunc(func(_ context.Context, c *orderhub.ClaimedDelivery) delivery.SendResult {
			n := calls.Add(1)
			switch {
			case strings.Contains(string(c.EventData), `"k":"reject"`):
				return delivery.SendResult{StatusCode: 400, Response: "bad payload", Err: errors.New("rejected"), Permanent: true}
			case n == 1:
				return delivery.SendResult{StatusCode: 503, Err: errors.New("busy")}
			}
			return delivery.SendResult{StatusCode: 200, Response: "ok"}
		}),
	}})
	ep := &orderhub.Endpoint{VendorID: "acme", URL: "https://connector.invalid/", Kind: testKind}
	if err := b.db.Deliveries().CreateEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	ok := b.event(t, "acme", "t", "fine", 1)
	waitFor(t, "delivered", func() bool { return b.status(t, ep.ID, ok.ID) == orderhub.DeliveryDelivered })
	if as := b.attempts(t, ep.ID, ok.ID); len(as) != 2 || as[0].StatusCode != 503 || as[1].ResponseBody != "ok" {
		t.Fatalf("attempts: %+v", as)
	}
	bad := b.event(t, "acme", "t", "reject", 1)
	waitFor(t, "dead", func() bool { return b.status(t, ep.ID, bad.ID) == orderhub.DeliveryDead })
	if as := b.attempts(t, ep.ID, bad.ID); len(as) != 1 || as[0].Error != "rejected" {
		t.Fatalf("permanent failure retried: %+v", as)
	}
}

func TestRetryAfterIsHonouredAndCapped(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true, Schedule: []time.Duration{0, 10 * time.Millisecond}, MaxRetryAfter: 30 * time.Minute})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7200")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	ep := b.endpoint(t, "acme", srv.URL)
	ev := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "first attempt", func() bool { return len(b.attempts(t, ep.ID, ev.ID)) == 1 })
	waitFor(t, "failure recorded", func() bool { return b.status(t, ep.ID, ev.ID) == orderhub.DeliveryFailed })
	d := b.deliveries(t, orderhub.DeliveryFilter{EventID: ev.ID})[0]
	// Retry-After (2 h) beats the schedule's 10 ms, capped at MaxRetryAfter (30 min).
	if d.NextAttemptAt == nil || d.NextAttemptAt.Sub(d.UpdatedAt) != 30*time.Minute {
		t.Fatalf("next attempt %v after the failure at %v, want 30m", d.NextAttemptAt, d.UpdatedAt)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "0": 0, "-5": 0, "120": 2 * time.Minute, "soon": 0,
		"Mon, 23 Nov 2026 08:01:30 GMT": 90 * time.Second, "Mon, 23 Nov 2026 07:00:00 GMT": 0,
	} {
		if got := delivery.ParseRetryAfter(in, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", in, got, want)
		}
	}
}
