package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// BenchmarkAdmin measures the admin listings and the dashboard over a SQLite store
// holding 100,000 orders of 20,000 customers (every one in the dashboard's window),
// each order with its customer and order events delivered to one endpoint.
//
//	go test -run '^$' -bench Admin -benchtime 200x ./sqlstore/
func BenchmarkAdmin(b *testing.B) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "b.db"), sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); err != nil {
		b.Fatal(err)
	}
	const orders, customers = 100_000, 20_000
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i := range orders {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, _, err := hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: fmt.Sprintf("E-%d", i), Source: "bench",
				Status: orderhub.OrderInitialized, Customer: orderhub.Customer{Email: fmt.Sprintf("c%d@example.com", i%customers)}, Total: 100}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	page, err := db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{VendorID: "acme"}, orderhub.Page{Limit: 50})
	if err != nil {
		b.Fatal(err)
	}
	deep := page
	for range 100 { // the 101st page
		if deep, err = db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{VendorID: "acme"}, orderhub.Page{Limit: 50, Cursor: deep.NextCursor}); err != nil {
			b.Fatal(err)
		}
	}
	cust, err := db.Admin().AdminListCustomers(ctx, orderhub.AdminFilter{Email: "c77@example.com"}, orderhub.Page{})
	if err != nil || len(cust.Data) != 1 {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    func() error
	}{
		{"orders-first-page", func() error {
			_, err := db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{VendorID: "acme"}, orderhub.Page{Limit: 50})
			return err
		}},
		{"orders-page-101", func() error {
			_, err := db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{VendorID: "acme"}, orderhub.Page{Limit: 50, Cursor: deep.NextCursor})
			return err
		}},
		{"orders-by-email", func() error {
			_, err := db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{Email: "c77@example.com"}, orderhub.Page{Limit: 50})
			return err
		}},
		{"events-of-vendor", func() error {
			_, err := db.Admin().AdminListEvents(ctx, orderhub.AdminFilter{VendorID: "acme"}, orderhub.Page{Limit: 50})
			return err
		}},
		{"customer-timeline", func() error {
			_, err := db.Admin().CustomerTimeline(ctx, cust.Data[0].ID, 200)
			return err
		}},
		{"dashboard-15min", func() error {
			_, err := db.Admin().DashboardStats(ctx, 15)
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
