package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"orderhub"
	"orderhub/sqlstore"
)

// demoCredentials is what `orderhub demo --print-credentials FILE` writes.
type demoCredentials struct {
	BaseURL      string   `json:"base_url"`
	VendorID     string   `json:"vendor_id"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scope        string   `json:"scope"`
	PromoCodes   []string `json:"promo_codes"`
	AdminToken   string   `json:"admin_token"`
	Database     string   `json:"database"`
	// temporary: the database is the demo's own, removed when it stops.
	temporary bool
	// Extra holds credentials that other surfaces add to the demo.
	Extra map[string]any `json:"extra,omitempty"`
}

// demoSeeders add demo data of other surfaces (catalog, connectors…) after the
// vendor, client and promo codes exist; each may add to creds.Extra.
var demoSeeders = []func(ctx context.Context, db *sqlstore.DB, creds *demoCredentials) error{
	seedDemoCatalog, seedDemoConsole, seedDemoZapier, seedDemoSalesmanago, seedDemoYespo,
}

// The seed's three offers (seed 001, "Promo Codes").
var demoPromos = []orderhub.PromoCode{
	{Code: "DIGITAL12", ProductName: "Digital subscription, 12 months", Price: "99.00", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: orderhub.DeliveryDigital},
	{Code: "DIGITAL6", ProductName: "Digital subscription, 6 months", Price: "119.00", Currency: "SEK", BillingPeriod: "month", BindingMonths: 6, Delivery: orderhub.DeliveryDigital},
	{Code: "BUNDLE", ProductName: "Print + digital bundle", Price: "149.00", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: orderhub.DeliveryBundle},
}

func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	cfg := serveConfig{}
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "listen address")
	dbPath := fs.String("db", "", "database (default: a fresh SQLite file in a new temp dir, removed when the demo stops)")
	credsFile := fs.String("print-credentials", "", "also write the demo credentials as JSON to this file")
	fs.StringVar(&cfg.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	fs.BoolVar(&cfg.accessLog, "access-log", false, "log every request")
	cfg.delivery = deliveryFlags(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return ignoreHelp(err)
	}
	cfg.dsn = *dbPath
	cfg.getenv = getenv
	if cfg.dsn == "" {
		dir, err := os.MkdirTemp("", "orderhub-demo-")
		if err != nil {
			return err
		}
		// serve has closed the database when this runs.
		defer os.RemoveAll(dir)
		cfg.dsn = "sqlite:" + filepath.Join(dir, "orderhub.db")
	}
	var creds *demoCredentials
	cfg.seed = func(ctx context.Context, db *sqlstore.DB, baseURL string) error {
		var err error
		creds, err = seedDemo(ctx, db, baseURL)
		if err != nil {
			return err
		}
		creds.Database = cfg.dsn
		creds.temporary = *dbPath == ""
		if *credsFile != "" {
			b, _ := json.MarshalIndent(creds, "", "  ")
			if err := os.WriteFile(*credsFile, append(b, '\n'), 0o600); err != nil {
				return err
			}
		}
		return nil
	}
	cfg.ready = func(addr string) { printDemo(stdout, creds) }
	return serve(ctx, cfg, stderr)
}

func seedDemo(ctx context.Context, db *sqlstore.DB, baseURL string) (*demoCredentials, error) {
	v := &orderhub.Vendor{ID: "demo-vendor", Name: "Demo Publishing AB"}
	if err := db.Tenants().CreateVendor(ctx, v); err != nil {
		return nil, fmt.Errorf("the demo wants a fresh database (%w); omit --db or point it at a new file", err)
	}
	c := &orderhub.Client{VendorID: v.ID, Name: "demo telesales", Scopes: append([]string(nil), orderhub.KnownScopes...)}
	secret, err := db.Tenants().CreateClient(ctx, c)
	if err != nil {
		return nil, err
	}
	creds := &demoCredentials{BaseURL: baseURL, VendorID: v.ID, ClientID: c.ID, ClientSecret: secret, Scope: orderhub.ScopeVendorOrders, Extra: map[string]any{}}
	for _, p := range demoPromos {
		p.VendorID = v.ID
		if err := db.Tenants().CreatePromoCode(ctx, &p); err != nil {
			return nil, err
		}
		creds.PromoCodes = append(creds.PromoCodes, p.Code)
	}
	_, tok, err := db.Tenants().CreateAdminToken(ctx, "demo")
	if err != nil {
		return nil, err
	}
	creds.AdminToken = tok
	for _, seed := range demoSeeders {
		if err := seed(ctx, db, creds); err != nil {
			return nil, err
		}
	}
	return creds, nil
}

func printDemo(w io.Writer, c *demoCredentials) {
	fmt.Fprintf(w, `orderhub demo is running at %[1]s  (Ctrl-C to stop)
database:      %[8]s%[10]s

vendor id:     %[2]s
client id:     %[3]s
client secret: %[4]s
admin token:   %[6]s
promo codes:   %[5]s
%[9]s
Try it — the seed's "Complete Example", against this demo:

ACCESS_TOKEN=$(curl -s -X POST %[1]s/oauth/token \
  -H "Content-Type: application/x-www-form-urlencoded" \
  -d "grant_type=client_credentials" \
  -d "client_id=%[3]s" \
  -d "client_secret=%[4]s" \
  -d "scope=%[7]s" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

curl -s -X POST "%[1]s/payments/vendor/%[2]s/promos/code/DIGITAL12?confirm=true" \
  -H "Authorization: Bearer $ACCESS_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{
    "externalOrderId": "ORDER-2025-001234",
    "quantity": 1,
    "paymentMethod": "INVOICE",
    "paymentProvider": "BILLOGRAM",
    "startDate": "2025-01-08",
    "userData": {
      "email": "customer@example.com",
      "fullName": "John Doe",
      "phone": "+46701234567",
      "address": {
        "firstName": "John",
        "lastName": "Doe",
        "street": "Example Street 123",
        "zip": "12345",
        "city": "Stockholm",
        "country": "SE"
      }
    },
    "vendorData": {
      "promoCode": "DIGITAL12",
      "seller": "tm-team"
    }
  }'

# check before retrying:
curl -s "%[1]s/payments/vendor/%[2]s/contracts?externalOrderId=ORDER-2025-001234" -H "Authorization: Bearer $ACCESS_TOKEN"
`, c.BaseURL, c.VendorID, c.ClientID, c.ClientSecret, strings.Join(c.PromoCodes, ", "), c.AdminToken, c.Scope, c.Database, extras(c.Extra), tempNote(c.temporary))
}

func tempNote(temporary bool) string {
	if temporary {
		return "  (removed when the demo stops; --db sqlite:FILE keeps one)"
	}
	return ""
}

// extras formats the credentials other surfaces added, in a stable order.
func extras(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %v\n", k, m[k])
	}
	return b.String()
}
