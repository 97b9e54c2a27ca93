package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/internal/seedexample"
	"orderhub/sqlstore"
)

// catalogFixture creates the vendor, source, product, options and mapping that the
// seed's sample purchase names, plus a second vendor with its own source.
func catalogFixture(t *testing.T, db *sqlstore.DB) (sourceSecret string) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"vendor-id-1234", "other-vendor"} {
		must(db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v, Name: v}))
	}
	must(db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "vendor-id-1234", ID: "product-1234", Name: "Daily News"}))
	must(db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "vendor-id-1234", ID: "product-2", Name: "Weekend"}))
	must(db.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: "vendor-id-1234", ID: "monthly", ProductID: "product-1234", Name: "Monthly", Price: "99", Currency: "sek", BillingPeriod: "month"}))
	must(db.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: "vendor-id-1234", ID: "yearly", ProductID: "product-1234", Name: "Yearly"}))
	must(db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "vendor-id-1234", SKU: "1234", POID: "1234", ProductID: "product-1234", PurchaseOptionID: "monthly"}))
	must(db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "vendor-id-1234", SKU: "W", POID: "1", ProductID: "product-2"}))
	secret, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "vendor-id-1234", ID: "sesamy-source-id-1234", Name: "Shop"})
	must(err)
	_, err = db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "other-vendor", ID: "other-source", Name: "Other shop"})
	must(err)
	must(db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "other-vendor", ID: "product-1234", Name: "Other's product"}))
	return secret
}

func parsePurchase(t *testing.T, changes map[string]any) *orderhub.Purchase {
	t.Helper()
	p, err := orderhub.ParsePurchase(seedexample.PurchaseWith(changes), time.Date(2022, 11, 8, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func eventTypes(t *testing.T, db *sqlstore.DB, vendorID string) []string {
	t.Helper()
	evs, err := db.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: vendorID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func TestRecordPurchaseSample(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		catalogFixture(t, db)
		ctx := context.Background()

		res, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, nil))
		if err != nil {
			t.Fatal(err)
		}
		if res.Replayed || res.ProductID != "product-1234" || res.PurchaseOptionID != "monthly" || res.StartsAt != "2022-11-08T12:49:11.19Z" || res.EndsAt != "2022-12-08T12:49:11.19Z" {
			t.Fatalf("result %+v", res)
		}
		c, err := db.Orders().GetContract(ctx, "vendor-id-1234", res.ContractID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Origin != orderhub.OriginExternalPurchase || c.SourceID != "sesamy-source-id-1234" || c.Status != orderhub.ContractConfirmed || c.ConfirmedAt == nil ||
			c.ProductName != "Daily News (Monthly)" || c.StartDate != "2022-11-08" || c.EndsAt != "2022-12-08T12:49:11.19Z" ||
			c.UserID != res.CustomerID || c.PayerID != res.CustomerID || c.UserEmail != "zapier@sesamy.com" || c.Quantity != 1 {
			t.Fatalf("contract %+v", c)
		}
		var vd map[string]string
		if err := json.Unmarshal(c.VendorData, &vd); err != nil || vd["publisherPurchaseId"] != "purchase-id-1234" || vd["notes"] != "Note.." || vd["purchaseId"] != res.PurchaseID || vd["sku"] != "1234" {
			t.Fatalf("vendorData %s %v", c.VendorData, err)
		}
		cu, err := db.Orders().GetCustomer(ctx, "vendor-id-1234", res.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		addr := orderhub.Address{FirstName: "John", LastName: "James", Street: "Sveavägen 59", City: "Stockholm", Zip: "113 59", Country: "SE"}
		if cu.Email != "zapier@sesamy.com" || cu.PublisherUserID != "user-id-1234" || cu.FirstName != "John" || cu.LastName != "James" || cu.FullName != "John James" ||
			cu.Address == nil || *cu.Address != addr || cu.BillingAddress == nil || *cu.BillingAddress != addr {
			t.Fatalf("customer %+v", cu)
		}
		if got := strings.Join(eventTypes(t, db, "vendor-id-1234"), ","); got != "customer-created,contract-created,contract-confirmed,order-created" {
			t.Fatalf("events %s", got)
		}
		stored, err := db.Orders().GetPurchase(ctx, "vendor-id-1234", res.PurchaseID)
		if err != nil || *stored != *res {
			t.Fatalf("stored %+v (%v), answered %+v", stored, err, res)
		}

		// Replay: the same answer, nothing written.
		again, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"email": "ZAPIER@sesamy.com"}))
		if err != nil || !again.Replayed || again.PurchaseID != res.PurchaseID || again.ContractID != res.ContractID || again.CustomerID != res.CustomerID {
			t.Fatalf("replay %+v %v", again, err)
		}
		if n := len(eventTypes(t, db, "vendor-id-1234")); n != 4 {
			t.Fatalf("replay wrote events: %d", n)
		}
		// Different content under the same publisherPurchaseId: conflict.
		_, err = hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"notes": "changed"}))
		if orderhub.ErrorCode(err) != orderhub.EConflict || !strings.Contains(err.Error(), "purchase-id-1234") {
			t.Fatalf("conflict: %v", err)
		}
		// The same publisherPurchaseId from another source is another purchase.
		if _, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "vendor-id-1234", ID: "second", Name: "Second"}); err != nil {
			t.Fatal(err)
		}
		other, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"source": "second"}))
		if err != nil || other.PurchaseID == res.PurchaseID || other.CustomerID != res.CustomerID {
			t.Fatalf("second source %+v %v", other, err)
		}
		list, err := db.Orders().ListPurchases(ctx, orderhub.PurchaseFilter{VendorID: "vendor-id-1234"})
		if err != nil || len(list) != 2 {
			t.Fatalf("purchases %d %v", len(list), err)
		}
	})
}

