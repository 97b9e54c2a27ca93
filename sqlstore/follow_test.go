package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// A claim with Follow leases, behind each head, the run of its queue that is due and
// not leased (in seq order); the head's completion and the followers' complete in
// one batch; a released follower becomes claimable again as the queue's head, and
// nothing else claims a follower while it is leased.
func TestClaimFollowersAndRelease(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		ep := mkEndpoint(t, db, "acme")
		a1 := appendEv(t, db, "acme", "t", "a")
		a2 := appendEv(t, db, "acme", "t", "a")
		a3 := appendEv(t, db, "acme", "t", "a")
		a4 := appendEv(t, db, "acme", "t", "a")
		b1 := appendEv(t, db, "acme", "t", "b")
		u := appendEv(t, db, "acme", "t", "") // unordered: no followers
		req := orderhub.ClaimRequest{Owner: "w", Limit: 10, Lease: time.Minute, Follow: 2}
		cs, err := db.Deliveries().ClaimDeliveries(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		heads := map[string]*orderhub.ClaimedDelivery{}
		for _, c := range cs {
			heads[c.EventID] = c
		}
		if len(cs) != 3 || heads[a1.ID] == nil || heads[b1.ID] == nil || heads[u.ID] == nil {
			t.Fatalf("heads: %+v", cs)
		}
		ha := heads[a1.ID]
		if len(ha.Next) != 2 || ha.Next[0].EventID != a2.ID || ha.Next[1].EventID != a3.ID || len(heads[b1.ID].Next) != 0 || len(heads[u.ID].Next) != 0 {
			t.Fatalf("followers of a1: %+v", ha.Next)
		}
		for _, f := range ha.Next {
			if f.URL == "" || len(f.EventData) == 0 || len(f.Secrets) == 0 || f.Owner != "w" || !f.LockedUntil.Equal(ha.LockedUntil) {
				t.Fatalf("follower not loaded like its head: %+v", f)
			}
		}
		// Nobody claims what is leased (a4 waits behind the leased run).
		if other, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "x", Limit: 10, Lease: time.Minute, Follow: 5}); err != nil || len(other) != 0 {
			t.Fatalf("claimed while leased: %+v %v", other, err)
		}
		// a1 delivered, a2 fails (retry), a3 released: a2 is the head with its retry,
		// a3 waits behind it, unleased.
		res := []*orderhub.AttemptResult{
			{Claim: ha, StartedAt: clk.now(), StatusCode: 204, Outcome: orderhub.OutcomeDelivered},
			{Claim: ha.Next[0], StartedAt: clk.now(), StatusCode: 500, Error: "HTTP 500", Outcome: orderhub.OutcomeRetry, RetryIn: time.Minute},
			{Claim: ha.Next[1], Outcome: orderhub.OutcomeReleased},
		}
		if _, err := db.Deliveries().CompleteDeliveries(ctx, res, orderhub.CompleteOptions{}); err != nil {
			t.Fatal(err)
		}
		complete(t, db, orderhub.CompleteOptions{}, []*orderhub.ClaimedDelivery{heads[b1.ID], heads[u.ID]}, orderhub.OutcomeDelivered)
		ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: ep.ID})
		if err != nil {
			t.Fatal(err)
		}
		byEvent := map[string]*orderhub.Delivery{}
		for _, d := range ds {
			byEvent[d.EventID] = d
		}
		if d := byEvent[a1.ID]; d.Status != orderhub.DeliveryDelivered {
			t.Fatalf("a1: %+v", d)
		}
		if d := byEvent[a2.ID]; d.Status != orderhub.DeliveryFailed || d.Attempts != 1 {
			t.Fatalf("a2: %+v", d)
		}
		if d := byEvent[a3.ID]; d.Status != orderhub.DeliveryPending || d.Attempts != 0 || d.InFlightUntil != nil {
			t.Fatalf("a3 after release: %+v", d)
		}
		if atts, err := db.Deliveries().ListAttempts(ctx, "acme", byEvent[a3.ID].ID); err != nil || len(atts) != 0 {
			t.Fatalf("a released follower has attempts: %+v %v", atts, err)
		}
		// Before a2's retry is due nothing of key a is claimable; after it, a2 with
		// a3 and a4 behind it.
		if cs, err := db.Deliveries().ClaimDeliveries(ctx, req); err != nil || len(cs) != 0 {
			t.Fatalf("claimed before a2's retry: %+v %v", cs, err)
		}
		clk.advance(2 * time.Minute)
		cs, err = db.Deliveries().ClaimDeliveries(ctx, req)
		if err != nil || len(cs) != 1 || cs[0].EventID != a2.ID || cs[0].Attempts != 1 || len(cs[0].Next) != 2 ||
			cs[0].Next[0].EventID != a3.ID || cs[0].Next[1].EventID != a4.ID {
			t.Fatalf("claim after the retry is due: %+v %v", cs, err)
		}
		// Everything delivered in one batch, in order: the queue is empty.
		var all []*orderhub.ClaimedDelivery
		all = append(append(all, cs[0]), cs[0].Next...)
		complete(t, db, orderhub.CompleteOptions{}, all, orderhub.OutcomeDelivered)
		for _, ev := range []string{a2.ID, a3.ID, a4.ID} {
			d, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: ep.ID, EventID: ev})
			if err != nil || len(d) != 1 || d[0].Status != orderhub.DeliveryDelivered {
				t.Fatalf("%s: %+v %v", ev, d, err)
			}
		}
		// Without Follow, heads alone.
		a5 := appendEv(t, db, "acme", "t", "a")
		appendEv(t, db, "acme", "t", "a")
		cs, err = db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w", Limit: 10, Lease: time.Minute})
		if err != nil || len(cs) != 1 || cs[0].EventID != a5.ID || len(cs[0].Next) != 0 {
			t.Fatalf("claim without Follow: %+v %v", cs, err)
		}
	})
}

