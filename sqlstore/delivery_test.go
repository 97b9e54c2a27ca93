package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// clock is a settable time source for db.Now.
type clock struct{ us atomic.Int64 }

func newClock(db *sqlstore.DB) *clock {
	c := &clock{}
	c.us.Store(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).UnixMicro())
	db.Now = c.now
	return c
}

func (c *clock) now() time.Time          { return time.UnixMicro(c.us.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.us.Add(d.Microseconds()) }

func deliverySetup(t *testing.T, db *sqlstore.DB) *clock {
	t.Helper()
	c := newClock(db)
	mkVendor(t, db, "acme", "globex")
	return c
}

// mkVendor creates vendors (named as their ids).
func mkVendor(t *testing.T, db *sqlstore.DB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := db.Tenants().CreateVendor(context.Background(), &orderhub.Vendor{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
}

func mkEndpoint(t *testing.T, db *sqlstore.DB, vendor string, types ...string) *orderhub.Endpoint {
	t.Helper()
	e := &orderhub.Endpoint{VendorID: vendor, URL: "https://example.com/hook", EventTypes: types}
	if err := db.Deliveries().CreateEndpoint(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func appendEv(t *testing.T, db *sqlstore.DB, vendor, typ, key string) *orderhub.Event {
	t.Helper()
	ev, err := db.Deliveries().AppendEvent(context.Background(), vendor, typ, key, json.RawMessage(`{"k":"`+key+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func claim(t *testing.T, db *sqlstore.DB, limit int) []*orderhub.ClaimedDelivery {
	t.Helper()
	cs, err := db.Deliveries().ClaimDeliveries(context.Background(), orderhub.ClaimRequest{Owner: "test", Limit: limit, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func complete(t *testing.T, db *sqlstore.DB, opt orderhub.CompleteOptions, cs []*orderhub.ClaimedDelivery, o orderhub.Outcome) orderhub.CompleteReport {
	t.Helper()
	var rs []*orderhub.AttemptResult
	for _, c := range cs {
		r := &orderhub.AttemptResult{Claim: c, StartedAt: time.Now(), Latency: time.Millisecond, StatusCode: 500, ResponseBody: "boom", Error: "HTTP 500", Outcome: o, RetryIn: time.Minute}
		if o == orderhub.OutcomeDelivered {
			r.StatusCode, r.Error = 204, ""
		}
		rs = append(rs, r)
	}
	rep, err := db.Deliveries().CompleteDeliveries(context.Background(), rs, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func keysOf(cs []*orderhub.ClaimedDelivery) map[string]int64 {
	m := map[string]int64{}
	for _, c := range cs {
		m[c.OrderingKey] = c.Seq
	}
	return m
}

func TestEndpointLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		e := mkEndpoint(t, db, "acme", "contract-created", "contract-created", " ")
		if len(e.Secret) < 40 || e.Secret[:6] != "whsec_" || !e.Enabled || e.Kind != orderhub.EndpointWebhook {
			t.Fatalf("created endpoint: %+v", e)
		}
		if len(e.EventTypes) != 1 {
			t.Fatalf("event types not normalised: %q", e.EventTypes)
		}
		for _, bad := range []*orderhub.Endpoint{
			{VendorID: "acme", URL: "ftp://example.com/x"},
			{VendorID: "acme", URL: "/relative"},
			{VendorID: "acme", URL: "https://u:p@example.com/"},
			{VendorID: "acme", URL: "https://example.com/", Kind: "email"},
			{VendorID: "acme", URL: "https://example.com/", Secret: "whsec_short"},
		} {
			if err := db.Deliveries().CreateEndpoint(ctx, bad); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
				t.Errorf("create %+v: %v, want invalid request", bad, err)
			}
		}
		if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "nope", URL: "https://example.com/"}); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Errorf("unknown vendor: %v", err)
		}

		// Vendor scoping.
		if _, err := db.Deliveries().GetEndpoint(ctx, "globex", e.ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("other vendor sees endpoint: %v", err)
		}
		got, err := db.Deliveries().GetEndpoint(ctx, "acme", e.ID)
		if err != nil || got.Secret != "" || got.URL != e.URL {
			t.Fatalf("get: %+v %v (the secret is shown once)", got, err)
		}

		url, desc := "https://example.org/new", "orders"
		types := []string{"*"}
		up, err := db.Deliveries().UpdateEndpoint(ctx, "acme", e.ID, orderhub.EndpointUpdate{URL: &url, Description: &desc, EventTypes: &types})
		if err != nil || up.URL != url || up.Description != desc || len(up.EventTypes) != 0 {
			t.Fatalf("update: %+v %v", up, err)
		}

		// Rotation: both secrets sign during the overlap, then only the new one.
		rot, err := db.Deliveries().RotateEndpointSecret(ctx, "acme", e.ID, "", time.Hour)
		if err != nil || rot.Secret == "" || rot.Secret == e.Secret || rot.PreviousSecretExpiresAt == nil {
			t.Fatalf("rotate: %+v %v", rot, err)
		}
		appendEv(t, db, "acme", "x", "k1")
		cs := claim(t, db, 10)
		if len(cs) != 1 || len(cs[0].Secrets) != 2 || cs[0].Secrets[0] != rot.Secret || cs[0].Secrets[1] != e.Secret {
			t.Fatalf("claim during overlap: %+v", cs)
		}
		complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)
		clk.advance(2 * time.Hour)
		appendEv(t, db, "acme", "x", "k1")
		cs = claim(t, db, 10)
		if len(cs) != 1 || len(cs[0].Secrets) != 1 || cs[0].Secrets[0] != rot.Secret {
			t.Fatalf("claim after overlap: %+v", cs)
		}
		if s, err := db.Deliveries().EndpointSecret(ctx, "acme", e.ID); err != nil || s != rot.Secret {
			t.Fatalf("secret: %q %v", s, err)
		}

		// Disabling stops active deliveries (dead, replayable) and new fan-out.
		dis, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", e.ID, false, "maintenance")
		if err != nil || dis.Enabled || dis.DisabledReason != "maintenance" {
			t.Fatalf("disable: %+v %v", dis, err)
		}
		ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: e.ID, Status: orderhub.DeliveryDead})
		if err != nil || len(ds) != 1 {
			t.Fatalf("dead after disable: %v %v", ds, err)
		}
		// The in-flight attempt finishing after the disable changes nothing but is recorded.
		if rep := complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered); rep.Stale != 1 {
			t.Fatalf("completion after disable: %+v", rep)
		}
		appendEv(t, db, "acme", "x", "k2")
		if n := len(claim(t, db, 10)); n != 0 {
			t.Fatalf("disabled endpoint got %d deliveries", n)
		}
		if _, err := db.Deliveries().ReplayDead(ctx, "acme", e.ID); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("replay on disabled endpoint: %v", err)
		}
		if en, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", e.ID, true, ""); err != nil || !en.Enabled || en.DisabledReason != "" {
			t.Fatalf("enable: %+v %v", en, err)
		}
		if n, err := db.Deliveries().ReplayDead(ctx, "acme", e.ID); err != nil || n != 1 {
			t.Fatalf("replay dead: %d %v", n, err)
		}

		// Delete cancels what is active; the endpoint stays listed only on request.
		if err := db.Deliveries().DeleteEndpoint(ctx, "acme", e.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.Deliveries().DeleteEndpoint(ctx, "acme", e.ID, ""); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("second delete: %v", err)
		}
		ds, _ = db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: e.ID, Status: orderhub.DeliveryCanceled})
		if len(ds) != 1 {
			t.Fatalf("canceled after delete: %d", len(ds))
		}
		if l, _ := db.Deliveries().ListEndpoints(ctx, orderhub.EndpointFilter{VendorID: "acme"}); len(l) != 0 {
			t.Fatalf("deleted endpoint listed: %+v", l)
		}
		if l, _ := db.Deliveries().ListEndpoints(ctx, orderhub.EndpointFilter{VendorID: "acme", IncludeDeleted: true}); len(l) != 1 || l[0].DeletedAt == nil {
			t.Fatalf("deleted endpoint not listed with IncludeDeleted: %+v", l)
		}
	})
}

