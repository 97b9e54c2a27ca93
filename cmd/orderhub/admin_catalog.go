package main

import (
	"context"
	"flag"
	"fmt"

	"orderhub"
	"orderhub/httpapi"
	"orderhub/manage"
	"orderhub/sqlstore"
)

// Admin commands of the catalog, external sources and purchases (seed 000), and the
// demo's catalog.

// requireFlag answers a usage error naming a missing flag.
func requireFlag(name, value string) error {
	if value == "" {
		return orderhub.Errorf(orderhub.EInvalidRequest, "--%s is required", name)
	}
	return nil
}

func deleted(e *adminEnv, what string, id string) error {
	return e.print(map[string]string{"deleted": what, "id": id}, nil, [][]string{{"deleted " + what + " " + id}})
}

// adminCatalogCommands registers its admin commands (called once, from adminCommands).
func adminCatalogCommands() {
	registerAdmin("products", "create", "create a product (--vendor, --id, --name)", func(fs *flag.FlagSet) func(*adminEnv) error {
		p := &orderhub.Product{}
		fs.StringVar(&p.VendorID, "vendor", "", "vendor id (required)")
		fs.StringVar(&p.ID, "id", "", "product id (generated when empty)")
		fs.StringVar(&p.Name, "name", "", "product name (required)")
		return func(e *adminEnv) error {
			return createForVendor(e, p.VendorID, p, e.manage().Catalog().CreateProduct, productHeader, productRow)
		}
	})
	registerAdmin("products", "list", "list products (--vendor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "only this vendor's products")
		return func(e *adminEnv) error {
			ps, err := e.db.Catalog().ListProducts(e.ctx, *vendor)
			return printListed(e, ps, err, productHeader, productRow)
		}
	})
	registerRename("products", "rename a product (--vendor, --id, --name)", "product id (required)", "the new name (required)", productHeader, productRow, func(e *adminEnv) func(ctx context.Context, vendorID, id string, name *string) (*orderhub.Product, error) {
		return e.manage().Catalog().UpdateProduct
	})
	registerVendorDelete("products", "delete a product with its purchase options and mappings (--vendor, --id)", "vendor id (required)", "product id (required)", "product", func(e *adminEnv) func(ctx context.Context, vendorID, id string) error {
		return e.manage().Catalog().DeleteProduct
	})

	registerAdmin("purchase-options", "create", "create a purchase option (--vendor, --product, --id, --name, --price, --currency, --billing-period)", func(fs *flag.FlagSet) func(*adminEnv) error {
		o := &orderhub.PurchaseOption{}
		fs.StringVar(&o.VendorID, "vendor", "", "vendor id (required)")
		fs.StringVar(&o.ProductID, "product", "", "product id (required)")
		fs.StringVar(&o.ID, "id", "", "purchase option id (generated when empty)")
		fs.StringVar(&o.Name, "name", "", "name (required)")
		fs.StringVar(&o.Price, "price", "", "price per billing period, e.g. 99.00 (optional)")
		fs.StringVar(&o.Currency, "currency", "", "ISO 4217 currency (with --price)")
		fs.StringVar(&o.BillingPeriod, "billing-period", "", "billing period (optional)")
		return func(e *adminEnv) error {
			return createForVendor(e, o.VendorID, o, e.manage().Catalog().CreatePurchaseOption, optionHeader, optionRow)
		}
	})
	registerAdmin("purchase-options", "list", "list purchase options (--vendor, --product)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "only this vendor's purchase options")
		product := fs.String("product", "", "only this product's purchase options")
		return func(e *adminEnv) error {
			opts, err := e.db.Catalog().ListPurchaseOptions(e.ctx, *vendor, *product)
			return printListed(e, opts, err, optionHeader, optionRow)
		}
	})
	registerAdmin("purchase-options", "update", "change a purchase option (--vendor, --id; any of --name, --price ('' for none), --currency, --billing-period)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		id := fs.String("id", "", "purchase option id (required)")
		fs.String("name", "", "name")
		fs.String("price", "", "price per billing period, e.g. 99.00 ('' for none)")
		fs.String("currency", "", "ISO 4217 currency")
		fs.String("billing-period", "", "billing period ('' for none)")
		return func(e *adminEnv) error {
			if err := requireFlag("vendor", *vendor); err != nil {
				return err
			}
			var in manage.OptionUpdate
			setGiven(fs, map[string]any{"name": &in.Name, "price": &in.Price, "currency": &in.Currency, "billing-period": &in.BillingPeriod})
			o, err := e.manage().Catalog().UpdatePurchaseOption(e.ctx, *vendor, *id, in)
			return printOne(e, o, err, optionHeader, optionRow)
		}
	})
	registerVendorDelete("purchase-options", "delete a purchase option no mapping uses (--vendor, --id)", "vendor id (required)", "purchase option id (required)", "purchase option", func(e *adminEnv) func(ctx context.Context, vendorID, id string) error {
		return e.manage().Catalog().DeletePurchaseOption
	})

	registerAdmin("mappings", "create", "map a publisher's sku + poId to a product (--vendor, --sku, --po-id, --product, --option)", func(fs *flag.FlagSet) func(*adminEnv) error {
		m := &orderhub.ProductMapping{}
		fs.StringVar(&m.VendorID, "vendor", "", "vendor id (required)")
		fs.StringVar(&m.SKU, "sku", "", "the publisher's SKU (required)")
		fs.StringVar(&m.POID, "po-id", "", "the publisher's purchase option id, poId (required)")
		fs.StringVar(&m.ProductID, "product", "", "product id (required)")
		fs.StringVar(&m.PurchaseOptionID, "option", "", "purchase option id of the product (optional)")
		return func(e *adminEnv) error {
			return createForVendor(e, m.VendorID, m, e.manage().Catalog().CreateProductMapping, mappingHeader, mappingRow)
		}
	})
	registerAdmin("mappings", "update", "point a sku + poId at another product or option (--vendor, --sku, --po-id, --product, --option; --option '' for none)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		sku := fs.String("sku", "", "the publisher's SKU (required)")
		poID := fs.String("po-id", "", "the publisher's poId (required)")
		fs.String("product", "", "product id (unchanged when not given)")
		fs.String("option", "", "purchase option id of the product (unchanged when not given; '' for none)")
		return func(e *adminEnv) error {
			if err := requireFlag("vendor", *vendor); err != nil {
				return err
			}
			var in manage.MappingUpdate
			setGiven(fs, map[string]any{"product": &in.ProductID, "option": &in.PurchaseOptionID})
			m, err := e.manage().Catalog().UpdateProductMapping(e.ctx, *vendor, *sku, *poID, in)
			return printOne(e, m, err, mappingHeader, mappingRow)
		}
	})
	registerAdmin("mappings", "list", "list product mappings (--vendor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "only this vendor's mappings")
		return func(e *adminEnv) error {
			ms, err := e.db.Catalog().ListProductMappings(e.ctx, *vendor)
			return printListed(e, ms, err, mappingHeader, mappingRow)
		}
	})
	registerAdmin("mappings", "delete", "delete a product mapping (--vendor, --sku, --po-id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		sku := fs.String("sku", "", "SKU (required)")
		poID := fs.String("po-id", "", "poId (required)")
		return func(e *adminEnv) error {
			if err := e.manage().Catalog().DeleteProductMapping(e.ctx, *vendor, *sku, *poID); err != nil {
				return err
			}
			return deleted(e, "mapping", *sku+"/"+*poID)
		}
	})

	registerAdmin("sources", "create", "create an external source (--vendor, --id, --name, --type HOOK); prints its secret once", func(fs *flag.FlagSet) func(*adminEnv) error {
		s := &orderhub.Source{}
		fs.StringVar(&s.VendorID, "vendor", "", "vendor id (required)")
		fs.StringVar(&s.ID, "id", "", "source id (generated when empty)")
		fs.StringVar(&s.Name, "name", "", "name shown in Zapier's dropdown (required)")
		fs.StringVar(&s.Type, "type", orderhub.SourceTypeHook, "source type")
		return func(e *adminEnv) error {
			if err := requireFlag("vendor", s.VendorID); err != nil {
				return err
			}
			secret, err := e.manage().Catalog().CreateSource(e.ctx, s)
			return printSourceSecret(e, s, secret, err)
		}
	})
	registerAdmin("sources", "list", "list external sources (--vendor, --type)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "only this vendor's sources")
		typ := fs.String("type", "", "only sources of this type")
		return func(e *adminEnv) error {
			ss, err := e.db.Catalog().ListSources(e.ctx, *vendor, *typ)
			return printListed(e, ss, err, sourceHeader, sourceRow)
		}
	})
	registerRename("sources", "rename an external source (--vendor, --id, --name)", "source id (required)", "the new name, shown in Zapier's dropdown (required)", sourceHeader, sourceRow, func(e *adminEnv) func(ctx context.Context, vendorID, id string, name *string) (*orderhub.Source, error) {
		return e.manage().Catalog().UpdateSource
	})
	registerAdmin("sources", "rotate-secret", "give a source a new secret, printed once; the old one stops working at once (--vendor, --id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		id := fs.String("id", "", "source id (required)")
		return func(e *adminEnv) error {
			if err := requireFlags([2]string{"vendor", *vendor}, [2]string{"id", *id}); err != nil {
				return err
			}
			s, secret, err := e.manage().Catalog().RotateSourceSecret(e.ctx, *vendor, *id)
			return printSourceSecret(e, s, secret, err)
		}
	})
	registerVendorDelete("sources", "delete an external source; its secret stops working (--id, --vendor)", "vendor id (optional check)", "source id (required)", "source", func(e *adminEnv) func(ctx context.Context, vendorID, id string) error {
		return e.manage().Catalog().DeleteSource
	})

	registerAdmin("purchases", "list", "list external purchases, newest first (--vendor, --source, --limit, --cursor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		f := orderhub.PurchaseFilter{}
		p := orderhub.Page{}
		fs.StringVar(&f.VendorID, "vendor", "", "vendor id (required)")
		fs.StringVar(&f.SourceID, "source", "", "only this source's purchases")
		fs.IntVar(&p.Limit, "limit", 100, "rows per page (≤ 1000)")
		fs.StringVar(&p.Cursor, "cursor", "", "the next page: the cursor printed after the previous page")
		return func(e *adminEnv) error {
			if err := requireFlag("vendor", f.VendorID); err != nil {
				return err
			}
			if p.Limit <= 0 || p.Limit > 1000 {
				p.Limit = 100 // as before the cursor
			}
			pg, err := e.db.Orders().ListPurchasePage(e.ctx, f, p)
			if err != nil {
				return httpapi.PageError(err)
			}
			return printPage(e, pg, []string{"ID", "SOURCE", "PUBLISHER ID", "PRODUCT", "CUSTOMER", "CONTRACT", "CREATED"}, func(p *orderhub.PurchaseResult) []string {
				return []string{p.PurchaseID, p.SourceID, p.PublisherPurchaseID, p.ProductID, p.CustomerID, p.ContractID, fmtTime(p.CreatedAt)}
			})
		}
	})

}