func TestRecordPurchaseWithoutPublisherPurchaseIDIsNotDeduplicated(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		catalogFixture(t, db)
		ctx := context.Background()
		p := parsePurchase(t, map[string]any{"publisherPurchaseId": nil})
		a, err := hub.NewOrders(db).RecordPurchase(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := hub.NewOrders(db).RecordPurchase(ctx, p)
		if err != nil || b.PurchaseID == a.PurchaseID || b.Replayed || b.CustomerID != a.CustomerID {
			t.Fatalf("%+v %+v %v", a, b, err)
		}
	})
}

func TestRecordPurchaseProductResolution(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		catalogFixture(t, db)
		ctx := context.Background()
		for _, tc := range []struct {
			name        string
			changes     map[string]any
			code, field string
			product     string
		}{
			{"sku and poId only", map[string]any{"productId": nil, "sku": "W", "poId": "1"}, "", "", "product-2"},
			{"productId only", map[string]any{"sku": nil, "poId": nil, "productId": "product-2"}, "", "", "product-2"},
			{"both agree", nil, "", "", "product-1234"},
			{"productId with an unmapped pair", map[string]any{"sku": "nope", "poId": "nope"}, "", "", "product-1234"},
			{"mismatch", map[string]any{"productId": "product-2"}, orderhub.EProductMismatch, "productId", ""},
			{"unmapped pair", map[string]any{"productId": nil, "sku": "nope", "poId": "1"}, orderhub.EProductNotFound, "sku", ""},
			{"unknown productId", map[string]any{"productId": "ghost", "sku": nil, "poId": nil}, orderhub.EProductNotFound, "productId", ""},
			{"unknown productId with unmapped pair", map[string]any{"productId": "ghost", "sku": "x", "poId": "y"}, orderhub.EProductNotFound, "productId", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				changes := map[string]any{"publisherPurchaseId": "pp-" + tc.name}
				for k, v := range tc.changes {
					changes[k] = v
				}
				before := len(eventTypes(t, db, "vendor-id-1234"))
				res, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, changes))
				if tc.code != "" {
					var e *orderhub.Error
					if err == nil || !asError(err, &e) || e.Code != tc.code || e.Field != tc.field {
						t.Fatalf("got %+v %v, want %s on %s", res, err, tc.code, tc.field)
					}
					if after := len(eventTypes(t, db, "vendor-id-1234")); after != before {
						t.Fatalf("a refused purchase wrote %d events", after-before)
					}
					return
				}
				if err != nil || res.ProductID != tc.product {
					t.Fatalf("%+v %v, want product %s", res, err, tc.product)
				}
			})
		}
	})
}