func TestFanOutMatchesVendorAndType(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ctx := context.Background()
		all := mkEndpoint(t, db, "acme")
		created := mkEndpoint(t, db, "acme", "contract-created")
		other := mkEndpoint(t, db, "globex")

		e1 := appendEv(t, db, "acme", "contract-created", "c1")
		e2 := appendEv(t, db, "acme", "customer-created", "c1")
		e3 := appendEv(t, db, "globex", "contract-created", "c9")

		count := func(ep string) []*orderhub.Delivery {
			ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: ep})
			if err != nil {
				t.Fatal(err)
			}
			return ds
		}
		if ds := count(all.ID); len(ds) != 2 || ds[0].EventID != e2.ID || ds[1].EventID != e1.ID {
			t.Fatalf("all-types endpoint: %+v", ds)
		}
		if ds := count(created.ID); len(ds) != 1 || ds[0].EventID != e1.ID || ds[0].Status != orderhub.DeliveryPending {
			t.Fatalf("filtered endpoint: %+v", ds)
		}
		if ds := count(other.ID); len(ds) != 1 || ds[0].EventID != e3.ID || ds[0].VendorID != "globex" {
			t.Fatalf("other vendor's endpoint: %+v", ds)
		}
		if ds, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "globex"}); len(ds) != 1 {
			t.Fatalf("vendor filter: %d", len(ds))
		}
		// Claimed deliveries carry the event and endpoint.
		cs := claim(t, db, 10)
		if len(cs) != 3 {
			t.Fatalf("claimed %d, want 3 (c1 queues on 'all' hold back customer-created)", len(cs))
		}
		for _, c := range cs {
			if c.URL == "" || len(c.EventData) == 0 || c.EventTime.IsZero() || len(c.Secrets) != 1 {
				t.Fatalf("claim incomplete: %+v", c)
			}
		}
	})
}