// Wide endpoints are exempt from PerEndpoint.
func TestClaimWideEndpoints(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ctx := context.Background()
		e1 := mkEndpoint(t, db, "acme")
		e2 := mkEndpoint(t, db, "acme")
		for i := range 6 {
			appendEv(t, db, "acme", "t", string(rune('a'+i)))
		}
		cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w", Limit: 20, PerEndpoint: 2, Lease: time.Minute, Wide: []string{e2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, c := range cs {
			n[c.EndpointID]++
		}
		if n[e1.ID] != 2 || n[e2.ID] != 6 {
			t.Fatalf("claimed per endpoint: %v (want 2 for the capped, 6 for the wide)", n)
		}
	})
}

// When a head's lease was lost (claimed again by another claimer after it expired),
// the results of the deliveries claimed behind it change nothing either: the queue
// keeps one head, and they are sent again in order after it.
func TestFollowersOfAStaleHeadChangeNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		ep := mkEndpoint(t, db, "acme")
		a1 := appendEv(t, db, "acme", "t", "a")
		a2 := appendEv(t, db, "acme", "t", "a")
		slow, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "slow", Limit: 10, Lease: time.Minute, Follow: 5})
		if err != nil || len(slow) != 1 || len(slow[0].Next) != 1 {
			t.Fatalf("first claim: %+v %v", slow, err)
		}
		clk.advance(2 * time.Minute)
		again, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "fast", Limit: 10, Lease: time.Minute})
		if err != nil || len(again) != 1 || again[0].EventID != a1.ID {
			t.Fatalf("claim after the lease expired: %+v %v", again, err)
		}
		res := []*orderhub.AttemptResult{
			{Claim: slow[0], StartedAt: clk.now(), StatusCode: 204, Outcome: orderhub.OutcomeDelivered},
			{Claim: slow[0].Next[0], StartedAt: clk.now(), StatusCode: 500, Error: "HTTP 500", Outcome: orderhub.OutcomeRetry, RetryIn: time.Hour},
		}
		rep, err := db.Deliveries().CompleteDeliveries(ctx, res, orderhub.CompleteOptions{})
		if err != nil || rep.Stale != 2 {
			t.Fatalf("late completion: %+v %v", rep, err)
		}
		d, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: ep.ID, EventID: a2.ID})
		if err != nil || len(d) != 1 || d[0].Status != orderhub.DeliveryPending || d[0].Attempts != 0 {
			t.Fatalf("a2 after its stale job: %+v %v", d, err)
		}
		complete(t, db, orderhub.CompleteOptions{}, again, orderhub.OutcomeDelivered)
		next, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "fast", Limit: 10, Lease: time.Minute})
		if err != nil || len(next) != 1 || next[0].EventID != a2.ID {
			t.Fatalf("a2 after a1 was delivered: %+v %v", next, err)
		}
	})
}

