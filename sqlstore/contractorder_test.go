package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"orderhub"
	"orderhub/hub"
)

// A contract is an order too (issue 16): in one optimistic batch on PostgreSQL (and
// the same calls on SQLite), vendor orders and a Zapier-style order get one order
// each, numbered without gaps or repeats; each vendor order emits order-created
// with its contract's id; a confirming replay and a cancellation update the order.
func TestEveryContractIsAnOrder(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db, promo := acmeWithPromo(t, engine)
			ctx := context.Background()
			pending := bulkOrder(t, "acme", "OLD-PENDING", "old@example.com", "Old", false)
			if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, pending, promo); err != nil {
				t.Fatal(err)
			}
			fallbacks := db.Ops().OptimisticFallbacks()
			var fns []func() error
			for i := range 10 {
				fns = append(fns, func() error {
					_, err := hub.NewOrders(db).PlaceVendorOrder(ctx, bulkOrder(t, "acme", fmt.Sprintf("N-%d", i), fmt.Sprintf("n%d@example.com", i%3), "N", i%2 == 0), promo)
					return err
				})
			}
			fns = append(fns, func() error {
				_, err := hub.NewOrders(db).PlaceVendorOrder(ctx, bulkOrder(t, "acme", "OLD-PENDING", "old@example.com", "Old", true), promo)
				return err
			})
			for _, err := range holdCalls(t, db, fns...) {
				if err != nil {
					t.Fatal(err)
				}
			}
			if engine == "postgres" && db.Ops().OptimisticFallbacks() != fallbacks {
				t.Error("the batch fell back to the careful path")
			}
			if _, _, err := hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "Z-1", Source: "zapier", Customer: orderhub.Customer{Email: "z@example.com"}}); err != nil {
				t.Fatal(err)
			}

			orders, err := db.Orders().ListOrders(ctx, orderhub.ListFilter{VendorID: "acme", Limit: 100})
			if err != nil || len(orders) != 12 {
				t.Fatalf("%d orders (%v), want 12: one per contract and the Zapier one", len(orders), err)
			}
			var numbers []int
			byContract := map[string]*orderhub.Order{}
			for _, o := range orders {
				numbers = append(numbers, int(o.Number))
				if o.ContractID != "" {
					byContract[o.ContractID] = o
				}
			}
			sort.Ints(numbers)
			for i, n := range numbers {
				if n != i+1 {
					t.Fatalf("order numbers %v, want 1…12", numbers)
				}
			}
			contracts, err := db.Orders().ListContracts(ctx, orderhub.ContractFilter{VendorID: "acme", Limit: 100})
			if err != nil || len(contracts) != 11 {
				t.Fatalf("%d contracts (%v)", len(contracts), err)
			}
			for _, c := range contracts {
				o := byContract[c.ID]
				if o == nil {
					t.Fatalf("contract %s (%s) has no order", c.ID, c.ExternalOrderID)
				}
				if o.Source != orderhub.OriginVendorOrder || o.CustomerID != c.UserID || o.Total != 9900 || o.Subtotal != 9900 || o.Currency != "SEK" ||
					o.Status != orderhub.ContractOrderStatus(c.Status) || len(o.Items) != 1 || o.Items[0].Name != "Digital 12m" || o.ExternalOrderID != "" {
					t.Errorf("order of %s (%s): %+v", c.ExternalOrderID, c.Status, o)
				}
			}
			// Every contract's order-created names the contract; the confirming replay
			// updated OLD-PENDING's order.
			evs, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme", Type: orderhub.EventOrderCreated, Limit: 100})
			if err != nil || len(evs) != 12 {
				t.Fatalf("%d order-created (%v), want 12", len(evs), err)
			}
			upd, _ := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme", Type: orderhub.EventOrderUpdated, Limit: 100})
			if len(upd) != 1 {
				t.Fatalf("%d order-updated, want 1 (the confirming replay)", len(upd))
			}
			olds, _ := db.Orders().ListContracts(ctx, orderhub.ContractFilter{VendorID: "acme", ExternalOrderID: "OLD-PENDING"})
			if len(olds) != 1 {
				t.Fatalf("OLD-PENDING: %d contracts", len(olds))
			}
			old := olds[0]
			if byContract[old.ID].Status != orderhub.OrderInProgress {
				t.Errorf("OLD-PENDING's order after confirmation: %s", byContract[old.ID].Status)
			}
			if _, err := hub.NewOrders(db).CancelContract(ctx, "acme", old.ID); err != nil {
				t.Fatal(err)
			}
			if o, _ := db.Orders().GetOrder(ctx, "acme", byContract[old.ID].ID); o.Status != orderhub.OrderCancelled {
				t.Errorf("after cancellation: %s", o.Status)
			}
		})
	}
}