func TestOrderingHeadsAndDeadUnblocks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ep := mkEndpoint(t, db, "acme")
		a1 := appendEv(t, db, "acme", "t", "a")
		a2 := appendEv(t, db, "acme", "t", "a")
		a3 := appendEv(t, db, "acme", "t", "a")
		b1 := appendEv(t, db, "acme", "t", "b")
		appendEv(t, db, "acme", "t", "") // unordered: each is its own head
		appendEv(t, db, "acme", "t", "")

		cs := claim(t, db, 100)
		k := keysOf(cs)
		if len(cs) != 4 || k["a"] != a1.Seq || k["b"] != b1.Seq {
			t.Fatalf("first claim: %v (want heads a1, b1 and both unordered)", k)
		}
		var a, rest []*orderhub.ClaimedDelivery
		for _, c := range cs {
			if c.OrderingKey == "a" {
				a = append(a, c)
			} else {
				rest = append(rest, c)
			}
		}
		// Nothing more is claimable while the heads are in flight.
		if n := len(claim(t, db, 100)); n != 0 {
			t.Fatalf("claimed %d while heads in flight", n)
		}
		// Key a fails: it stays the head, a2 waits; b and the unordered ones complete.
		complete(t, db, orderhub.CompleteOptions{}, a, orderhub.OutcomeRetry)
		complete(t, db, orderhub.CompleteOptions{}, rest, orderhub.OutcomeDelivered)
		if n := len(claim(t, db, 100)); n != 0 {
			t.Fatalf("claimed %d while a1 waits for its retry", n)
		}
		d, err := db.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{EndpointID: ep.ID, EventID: a1.ID})
		if err != nil || len(d) != 1 || d[0].Status != orderhub.DeliveryFailed || d[0].Attempts != 1 || d[0].NextAttemptAt == nil || d[0].LastStatus != 500 {
			t.Fatalf("a1 after failure: %+v %v", d[0], err)
		}
		// Replaying an active delivery makes it due now.
		if _, err := db.Deliveries().ReplayDelivery(context.Background(), "acme", d[0].ID); err != nil {
			t.Fatal(err)
		}
		cs = claim(t, db, 100)
		if len(cs) != 1 || cs[0].EventID != a1.ID || cs[0].Attempts != 1 {
			t.Fatalf("retry claim: %+v", cs)
		}
		// a1 goes dead: it no longer blocks a2.
		complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDead)
		cs = claim(t, db, 100)
		if len(cs) != 1 || cs[0].EventID != a2.ID {
			t.Fatalf("after a1 dead: %+v", cs)
		}
		complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)
		// Replaying dead a1 while a3 is the head: a1 queues behind it.
		cs = claim(t, db, 100)
		if len(cs) != 1 || cs[0].EventID != a3.ID {
			t.Fatalf("a3: %+v", cs)
		}
		if n, err := db.Deliveries().ReplayDead(context.Background(), "acme", ep.ID); err != nil || n != 1 {
			t.Fatalf("replay dead: %d %v", n, err)
		}
		if n := len(claim(t, db, 100)); n != 0 {
			t.Fatalf("replayed a1 overtook in-flight a3")
		}
		complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)
		cs = claim(t, db, 100)
		if len(cs) != 1 || cs[0].EventID != a1.ID || cs[0].Attempts != 0 {
			t.Fatalf("replayed a1: %+v", cs)
		}
		atts, err := db.Deliveries().ListAttempts(context.Background(), "acme", cs[0].ID)
		if err != nil || len(atts) != 2 || atts[0].StatusCode != 500 || atts[0].ResponseBody != "boom" {
			t.Fatalf("attempts: %+v %v", atts, err)
		}
		if _, err := db.Deliveries().ListAttempts(context.Background(), "globex", cs[0].ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("attempts across vendors: %v", err)
		}
	})
}