// A delivery replayed while its queue's head is in flight rejoins the queue in seq
// order behind that head (ReplayDelivery): when the head is claimed again (its
// retry, or after its lease expired), the deliveries behind the replayed one must
// not be claimed behind the head, or they overtake it. Pre-Follow order: a2 (the
// head in flight), a1 (replayed), a3, a4.
func TestFollowersDoNotOvertakeAReplayedDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		ep := mkEndpoint(t, db, "acme")
		var seqOf = map[string]int64{}
		evs := []string{}
		for range 4 {
			ev := appendEv(t, db, "acme", "t", "a")
			seqOf[ev.ID] = ev.Seq
			evs = append(evs, ev.ID)
		}
		// a1 delivered; a2 claimed (in flight) when a1 is replayed; a2 then fails.
		complete(t, db, orderhub.CompleteOptions{}, claim(t, db, 10), orderhub.OutcomeDelivered)
		head := claim(t, db, 10)
		if len(head) != 1 || head[0].EventID != evs[1] {
			t.Fatalf("claim a2: %+v", head)
		}
		a1, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: ep.ID, EventID: evs[0]})
		if err != nil || len(a1) != 1 {
			t.Fatalf("a1: %+v %v", a1, err)
		}
		if _, err := db.Deliveries().ReplayDelivery(ctx, "acme", a1[0].ID); err != nil {
			t.Fatal(err)
		}
		complete(t, db, orderhub.CompleteOptions{}, head, orderhub.OutcomeRetry)
		clk.advance(2 * time.Minute)
		// Drain as the engine does: each job's head, then its followers, in order.
		var sent []string
		for range 10 {
			cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w", Limit: 10, Lease: time.Minute, Follow: 15})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) == 0 {
				break
			}
			var job []*orderhub.ClaimedDelivery
			for _, c := range cs {
				job = append(append(job, c), c.Next...)
			}
			for _, c := range job {
				sent = append(sent, c.EventID)
			}
			complete(t, db, orderhub.CompleteOptions{}, job, orderhub.OutcomeDelivered)
		}
		want := []string{evs[1], evs[0], evs[2], evs[3]}
		if len(sent) != len(want) {
			t.Fatalf("sent %d deliveries, want %d", len(sent), len(want))
		}
		for i := range want {
			if sent[i] != want[i] {
				got := make([]int64, len(sent))
				for j, id := range sent {
					got[j] = seqOf[id]
				}
				t.Fatalf("sent seqs %v, want a2, then the replayed a1, then a3, a4 (%d, %d, %d, %d)", got, seqOf[want[0]], seqOf[want[1]], seqOf[want[2]], seqOf[want[3]])
			}
		}
	})
}

// A completion batch larger than one multi-row statement records every attempt once
// (on PostgreSQL the statements are pipelined: each keeps its own arguments).
func TestCompleteLargeBatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ctx := context.Background()
		ep := mkEndpoint(t, db, "acme")
		const n = 250
		for i := range n {
			appendEv(t, db, "acme", "t", fmt.Sprintf("k%d", i))
		}
		cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "w", Limit: n, Lease: time.Minute})
		if err != nil || len(cs) != n {
			t.Fatalf("claimed %d: %v", len(cs), err)
		}
		if rep := complete(t, db, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered); rep.Stale != 0 {
			t.Fatalf("stale: %+v", rep)
		}
		ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: ep.ID, Limit: 1000})
		if err != nil || len(ds) != n {
			t.Fatalf("deliveries: %d %v", len(ds), err)
		}
		for _, d := range ds {
			atts, err := db.Deliveries().ListAttempts(ctx, "acme", d.ID)
			if err != nil || d.Status != orderhub.DeliveryDelivered || len(atts) != 1 || atts[0].DeliveryID != d.ID || atts[0].Attempt != 1 {
				t.Fatalf("%s: %s, attempts %+v %v", d.ID, d.Status, atts, err)
			}
		}
	})
}