func asError(err error, e **orderhub.Error) bool {
	x, ok := err.(*orderhub.Error)
	*e = x
	return ok
}

func TestRecordPurchaseSourceRules(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		catalogFixture(t, db)
		ctx := context.Background()
		for name, changes := range map[string]map[string]any{
			"unknown source":                 {"source": "ghost"},
			"source of another vendor":       {"source": "other-source"},
			"vendor that has no such source": {"vendorId": "other-vendor"},
			"unknown vendor":                 {"vendorId": "ghost-vendor"},
		} {
			_, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, changes))
			if orderhub.ErrorCode(err) != orderhub.ESourceNotFound {
				t.Errorf("%s: %v", name, err)
			}
		}
		if err := db.Catalog().DeleteSource(ctx, "vendor-id-1234", "sesamy-source-id-1234"); err != nil {
			t.Fatal(err)
		}
		if _, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, nil)); orderhub.ErrorCode(err) != orderhub.ESourceNotFound {
			t.Errorf("deleted source: %v", err)
		}
		for _, v := range []string{"vendor-id-1234", "other-vendor"} {
			if evs := eventTypes(t, db, v); len(evs) != 0 {
				t.Fatalf("refused purchases wrote events for %s: %v", v, evs)
			}
		}
	})
}

func TestRecordPurchaseCustomerMatching(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		catalogFixture(t, db)
		ctx := context.Background()
		first, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"publisherPurchaseId": "a", "userId": nil}))
		if err != nil {
			t.Fatal(err)
		}
		// By userId (an orderhub customer id), with nothing else.
		byID, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"publisherPurchaseId": "b", "userId": first.CustomerID, "email": nil, "publisherUserId": nil}))
		if err != nil || byID.CustomerID != first.CustomerID {
			t.Fatalf("by userId: %+v %v", byID, err)
		}
		// By publisherUserId, with a new e-mail: the customer takes it.
		byPub, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"publisherPurchaseId": "c", "userId": nil, "email": "new@example.com"}))
		if err != nil || byPub.CustomerID != first.CustomerID {
			t.Fatalf("by publisherUserId: %+v %v", byPub, err)
		}
		if c, _ := db.Orders().GetCustomer(ctx, "vendor-id-1234", first.CustomerID); c.Email != "new@example.com" {
			t.Fatalf("email not updated: %+v", c)
		}
		// userId takes precedence over email.
		if _, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"publisherPurchaseId": "d", "userId": nil, "publisherUserId": "p2", "email": "second@example.com"})); err != nil {
			t.Fatal(err)
		}
		// Unknown userId alone: nothing to create the customer from.
		_, err = hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"publisherPurchaseId": "e", "userId": "ghost", "email": nil, "publisherUserId": nil}))
		if orderhub.ErrorCode(err) != orderhub.ECustomerNotFound {
			t.Fatalf("unknown userId: %v", err)
		}
		// Unknown userId with an e-mail: matched (or created) by e-mail.
		byEmail, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"publisherPurchaseId": "f", "userId": "ghost", "publisherUserId": nil, "email": "NEW@example.com"}))
		if err != nil || byEmail.CustomerID != first.CustomerID {
			t.Fatalf("by email: %+v %v", byEmail, err)
		}
		// Matched by userId, with the e-mail of another customer: conflict, nothing written.
		before := len(eventTypes(t, db, "vendor-id-1234"))
		_, err = hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"publisherPurchaseId": "g", "userId": first.CustomerID, "email": "second@example.com"}))
		if orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("email of another customer: %v", err)
		}
		if after := len(eventTypes(t, db, "vendor-id-1234")); after != before {
			t.Fatalf("conflict wrote events")
		}
		// A customer of another vendor is never matched.
		if _, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "other-vendor", ID: "os2", Name: "x"}); err != nil {
			t.Fatal(err)
		}
		cross, err := hub.NewOrders(db).RecordPurchase(ctx, parsePurchase(t, map[string]any{"vendorId": "other-vendor", "source": "os2", "sku": nil, "poId": nil, "userId": first.CustomerID}))
		if err != nil || cross.CustomerID == first.CustomerID {
			t.Fatalf("cross-vendor: %+v %v", cross, err)
		}
	})
}