func TestClaimLeaseExpiresAndCaps(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		e1 := mkEndpoint(t, db, "acme")
		e2 := mkEndpoint(t, db, "globex")
		for i := range 5 {
			appendEv(t, db, "acme", "t", string(rune('a'+i)))
			appendEv(t, db, "globex", "t", string(rune('a'+i)))
		}
		cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w1", Limit: 100, PerEndpoint: 2, Lease: 30 * time.Second, Exclude: []string{e2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].EndpointID != e1.ID || cs[1].EndpointID != e1.ID {
			t.Fatalf("per-endpoint cap and exclusion: %+v", cs)
		}
		// A crashed worker: its lease expires and the deliveries are due again.
		clk.advance(31 * time.Second)
		again, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w2", Limit: 100, Lease: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 10 {
			t.Fatalf("after lease expiry claimed %d, want 10", len(again))
		}
		// The first worker's late completion is stale; the second one's counts.
		if rep := complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered); rep.Stale != 2 {
			t.Fatalf("stale completion: %+v", rep)
		}
		if rep := complete(t, db, orderhub.CompleteOptions{}, again, orderhub.OutcomeDelivered); rep.Stale != 0 {
			t.Fatalf("completion: %+v", rep)
		}
		st, err := db.Deliveries().DeliveryQueueStats(ctx)
		if err != nil || st.Active != 0 || st.OldestPending != nil {
			t.Fatalf("stats: %+v %v", st, err)
		}
		if _, ok, err := db.Deliveries().NextDeliveryDue(ctx); ok || err != nil {
			t.Fatalf("next due on empty queue: %v %v", ok, err)
		}
	})
}