// printSourceSecret prints a source with its secret, shown this once, or answers
// err when the call failed.
func printSourceSecret(e *adminEnv, s *orderhub.Source, secret string, err error) error {
	if err != nil {
		return err
	}
	out := struct {
		*orderhub.Source
		Secret string `json:"secret"`
	}{s, secret}
	return e.print(out, []string{"ID", "VENDOR", "TYPE", "NAME", "SECRET (shown once)"}, [][]string{{s.ID, s.VendorID, s.Type, s.Name, secret}})
}

var (
	productHeader = []string{"VENDOR", "ID", "NAME", "CREATED"}
	optionHeader  = []string{"VENDOR", "ID", "PRODUCT", "NAME", "PRICE", "PERIOD"}
	mappingHeader = []string{"VENDOR", "SKU", "PO ID", "PRODUCT", "OPTION"}
	sourceHeader  = []string{"ID", "VENDOR", "TYPE", "NAME", "CREATED"}
)

func sourceRow(s *orderhub.Source) []string {
	return []string{s.ID, s.VendorID, s.Type, s.Name, fmtTime(s.CreatedAt)}
}

func productRow(p *orderhub.Product) []string {
	return []string{p.VendorID, p.ID, p.Name, fmtTime(p.CreatedAt)}
}

func optionRow(o *orderhub.PurchaseOption) []string {
	price := "-"
	if o.Price != "" {
		price = o.Price + " " + o.Currency
	}
	return []string{o.VendorID, o.ID, o.ProductID, o.Name, price, o.BillingPeriod}
}