func TestPurchaseAndVendorOrderShareCustomer(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		_, promo := seedVendor(t, db)
		ctx := context.Background()
		if err := db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "acme", ID: "p", Name: "P"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "acme", ID: "hook", Name: "Hook"}); err != nil {
			t.Fatal(err)
		}
		r, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-1", true), promo)
		if err != nil {
			t.Fatal(err)
		}
		p, err := orderhub.ParsePurchase([]byte(`{"source":"hook","vendorId":"acme","productId":"p","email":"a@EXAMPLE.com","firstName":"Anna"}`), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		res, err := hub.NewOrders(db).RecordPurchase(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		vc, _ := db.Orders().GetContract(ctx, "acme", r.ContractID)
		if vc.UserID != res.CustomerID {
			t.Fatalf("vendor order customer %s, purchase customer %s", vc.UserID, res.CustomerID)
		}
		if got := strings.Join(eventTypes(t, db, "acme"), ","); got != "customer-created,contract-created,order-created,contract-confirmed,customer-updated,contract-created,contract-confirmed,order-created" {
			t.Fatalf("events %s", got)
		}
	})
}

func TestCatalogAdmin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		catalogFixture(t, db)
		ctx := context.Background()
		code := func(err error) string {
			if err == nil {
				return ""
			}
			return orderhub.ErrorCode(err)
		}
		for name, tc := range map[string]struct {
			err  error
			want string
		}{
			"duplicate product":               {db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "vendor-id-1234", ID: "product-1234", Name: "x"}), orderhub.EConflict},
			"product of unknown vendor":       {db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "ghost", Name: "x"}), orderhub.ENotFound},
			"product without name":            {db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "vendor-id-1234", Name: " "}), orderhub.EInvalidRequest},
			"product with bad id":             {db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "vendor-id-1234", ID: "a/b", Name: "x"}), orderhub.EInvalidRequest},
			"option of unknown product":       {db.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: "vendor-id-1234", ProductID: "ghost", Name: "x"}), orderhub.EProductNotFound},
			"option with bad price":           {db.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: "vendor-id-1234", ProductID: "product-2", Name: "x", Price: "9,90", Currency: "SEK"}), orderhub.EInvalidRequest},
			"option price w/o currency":       {db.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: "vendor-id-1234", ProductID: "product-2", Name: "x", Price: "9"}), orderhub.EInvalidRequest},
			"option bad period":               {db.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: "vendor-id-1234", ProductID: "product-2", Name: "x", BillingPeriod: "fortnight"}), orderhub.EInvalidRequest},
			"duplicate mapping":               {db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "vendor-id-1234", SKU: "1234", POID: "1234", ProductID: "product-2"}), orderhub.EConflict},
			"mapping to unknown product":      {db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "vendor-id-1234", SKU: "n", POID: "n", ProductID: "ghost"}), orderhub.EProductNotFound},
			"mapping to other's product":      {db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "other-vendor", SKU: "n", POID: "n", ProductID: "product-2"}), orderhub.EProductNotFound},
			"mapping option of other product": {db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "vendor-id-1234", SKU: "n", POID: "n", ProductID: "product-2", PurchaseOptionID: "monthly"}), orderhub.EInvalidRequest},
			"mapping without sku":             {db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "vendor-id-1234", POID: "n", ProductID: "product-2"}), orderhub.EInvalidRequest},
			"source of unknown type": {func() error {
				_, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "vendor-id-1234", Type: "POLL", Name: "x"})
				return err
			}(), orderhub.EInvalidRequest},
			"duplicate source id": {func() error {
				_, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "other-vendor", ID: "sesamy-source-id-1234", Name: "x"})
				return err
			}(), orderhub.EConflict},
			"option used by a mapping": {db.Catalog().DeletePurchaseOption(ctx, "vendor-id-1234", "monthly"), orderhub.EConflict},
			"unknown mapping":          {db.Catalog().DeleteProductMapping(ctx, "vendor-id-1234", "1234", "nope"), orderhub.ENotFound},
			"other vendor's product":   {db.Catalog().DeleteProduct(ctx, "other-vendor", "product-2"), orderhub.ENotFound},
			"other vendor's source":    {db.Catalog().DeleteSource(ctx, "other-vendor", "sesamy-source-id-1234"), orderhub.ENotFound},
			"unused option":            {db.Catalog().DeletePurchaseOption(ctx, "vendor-id-1234", "yearly"), ""},
		} {
			if got := code(tc.err); got != tc.want {
				t.Errorf("%s: got %q (%v), want %q", name, got, tc.err, tc.want)
			}
		}
		opts, err := db.Catalog().ListPurchaseOptions(ctx, "vendor-id-1234", "product-1234")
		if err != nil || len(opts) != 1 || opts[0].Price != "99.00" || opts[0].Currency != "SEK" {
			t.Fatalf("options %+v %v", opts, err)
		}
		// Deleting a product deletes its options and mappings.
		if err := db.Catalog().DeleteProduct(ctx, "vendor-id-1234", "product-1234"); err != nil {
			t.Fatal(err)
		}
		maps, _ := db.Catalog().ListProductMappings(ctx, "vendor-id-1234")
		opts, _ = db.Catalog().ListPurchaseOptions(ctx, "vendor-id-1234", "")
		prods, _ := db.Catalog().ListProducts(ctx, "vendor-id-1234")
		if len(maps) != 1 || maps[0].SKU != "W" || len(opts) != 0 || len(prods) != 1 {
			t.Fatalf("after delete: mappings %+v options %+v products %+v", maps, opts, prods)
		}
	})
}