func TestGoneDeletesEndpointAndAutoDisable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		gone := mkEndpoint(t, db, "acme", "t")
		flaky := mkEndpoint(t, db, "acme", "t")
		watcher := mkEndpoint(t, db, "acme", orderhub.EventEndpointDisabled)
		appendEv(t, db, "acme", "t", "a")
		appendEv(t, db, "acme", "t", "a")

		var g, f []*orderhub.ClaimedDelivery
		for _, c := range claim(t, db, 100) {
			if c.EndpointID == gone.ID {
				g = append(g, c)
			} else {
				f = append(f, c)
			}
		}
		rep := complete(t, db, orderhub.CompleteOptions{}, g, orderhub.OutcomeGone)
		if len(rep.Deleted) != 1 || rep.Deleted[0] != gone.ID {
			t.Fatalf("gone: %+v", rep)
		}
		ge, _ := db.Deliveries().GetEndpoint(ctx, "acme", gone.ID)
		if ge.DeletedAt == nil || ge.Enabled {
			t.Fatalf("gone endpoint not deleted: %+v", ge)
		}
		if ds, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: gone.ID, Status: orderhub.DeliveryCanceled}); len(ds) != 2 {
			t.Fatalf("gone endpoint's deliveries: %d canceled", len(ds))
		}

		opt := orderhub.CompleteOptions{DisableAfter: 5 * 24 * time.Hour}
		rep = complete(t, db, opt, f, orderhub.OutcomeRetry)
		if len(rep.Disabled) != 0 {
			t.Fatalf("disabled too early: %+v", rep)
		}
		fe, _ := db.Deliveries().GetEndpoint(ctx, "acme", flaky.ID)
		if fe.FailingSince == nil {
			t.Fatalf("failure streak not recorded")
		}
		clk.advance(5*24*time.Hour + time.Second)
		f = claim(t, db, 100)
		if len(f) != 1 || f[0].EndpointID != flaky.ID {
			t.Fatalf("retry claim: %+v", f)
		}
		rep = complete(t, db, opt, f, orderhub.OutcomeRetry)
		if len(rep.Disabled) != 1 || rep.Disabled[0] != flaky.ID {
			t.Fatalf("not disabled after 5 days: %+v", rep)
		}
		fe, _ = db.Deliveries().GetEndpoint(ctx, "acme", flaky.ID)
		if fe.Enabled || fe.DisabledReason == "" {
			t.Fatalf("flaky endpoint: %+v", fe)
		}
		evs, _ := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme", Type: orderhub.EventEndpointDisabled})
		if len(evs) != 1 || evs[0].OrderingKey != flaky.ID {
			t.Fatalf("endpoint-disabled event: %+v", evs)
		}
		ws, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: watcher.ID})
		if len(ws) != 1 || ws[0].EventType != orderhub.EventEndpointDisabled {
			t.Fatalf("endpoint-disabled not fanned out: %+v", ws)
		}
		if ds, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: flaky.ID, Status: "active"}); len(ds) != 0 {
			t.Fatalf("disabled endpoint still has active deliveries: %+v", ds)
		}
	})
}

func TestReplaySince(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		appendEv(t, db, "acme", "t", "a") // before the endpoint existed, and before "since"
		clk.advance(time.Hour)
		since := clk.now()
		e1 := appendEv(t, db, "acme", "t", "a") // before the endpoint existed
		appendEv(t, db, "acme", "u", "a")       // filtered out by the endpoint
		ep := mkEndpoint(t, db, "acme", "t")
		e3 := appendEv(t, db, "acme", "t", "a")
		cs := claim(t, db, 10)
		if len(cs) != 1 || cs[0].EventID != e3.ID {
			t.Fatalf("claim: %+v", cs)
		}
		complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)

		n, err := db.Deliveries().ReplaySince(ctx, "acme", ep.ID, since)
		if err != nil || n != 2 {
			t.Fatalf("replay since: %d %v (want e3 again and the missing e1)", n, err)
		}
		var got []string
		for {
			cs := claim(t, db, 10)
			if len(cs) == 0 {
				break
			}
			if len(cs) != 1 {
				t.Fatalf("one key, but %d claimed at once", len(cs))
			}
			got = append(got, cs[0].EventID)
			complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)
		}
		if len(got) != 2 || got[0] != e1.ID || got[1] != e3.ID {
			t.Fatalf("replayed in order %v, want [%s %s]", got, e1.ID, e3.ID)
		}
		if n, err := db.Deliveries().ReplaySince(ctx, "acme", "", since); err != nil || n != 2 {
			t.Fatalf("replay since for the vendor: %d %v", n, err)
		}
		if _, err := db.Deliveries().ReplaySince(ctx, "globex", ep.ID, since); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("replay across vendors: %v", err)
		}
	})
}