func mappingRow(m *orderhub.ProductMapping) []string {
	return []string{m.VendorID, m.SKU, m.POID, m.ProductID, m.PurchaseOptionID}
}

// The demo's catalog reuses the ids of seed 000's sample payload, so that the
// sample works against the demo with only vendorId changed.
const (
	demoProductID = "product-1234"
	demoSourceID  = "sesamy-source-id-1234"
)

// seedDemoCatalog adds a product with two purchase options, a mapping of the
// seed's sku + poId and a HOOK source, and puts the source's secret and a ready
// hook call into the demo credentials.
func seedDemoCatalog(ctx context.Context, db *sqlstore.DB, creds *demoCredentials) error {
	vendor := creds.VendorID
	if err := db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: vendor, ID: demoProductID, Name: "Digital subscription"}); err != nil {
		return err
	}
	for _, o := range []orderhub.PurchaseOption{
		{ID: "monthly", Name: "Monthly", Price: "99.00", Currency: "SEK", BillingPeriod: "month"},
		{ID: "yearly", Name: "Yearly", Price: "990.00", Currency: "SEK", BillingPeriod: "year"},
	} {
		o.VendorID, o.ProductID = vendor, demoProductID
		if err := db.Catalog().CreatePurchaseOption(ctx, &o); err != nil {
			return err
		}
	}
	if err := db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: vendor, SKU: "1234", POID: "1234", ProductID: demoProductID, PurchaseOptionID: "monthly"}); err != nil {
		return err
	}
	secret, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: vendor, ID: demoSourceID, Name: "Demo shop (Zapier)"})
	if err != nil {
		return err
	}
	creds.Extra["hook_source_id"] = demoSourceID
	creds.Extra["hook_source_secret"] = secret
	creds.Extra["purchase_hook_example"] = fmt.Sprintf(`
curl -s -X POST %s/hooks/purchases -H "Authorization: Bearer %s" -H "Content-Type: application/json" \
  -d '{"source":"%s","vendorId":"%s","publisherPurchaseId":"purchase-id-1234","sku":"1234","poId":"1234",
       "startsAt":"2022-11-08T12:49:11.190Z","endsAt":"2022-12-08T12:49:11.190Z","firstName":"John","lastName":"James",
       "email":"zapier@sesamy.com","publisherUserId":"user-id-1234","notes":"Note..","productId":"%s",
       "deliveryAddressStreet":"Sveavägen 59","deliveryAddressCity":"Stockholm","deliveryAddressZip":"113 59","deliveryAddressCountry":"SE"}'`,
		creds.BaseURL, secret, demoSourceID, vendor, demoProductID)
	return nil
}