func TestSourceSecrets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		secret := catalogFixture(t, db)
		ctx := context.Background()
		if !strings.HasPrefix(secret, orderhub.SourceSecretPrefix) || len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		s, err := db.Catalog().SourceBySecret(ctx, secret)
		if err != nil || s.ID != "sesamy-source-id-1234" || s.VendorID != "vendor-id-1234" || s.Type != orderhub.SourceTypeHook {
			t.Fatalf("%+v %v", s, err)
		}
		if _, err := db.Catalog().SourceBySecret(ctx, secret+"x"); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("wrong secret: %v", err)
		}
		list, err := db.Catalog().ListSources(ctx, "vendor-id-1234", orderhub.SourceTypeHook)
		if err != nil || len(list) != 1 {
			t.Fatalf("%+v %v", list, err)
		}
		if err := db.Catalog().DeleteSource(ctx, "", "sesamy-source-id-1234"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Catalog().SourceBySecret(ctx, secret); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("deleted source still authenticates: %v", err)
		}
		if _, err := db.Catalog().GetSource(ctx, "sesamy-source-id-1234"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("deleted source found: %v", err)
		}
		if list, _ := db.Catalog().ListSources(ctx, "vendor-id-1234", ""); len(list) != 0 {
			t.Fatalf("deleted source listed: %+v", list)
		}
		if err := db.Catalog().DeleteSource(ctx, "", "sesamy-source-id-1234"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("second delete: %v", err)
		}
	})
}

// Concurrent copies of one purchase (a retrying Zap) make one purchase, one
// contract and one set of events; every copy answers the same ids.
func TestRecordPurchaseConcurrentReplays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		catalogFixture(t, db)
		ctx := context.Background()
		const n = 30
		p := parsePurchase(t, nil)
		results := make([]*orderhub.PurchaseResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = hub.NewOrders(db).RecordPurchase(ctx, p)
			}()
		}
		wg.Wait()
		created := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("copy %d: %v", i, errs[i])
			}
			if results[i].PurchaseID != results[0].PurchaseID || results[i].ContractID != results[0].ContractID {
				t.Fatalf("copy %d answered %+v, copy 0 %+v", i, results[i], results[0])
			}
			if !results[i].Replayed {
				created++
			}
		}
		if created != 1 {
			t.Fatalf("%d copies claim to have created the purchase", created)
		}
		ps, _ := db.Orders().ListPurchases(ctx, orderhub.PurchaseFilter{VendorID: "vendor-id-1234"})
		if got := strings.Join(eventTypes(t, db, "vendor-id-1234"), ","); len(ps) != 1 || got != "customer-created,contract-created,contract-confirmed,order-created" {
			t.Fatalf("%d purchases, events %s", len(ps), got)
		}
	})
}