// A receiver's answer with NUL bytes and invalid UTF-8 is stored (cleaned) on both
// engines: one odd response must never make a completion batch fail.
func TestAttemptTextIsCleaned(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		mkEndpoint(t, db, "acme")
		appendEv(t, db, "acme", "t", "k")
		cs := claim(t, db, 10)
		if len(cs) != 1 {
			t.Fatalf("claimed %d", len(cs))
		}
		_, err := db.Deliveries().CompleteDeliveries(context.Background(), []*orderhub.AttemptResult{{
			Claim: cs[0], StartedAt: time.Now(), StatusCode: 500, ResponseBody: "a\x00b\xffc", Error: "bad\x00", Outcome: orderhub.OutcomeRetry, RetryIn: time.Minute,
		}}, orderhub.CompleteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		as, err := db.Deliveries().ListAttempts(context.Background(), "acme", cs[0].ID)
		if err != nil || len(as) != 1 || as[0].ResponseBody != "a\uFFFDb\uFFFDc" || as[0].Error != "bad\uFFFD" {
			t.Fatalf("attempts: %+v %v", as, err)
		}
	})
}

// Claims share the pool between vendors: a vendor with a large backlog that fell due
// earlier gets its share only, a vendor below its share may borrow while the pool is
// full, vendors take turns when the pool has room for one, and one vendor alone may
// use the whole pool.
func TestClaimFairBetweenVendors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		for range 3 {
			mkEndpoint(t, db, "acme")
		}
		mkEndpoint(t, db, "globex")
		for i := range 40 {
			appendEv(t, db, "acme", "t", fmt.Sprintf("a%d", i))
		}
		clk.advance(time.Second)
		for i := range 4 {
			appendEv(t, db, "globex", "t", fmt.Sprintf("g%d", i))
		}
		count := func(cs []*orderhub.ClaimedDelivery) map[string]int {
			m := map[string]int{}
			for _, c := range cs {
				m[c.VendorID]++
			}
			return m
		}
		req := func(r orderhub.ClaimRequest) []*orderhub.ClaimedDelivery {
			t.Helper()
			r.Owner, r.Lease = "w", time.Minute
			cs, err := db.Deliveries().ClaimDeliveries(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		// Earliest due first would give acme all 8.
		if m := count(req(orderhub.ClaimRequest{Limit: 8, Workers: 8})); m["acme"] != 4 || m["globex"] != 4 {
			t.Fatalf("two vendors, 8 slots: %v, want 4 each", m)
		}
		// The pool is full of acme's; globex is below its share and borrows.
		for i := range 3 {
			appendEv(t, db, "globex", "t", fmt.Sprintf("h%d", i))
		}
		if m := count(req(orderhub.ClaimRequest{Limit: 0, Borrow: 8, Workers: 8, InFlight: map[string]int{"acme": 8}})); m["acme"] != 0 || m["globex"] != 3 {
			t.Fatalf("full pool, borrowing: %v, want globex 3", m)
		}
		// Nothing for a vendor at its share when the pool is full.
		for i := range 2 {
			appendEv(t, db, "globex", "t", fmt.Sprintf("j%d", i))
		}
		if cs := req(orderhub.ClaimRequest{Limit: 0, Borrow: 8, Workers: 8, InFlight: map[string]int{"acme": 4, "globex": 4}}); len(cs) != 0 {
			t.Fatalf("full pool, every vendor at its share: claimed %d", len(cs))
		}
		// Round robin: one slot at a time, the vendor after the last one served.
		if cs := req(orderhub.ClaimRequest{Limit: 1, Workers: 1, After: "acme"}); len(cs) != 1 || cs[0].VendorID != "globex" {
			t.Fatalf("after acme: %v", count(cs))
		}
		if cs := req(orderhub.ClaimRequest{Limit: 1, Workers: 1, After: "globex"}); len(cs) != 1 || cs[0].VendorID != "acme" {
			t.Fatalf("after globex: %v", count(cs))
		}
		if cs := req(orderhub.ClaimRequest{Limit: 1, Workers: 1, After: "acme"}); len(cs) != 1 || cs[0].VendorID != "globex" {
			t.Fatalf("after acme again: %v", count(cs))
		}
		// globex has nothing due any more: acme alone takes every free slot.
		if m := count(req(orderhub.ClaimRequest{Limit: 30, Workers: 30})); m["acme"] != 30 {
			t.Fatalf("one vendor with due work, 30 slots: %v", m)
		}
	})
}

// Replays run in batches of sequence numbers (issue 14): a huge replay is many short
// writes, not one that holds the single writer, and the queues stay in seq order.
func TestReplayInBatches(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ctx := context.Background()
		ep := mkEndpoint(t, db, "acme")
		const events = 23
		keys := []string{"k0", "k1", "k2", ""}
		for i := range events {
			appendEv(t, db, "acme", "t", keys[i%len(keys)])
		}
		drain := func(o orderhub.Outcome) map[string][]int64 {
			got := map[string][]int64{}
			for {
				cs := claim(t, db, 100)
				if len(cs) == 0 {
					return got
				}
				for _, c := range cs {
					got[c.OrderingKey] = append(got[c.OrderingKey], c.Seq)
				}
				complete(t, db, orderhub.CompleteOptions{}, cs, o)
			}
		}
		drain(orderhub.OutcomeDead)

		var writes atomic.Int64
		db.Ops().SetBatchObserver(func(size int, _ time.Duration, _ error) { writes.Add(int64(size)) })
		db.Deliveries().SetReplayBatch(5)
		n, err := db.Deliveries().ReplayDead(ctx, "acme", ep.ID)
		if err != nil || n != events {
			t.Fatalf("replay dead: %d %v", n, err)
		}
		// The observer hears of a group commit after its callers are answered: wait
		// for the last one.
		atLeast := func(want int64) int64 {
			t.Helper()
			for range 200 {
				if w := writes.Load(); w >= want {
					return w
				}
				time.Sleep(10 * time.Millisecond)
			}
			return writes.Load()
		}
		if w := atLeast(1 + (events+4)/5); w < 1+(events+4)/5 {
			t.Fatalf("replay of %d deliveries in batches of 5 took %d writes, want at least %d", events, w, 1+(events+4)/5)
		}
		checkOrder := func(got map[string][]int64) {
			t.Helper()
			total := 0
			for k, seqs := range got {
				total += len(seqs)
				for i := 1; i < len(seqs); i++ {
					if k != "" && seqs[i] <= seqs[i-1] {
						t.Fatalf("key %q delivered out of order: %v", k, seqs)
					}
				}
			}
			if total != events {
				t.Fatalf("%d deliveries after the replay, want %d: %v", total, events, got)
			}
		}
		checkOrder(drain(orderhub.OutcomeDelivered))

		writes.Store(0)
		n, err = db.Deliveries().ReplaySince(ctx, "acme", "", time.Time{})
		if err != nil || n != events {
			t.Fatalf("replay since: %d %v", n, err)
		}
		if w := atLeast(2 + (events+4)/5); w < 2+(events+4)/5 {
			t.Fatalf("replay since of %d deliveries in batches of 5 took %d writes", events, w)
		}
		checkOrder(drain(orderhub.OutcomeDelivered))
	})
}

// NextDeliveryDue is the earliest due time of an unleased head over all vendors,
// found vendor by vendor (migration 00023 dropped the global due index): a leased
// head, however early, is skipped, and so is a vendor with only leased heads.
func TestNextDeliveryDueAcrossVendors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		mkEndpoint(t, db, "acme")
		g := mkEndpoint(t, db, "globex")
		t0 := db.Now()
		appendEv(t, db, "acme", "t", "a") // due t0
		clk.advance(time.Second)
		appendEv(t, db, "globex", "t", "b") // due t0+1s
		clk.advance(time.Second)
		appendEv(t, db, "acme", "t", "c") // due t0+2s
		clk.advance(time.Second)
		next := func() time.Duration {
			t.Helper()
			at, ok, err := db.Deliveries().NextDeliveryDue(ctx)
			if err != nil || !ok {
				t.Fatalf("next due: %v %v", ok, err)
			}
			return at.Sub(t0).Round(time.Second)
		}
		if d := next(); d != 0 {
			t.Fatalf("next due at t0+%v, want t0", d)
		}
		// Lease acme's first head: globex's is next.
		cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w", Limit: 1, PerEndpoint: 1, Lease: time.Minute, Exclude: []string{g.ID}})
		if err != nil || len(cs) != 1 {
			t.Fatalf("claim: %v %v", cs, err)
		}
		if d := next(); d != time.Second {
			t.Fatalf("next due at t0+%v, want t0+1s (the leased head skipped)", d)
		}
		// Lease globex's only head: acme's second is next.
		if cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w", Limit: 1, Lease: time.Minute, After: "acme"}); err != nil || len(cs) != 1 || cs[0].VendorID != "globex" {
			t.Fatalf("claim globex: %+v %v", cs, err)
		}
		if d := next(); d != 2*time.Second {
			t.Fatalf("next due at t0+%v, want t0+2s", d)
		}
		if cs := claim(t, db, 10); len(cs) != 1 {
			t.Fatalf("claimed %d, want the last head", len(cs))
		}
		if _, ok, err := db.Deliveries().NextDeliveryDue(ctx); ok || err != nil {
			t.Fatalf("every head leased, yet next due: %v %v", ok, err)
		}
	})
}

// A claim takes at most one delivery for an endpoint named in Single (its health
// allows one attempt), whatever PerEndpoint allows the others.
func TestClaimSingleTakesOne(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ctx := context.Background()
		e1 := mkEndpoint(t, db, "acme")
		e2 := mkEndpoint(t, db, "acme")
		for i := range 5 {
			appendEv(t, db, "acme", "t", string(rune('a'+i)))
		}
		cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w", Limit: 100, PerEndpoint: 4, Lease: time.Minute, Single: []string{e2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, c := range cs {
			per[c.EndpointID]++
		}
		if per[e1.ID] != 4 || per[e2.ID] != 1 {
			t.Fatalf("claimed %v; want 4 for %s (PerEndpoint) and 1 for %s (Single)", per, e1.ID, e2.ID)
		}
	})
}

// Single holds for the whole claim, the spare pass included: a vendor that filled
// its share in the fair pass is visited again for the free slots, and its Single
// endpoint (a half-open circuit's probe) must not get a second delivery then — the
// dispatcher fails a second one at once without a request.
func TestClaimSingleHoldsInTheSparePass(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ctx := context.Background()
		mkEndpoint(t, db, "acme")
		e2 := mkEndpoint(t, db, "acme")
		mkEndpoint(t, db, "globex")
		for i := range 8 {
			appendEv(t, db, "acme", "t", string(rune('a'+i)))
		}
		appendEv(t, db, "globex", "t", "g")
		// Two vendors share 10 workers: acme's share is 5, which it fills (1 for
		// e2, 4 for e1); globex takes 1; the spare pass gives acme the 4 left.
		cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w", Limit: 10, Workers: 10, PerEndpoint: 16, Lease: time.Minute, Single: []string{e2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, c := range cs {
			per[c.EndpointID]++
		}
		if per[e2.ID] != 1 || len(cs) != 10 {
			t.Fatalf("claimed %d: %v; want 1 for %s (Single) and the rest for the others", len(cs), per, e2.ID)
		}
	})
}
