package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/internal/seedexample"
)

// seedPurchase is seed 000's "Sample hook payload" as JSON (the seed writes it as a
// JavaScript object literal: single quotes, unquoted keys, a trailing comma).
const seedPurchase = seedexample.Purchase

const hookPath = "/hooks/purchases"

type purchaseAnswer struct {
	PurchaseID          string `json:"purchaseId"`
	ContractID          string `json:"contractId"`
	CustomerID          string `json:"customerId"`
	VendorID            string `json:"vendorId"`
	Source              string `json:"source"`
	PublisherPurchaseID string `json:"publisherPurchaseId"`
	ProductID           string `json:"productId"`
	PurchaseOptionID    string `json:"purchaseOptionId"`
	StartsAt            string `json:"startsAt"`
	EndsAt              string `json:"endsAt"`
}

// purchaseHub is a test hub with the seed's vendor ("vendor-id-1234"), its HOOK
// source, product, two purchase options and the seed's sku + poId mapping — all
// created through the admin API — plus acme's own source and catalog.
type purchaseHub struct {
	*testHub
	SeedSecret  string // secret of sesamy-source-id-1234
	AcmeSecret  string // secret of acme's source "acme-shop"
	OtherSecret string // secret of other's source "other-shop"
}

func newPurchaseHub(t *testing.T) *purchaseHub {
	t.Helper()
	h := &purchaseHub{testHub: newTestHub(t)}
	ctx := context.Background()
	if err := h.DB.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "vendor-id-1234", Name: "Seed Publishing"}); err != nil {
		t.Fatal(err)
	}
	h.SeedSecret = h.adminSource("vendor-id-1234", "sesamy-source-id-1234", "Sesamy Zap")
	h.admin("POST", "/admin/v1/vendors/vendor-id-1234/products", map[string]any{"id": "product-1234", "name": "Daily News"}).expect(201, "")
	h.admin("POST", "/admin/v1/vendors/vendor-id-1234/purchase-options", map[string]any{"id": "monthly", "productId": "product-1234", "name": "Monthly", "price": "99", "currency": "SEK", "billingPeriod": "month"}).expect(201, "")
	h.admin("POST", "/admin/v1/vendors/vendor-id-1234/purchase-options", map[string]any{"id": "yearly", "productId": "product-1234", "name": "Yearly", "price": "990", "currency": "SEK", "billingPeriod": "year"}).expect(201, "")
	h.admin("POST", "/admin/v1/vendors/vendor-id-1234/product-mappings", map[string]any{"sku": "1234", "poId": "1234", "productId": "product-1234", "purchaseOptionId": "monthly"}).expect(201, "")

	h.AcmeSecret = h.adminSource("acme", "acme-shop", "Acme shop")
	h.admin("POST", "/admin/v1/vendors/acme/products", map[string]any{"id": "daily", "name": "Daily"}).expect(201, "")
	h.admin("POST", "/admin/v1/vendors/acme/products", map[string]any{"id": "weekend", "name": "Weekend"}).expect(201, "")
	h.admin("POST", "/admin/v1/vendors/acme/product-mappings", map[string]any{"sku": "SKU-D", "poId": "PO-1", "productId": "daily"}).expect(201, "")
	h.admin("POST", "/admin/v1/vendors/acme/product-mappings", map[string]any{"sku": "SKU-W", "poId": "PO-1", "productId": "weekend"}).expect(201, "")

	h.OtherSecret = h.adminSource("other", "other-shop", "Other shop")
	h.admin("POST", "/admin/v1/vendors/other/products", map[string]any{"id": "daily", "name": "Other daily"}).expect(201, "")
	return h
}

func (h *purchaseHub) admin(method, path string, body any) *response {
	h.t.Helper()
	return h.jsonReq(method, path, h.Admin, body)
}

// adminSource creates a HOOK source through the admin API and returns its secret.
func (h *purchaseHub) adminSource(vendorID, id, name string) string {
	h.t.Helper()
	res := h.admin("POST", "/admin/v1/vendors/"+vendorID+"/sources", map[string]any{"id": id, "name": name}).expect(201, "")
	var out struct {
		ID, VendorID, Type, Secret string
	}
	res.JSON(&out)
	if out.ID != id || out.Type != "HOOK" || !strings.HasPrefix(out.Secret, "ohk_") {
		h.t.Fatalf("created source %s", res.Body)
	}
	return out.Secret
}

// hook posts a purchase with the given bearer credential.
func (h *purchaseHub) hook(cred string, body any) *response {
	h.t.Helper()
	return h.jsonReq("POST", hookPath, cred, body)
}

// acmePurchase is a valid purchase of acme through its source, changed by mod (nil
// values delete a field).
func acmePurchase(mod map[string]any) map[string]any {
	b := map[string]any{
		"source": "acme-shop", "vendorId": "acme", "publisherPurchaseId": "P-1",
		"sku": "SKU-D", "poId": "PO-1", "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00Z",
		"firstName": "Anna", "lastName": "Berg", "email": "anna@example.com", "publisherUserId": "U-1",
	}
	return modified(b, mod)
}

// seedWith returns the seed's sample payload changed by mod.
func seedWith(t testing.TB, mod map[string]any) map[string]any {
	var b map[string]any
	if err := json.Unmarshal([]byte(seedPurchase), &b); err != nil {
		t.Fatal(err)
	}
	return modified(b, mod)
}

// written counts what a vendor has in the store: events and purchases.
func (h *purchaseHub) written(vendorID string) (events, purchases int) {
	h.t.Helper()
	evs, err := h.DB.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: vendorID, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	ps, err := h.DB.Orders().ListPurchases(context.Background(), orderhub.PurchaseFilter{VendorID: vendorID, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	return len(evs), len(ps)
}

func TestPurchaseHookSeedSample(t *testing.T) {
	h := newPurchaseHub(t)
	ctx := context.Background()

	res := h.hook(h.SeedSecret, seedPurchase).expect(201, "")
	var a purchaseAnswer
	res.JSON(&a)
	if a.PurchaseID == "" || a.ContractID == "" || a.CustomerID == "" || a.VendorID != "vendor-id-1234" || a.Source != "sesamy-source-id-1234" ||
		a.PublisherPurchaseID != "purchase-id-1234" || a.ProductID != "product-1234" || a.PurchaseOptionID != "monthly" ||
		a.StartsAt != "2022-11-08T12:49:11.19Z" || a.EndsAt != "2022-12-08T12:49:11.19Z" {
		t.Fatalf("answer %s", res.Body)
	}

	c, err := h.DB.Orders().GetContract(ctx, "vendor-id-1234", a.ContractID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Origin != orderhub.OriginExternalPurchase || c.SourceID != "sesamy-source-id-1234" || c.Status != orderhub.ContractConfirmed ||
		c.UserID != a.CustomerID || c.ProductName != "Daily News (Monthly)" || c.StartDate != "2022-11-08" || c.EndsAt != "2022-12-08T12:49:11.19Z" {
		t.Fatalf("contract %+v", c)
	}
	var vd map[string]string
	if err := json.Unmarshal(c.VendorData, &vd); err != nil || vd["notes"] != "Note.." || vd["publisherPurchaseId"] != "purchase-id-1234" {
		t.Fatalf("vendorData %s", c.VendorData)
	}
	cu, err := h.DB.Orders().GetCustomer(ctx, "vendor-id-1234", a.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	addr := orderhub.Address{FirstName: "John", LastName: "James", Street: "Sveavägen 59", City: "Stockholm", Zip: "113 59", Country: "SE"}
	if cu.Email != "zapier@sesamy.com" || cu.FirstName != "John" || cu.LastName != "James" || cu.PublisherUserID != "user-id-1234" ||
		cu.Address == nil || *cu.Address != addr || cu.BillingAddress == nil || *cu.BillingAddress != addr {
		t.Fatalf("customer %+v", cu)
	}
	evs, _ := h.DB.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "vendor-id-1234"})
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
		if e.OrderingKey != a.CustomerID {
			t.Errorf("event %s keyed %s, want the customer", e.Type, e.OrderingKey)
		}
	}
	if strings.Join(types, ",") != "customer-created,contract-created,contract-confirmed,order-created" {
		t.Fatalf("events %v", types)
	}

	// Replay (also with the vendor's OAuth token): the original answer, nothing written.
	again := h.hook(h.SeedSecret, seedPurchase).expect(200, "")
	if string(again.Body) != string(res.Body) {
		t.Fatalf("replay answered %s, first %s", again.Body, res.Body)
	}
	c2 := &orderhub.Client{VendorID: "vendor-id-1234", Scopes: []string{orderhub.ScopeExternalPurchases}}
	secret, err := h.DB.Tenants().CreateClient(ctx, c2)
	if err != nil {
		t.Fatal(err)
	}
	tok := h.tokenFor(c2.ID, secret, orderhub.ScopeExternalPurchases)
	viaOAuth := h.hook(tok, seedPurchase).expect(200, "")
	if string(viaOAuth.Body) != string(res.Body) {
		t.Fatalf("OAuth replay answered %s", viaOAuth.Body)
	}
	// The same purchase written differently is still a replay.
	h.hook(h.SeedSecret, seedWith(t, map[string]any{"email": "Zapier@Sesamy.com", "startsAt": "2022-11-08T13:49:11.19+01:00", "sku": 1234})).expect(200, "")
	if ev, pu := h.written("vendor-id-1234"); ev != 4 || pu != 1 {
		t.Fatalf("replays wrote: %d events, %d purchases", ev, pu)
	}

	// Different content under the same publisherPurchaseId: 409, nothing written.
	for _, mod := range []map[string]any{{"notes": "Other note"}, {"endsAt": "2023-01-08T12:49:11.190Z"}, {"deliveryAddressStreet": "Kungsgatan 1"}} {
		conflict := h.hook(h.SeedSecret, seedWith(t, mod)).expect(409, orderhub.EConflict)
		if !contains(string(conflict.Body), "purchase-id-1234") {
			t.Fatalf("conflict message %s", conflict.Body)
		}
	}
	if ev, pu := h.written("vendor-id-1234"); ev != 4 || pu != 1 {
		t.Fatalf("conflicts wrote: %d events, %d purchases", ev, pu)
	}
	// A new publisherPurchaseId is a new purchase of the same customer.
	var b purchaseAnswer
	h.hook(h.SeedSecret, seedWith(t, map[string]any{"publisherPurchaseId": "purchase-id-5678"})).expect(201, "").JSON(&b)
	if b.PurchaseID == a.PurchaseID || b.ContractID == a.ContractID || b.CustomerID != a.CustomerID {
		t.Fatalf("second purchase %+v, first %+v", b, a)
	}
}

func TestPurchaseHookAuthentication(t *testing.T) {
	h := newPurchaseHub(t)
	ctx := context.Background()
	token := h.token(orderhub.ScopeExternalPurchases)

	// A second HOOK source of acme, to check that a secret is bound to its source.
	second := h.adminSource("acme", "acme-second", "Second shop")

	noScope := &orderhub.Client{VendorID: "acme", Scopes: []string{orderhub.ScopeVendorOrders}}
	noScopeSecret, err := h.DB.Tenants().CreateClient(ctx, noScope)
	if err != nil {
		t.Fatal(err)
	}
	noScopeToken := h.tokenFor(noScope.ID, noScopeSecret, orderhub.ScopeVendorOrders)
	otherToken := h.tokenFor(h.Other.ClientID, h.Other.Secret, orderhub.ScopeExternalPurchases)

	for _, tc := range []struct {
		name   string
		cred   string
		body   map[string]any
		status int
		code   string
	}{
		{"no credentials", "", acmePurchase(nil), 401, orderhub.EUnauthorized},
		{"unknown source secret", "ohk_0000", acmePurchase(nil), 401, orderhub.EUnauthorized},
		{"garbage token", "not-a-token", acmePurchase(nil), 401, orderhub.EUnauthorized},
		{"token without the scope", noScopeToken, acmePurchase(nil), 403, orderhub.EForbidden},
		{"secret of another source of the vendor", second, acmePurchase(nil), 403, orderhub.EForbidden},
		{"source secret, another vendor in the payload", h.AcmeSecret, acmePurchase(map[string]any{"vendorId": "other", "source": "other-shop"}), 403, orderhub.EForbidden},
		{"token, another vendor in the payload", token, acmePurchase(map[string]any{"vendorId": "other", "source": "other-shop"}), 403, orderhub.EForbidden},
		{"another vendor's secret, acme's payload", h.OtherSecret, acmePurchase(nil), 403, orderhub.EForbidden},
		{"another vendor's token, acme's payload", otherToken, acmePurchase(nil), 403, orderhub.EForbidden},
		{"token, another vendor's source", token, acmePurchase(map[string]any{"source": "other-shop"}), 422, orderhub.ESourceNotFound},
		{"token, unknown source", token, acmePurchase(map[string]any{"source": "no-such-source"}), 422, orderhub.ESourceNotFound},
		{"token, source of the seed vendor", token, acmePurchase(map[string]any{"source": "sesamy-source-id-1234"}), 422, orderhub.ESourceNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.hook(tc.cred, tc.body).expect(tc.status, tc.code)
			var e struct{ Message string }
			res.JSON(&e)
			if e.Message == "" {
				t.Fatalf("no message: %s", res.Body)
			}
		})
	}
	for _, v := range []string{"acme", "other", "vendor-id-1234"} {
		if ev, pu := h.written(v); ev != 0 || pu != 0 {
			t.Fatalf("refused calls wrote for %s: %d events, %d purchases", v, ev, pu)
		}
	}

	// Each accepted way in.
	h.hook(h.AcmeSecret, acmePurchase(nil)).expect(201, "")
	h.hook(token, acmePurchase(map[string]any{"publisherPurchaseId": "P-2"})).expect(201, "")
	h.hook(second, acmePurchase(map[string]any{"source": "acme-second"})).expect(201, "")

	// A deleted source's secret stops working at once.
	h.admin("DELETE", "/admin/v1/vendors/acme/sources/acme-second", nil).expect(204, "")
	h.hook(second, acmePurchase(map[string]any{"source": "acme-second", "publisherPurchaseId": "P-9"})).expect(401, orderhub.EUnauthorized)
	h.hook(token, acmePurchase(map[string]any{"source": "acme-second", "publisherPurchaseId": "P-9"})).expect(422, orderhub.ESourceNotFound)
}

func TestPurchaseHookFields(t *testing.T) {
	h := newPurchaseHub(t)
	n := 0
	for _, tc := range []struct {
		name   string
		mod    map[string]any
		status int
		code   string
		field  string
	}{
		// Required fields.
		{"source missing", map[string]any{"source": nil}, 400, orderhub.EInvalidRequest, "source"},
		{"source empty", map[string]any{"source": ""}, 400, orderhub.EInvalidRequest, "source"},
		{"vendorId missing", map[string]any{"vendorId": nil}, 400, orderhub.EInvalidRequest, "vendorId"},
		{"no product at all", map[string]any{"sku": nil, "poId": nil, "productId": nil}, 400, orderhub.EInvalidRequest, "productId"},
		{"sku without poId", map[string]any{"poId": ""}, 400, orderhub.EInvalidRequest, "poId"},
		{"poId without sku", map[string]any{"sku": nil}, 400, orderhub.EInvalidRequest, "sku"},
		{"no customer key", map[string]any{"email": nil, "publisherUserId": nil, "userId": ""}, 400, orderhub.EInvalidRequest, "email"},
		// Bad values.
		{"bad email", map[string]any{"email": "anna@"}, 400, orderhub.EInvalidEmail, "email"},
		{"email with spaces", map[string]any{"email": "anna berg@example.com"}, 400, orderhub.EInvalidEmail, "email"},
		{"bad startsAt", map[string]any{"startsAt": "01/01/2026"}, 400, orderhub.EInvalidDate, "startsAt"},
		{"startsAt without offset", map[string]any{"startsAt": "2026-01-01T00:00:00"}, 400, orderhub.EInvalidDate, "startsAt"},
		{"bad endsAt", map[string]any{"endsAt": "2026-13-01T00:00:00Z"}, 400, orderhub.EInvalidDate, "endsAt"},
		{"endsAt before startsAt", map[string]any{"endsAt": "2025-12-31T23:59:59Z"}, 400, orderhub.EInvalidDate, "endsAt"},
		{"bad delivery country", map[string]any{"deliveryAddressCountry": "SWE"}, 400, orderhub.EInvalidAddress, "deliveryAddressCountry"},
		{"bad billing country", map[string]any{"billingAddressCountry": "ZZ"}, 400, orderhub.EInvalidAddress, "billingAddressCountry"},
		{"sku of the wrong type", map[string]any{"sku": []any{"a"}}, 400, orderhub.EInvalidRequest, "sku"},
		{"email of the wrong type", map[string]any{"email": true}, 400, orderhub.EInvalidRequest, "email"},
		{"too long notes", map[string]any{"notes": strings.Repeat("x", orderhub.MaxNotes+1)}, 400, orderhub.EInvalidRequest, "notes"},
		// References that do not resolve.
		{"unknown productId", map[string]any{"sku": nil, "poId": nil, "productId": "nope"}, 422, orderhub.EProductNotFound, "productId"},
		{"unmapped sku and poId", map[string]any{"sku": "SKU-X", "poId": "PO-9"}, 422, orderhub.EProductNotFound, "sku"},
		{"productId disagrees with the mapping", map[string]any{"productId": "weekend"}, 422, orderhub.EProductMismatch, "productId"},
		{"another vendor's product", map[string]any{"sku": nil, "poId": nil, "productId": "product-1234"}, 422, orderhub.EProductNotFound, "productId"},
		{"unknown userId alone", map[string]any{"userId": "no-such-customer", "email": nil, "publisherUserId": nil}, 422, orderhub.ECustomerNotFound, "userId"},
		// Optional fields may be left out (or empty) one by one.
		{"without publisherPurchaseId", map[string]any{"publisherPurchaseId": nil}, 201, "", ""},
		{"without startsAt", map[string]any{"startsAt": nil}, 201, "", ""},
		{"without endsAt", map[string]any{"endsAt": ""}, 201, "", ""},
		{"without names", map[string]any{"firstName": nil, "lastName": ""}, 201, "", ""},
		{"only email", map[string]any{"publisherUserId": nil}, 201, "", ""},
		{"only publisherUserId", map[string]any{"email": nil, "publisherUserId": "U-77"}, 201, "", ""},
		{"with notes", map[string]any{"notes": "Line one\nline two"}, 201, "", ""},
		{"productId only", map[string]any{"sku": nil, "poId": nil, "productId": "weekend"}, 201, "", ""},
		{"sku and poId only", map[string]any{"sku": "SKU-W", "poId": "PO-1"}, 201, "", ""},
		{"productId with an unmapped pair", map[string]any{"sku": "SKU-X", "poId": "PO-9", "productId": "weekend"}, 201, "", ""},
		{"productId agreeing with the mapping", map[string]any{"productId": "daily"}, 201, "", ""},
		{"date-only startsAt", map[string]any{"startsAt": "2026-02-01", "endsAt": "2026-03-01"}, 201, "", ""},
		{"startsAt with offset, no fraction", map[string]any{"startsAt": "2026-02-01T09:00:00+01:00"}, 201, "", ""},
		{"numbers for ids", map[string]any{"sku": nil, "poId": nil, "productId": "daily", "publisherUserId": 4711, "publisherPurchaseId": 99}, 201, "", ""},
		{"only a delivery address", map[string]any{"deliveryAddressStreet": "Storgatan 1", "deliveryAddressCity": "Lund", "deliveryAddressZip": "222 22", "deliveryAddressCountry": "se", "deliveryAddressCo": "c/o Berg"}, 201, "", ""},
		{"only a billing address", map[string]any{"billingAddressFirstName": "Bo", "billingAddressLastName": "Ek", "billingAddressStreet": "Box 1", "billingAddressCity": "Umeå", "billingAddressZip": "901 00", "billingAddressCountry": "SE", "billingAddressCo": ""}, 201, "", ""},
		{"empty address fields", map[string]any{"deliveryAddressCo": "", "deliveryAddressCountry": "", "billingAddressCountry": ""}, 201, "", ""},
		{"unknown extra fields", map[string]any{"zapMeta": map[string]any{"id": 1}}, 201, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n++
			mod := map[string]any{"publisherPurchaseId": "F-" + tc.name, "publisherUserId": "U-F"}
			for k, v := range tc.mod {
				mod[k] = v
			}
			evBefore, puBefore := h.written("acme")
			res := h.hook(h.AcmeSecret, acmePurchase(mod)).expect(tc.status, tc.code)
			if tc.status != 201 {
				var e struct{ Error, Message, Field string }
				res.JSON(&e)
				if e.Field != tc.field || e.Message == "" {
					t.Fatalf("field %q message %q, want field %q", e.Field, e.Message, tc.field)
				}
				if ev, pu := h.written("acme"); ev != evBefore || pu != puBefore {
					t.Fatalf("a refused purchase wrote something")
				}
				return
			}
			var a purchaseAnswer
			res.JSON(&a)
			if a.PurchaseID == "" || a.ContractID == "" || a.CustomerID == "" {
				t.Fatalf("answer %s", res.Body)
			}
		})
	}

	// The stored customer of the address-only purchases has their addresses.
	ctx := context.Background()
	cu, err := h.DB.Orders().FindCustomerByEmail(ctx, "acme", "anna@example.com")
	if err != nil || cu.Address == nil || cu.BillingAddress == nil {
		t.Fatalf("customer %+v %v", cu, err)
	}
	wantDelivery := orderhub.Address{Co: "c/o Berg", Street: "Storgatan 1", City: "Lund", Zip: "222 22", Country: "SE"}
	wantBilling := orderhub.Address{FirstName: "Bo", LastName: "Ek", Street: "Box 1", City: "Umeå", Zip: "901 00", Country: "SE"}
	if *cu.Address != wantDelivery || *cu.BillingAddress != wantBilling || cu.FirstName != "Anna" || cu.LastName != "Berg" || cu.PublisherUserID != "U-F" {
		t.Fatalf("stored customer %+v, addresses %+v / %+v", cu, *cu.Address, *cu.BillingAddress)
	}
	// Notes and publisherPurchaseId are stored with the contract.
	var withNotes purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "F-with notes", "publisherUserId": "U-F", "notes": "Line one\nline two"})).expect(200, "").JSON(&withNotes)
	c, err := h.DB.Orders().GetContract(ctx, "acme", withNotes.ContractID)
	if err != nil {
		t.Fatal(err)
	}
	var vd map[string]string
	if err := json.Unmarshal(c.VendorData, &vd); err != nil || vd["notes"] != "Line one\nline two" || vd["publisherPurchaseId"] != "F-with notes" {
		t.Fatalf("vendorData %s", c.VendorData)
	}
}

func TestPurchaseHookStartsAtDefaultsToNow(t *testing.T) {
	h := newPurchaseHub(t)
	now := h.Clock.Now()
	var a purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"startsAt": nil, "endsAt": nil})).expect(201, "").JSON(&a)
	got, err := time.Parse(time.RFC3339Nano, a.StartsAt)
	if err != nil || !got.Equal(now.Truncate(time.Microsecond)) {
		t.Fatalf("startsAt %q, want now %v", a.StartsAt, now)
	}
	c, err := h.DB.Orders().GetContract(context.Background(), "acme", a.ContractID)
	if err != nil || c.StartDate != now.UTC().Format(time.DateOnly) || c.DelayedContractStartsAt != "" {
		t.Fatalf("contract %+v %v", c, err)
	}
	// A replay an hour later is still the same purchase.
	h.Clock.Add(time.Hour)
	var b purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"startsAt": nil, "endsAt": nil})).expect(200, "").JSON(&b)
	if b != a {
		t.Fatalf("replay %+v, first %+v", b, a)
	}
	// endsAt must lie after now when startsAt is left out.
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-past", "startsAt": nil, "endsAt": "2020-01-01T00:00:00Z"})).expect(400, orderhub.EInvalidDate)
	// A start on a later day makes the contract a delayed one.
	future := h.Clock.Now().AddDate(0, 0, 10).UTC()
	var d purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-future", "startsAt": future.Format(time.RFC3339), "endsAt": nil})).expect(201, "").JSON(&d)
	fc, _ := h.DB.Orders().GetContract(context.Background(), "acme", d.ContractID)
	if fc.DelayedContractStartsAt != future.Format(time.DateOnly) {
		t.Fatalf("future contract %+v", fc)
	}
}

func TestPurchaseHookCustomerMatching(t *testing.T) {
	h := newPurchaseHub(t)
	var first purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(nil)).expect(201, "").JSON(&first)

	// userId is an orderhub customer id: it wins over publisherUserId and email.
	var byID purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-2", "userId": first.CustomerID, "email": nil, "publisherUserId": nil})).expect(201, "").JSON(&byID)
	// publisherUserId next.
	var byPub purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-3", "email": nil})).expect(201, "").JSON(&byPub)
	// Then email (case-insensitive); an unknown userId falls through to it.
	var byEmail purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-4", "publisherUserId": nil, "userId": "unknown", "email": "ANNA@example.com"})).expect(201, "").JSON(&byEmail)
	for _, a := range []purchaseAnswer{byID, byPub, byEmail} {
		if a.CustomerID != first.CustomerID {
			t.Fatalf("matched customer %s, want %s", a.CustomerID, first.CustomerID)
		}
	}
	// A new email and publisherUserId make a new customer.
	var other purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-5", "publisherUserId": "U-2", "email": "bo@example.com"})).expect(201, "").JSON(&other)
	if other.CustomerID == first.CustomerID {
		t.Fatal("a new customer was matched to an existing one")
	}
	// Matched by userId but sending another customer's email: 409, nothing written.
	ev, pu := h.written("acme")
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-6", "userId": first.CustomerID, "email": "bo@example.com"})).expect(409, orderhub.EConflict)
	if ev2, pu2 := h.written("acme"); ev2 != ev || pu2 != pu {
		t.Fatal("the refused purchase wrote something")
	}
	// Customers never cross vendors: acme's customer id means nothing to other.
	h.hook(h.OtherSecret, map[string]any{"source": "other-shop", "vendorId": "other", "productId": "daily", "userId": first.CustomerID}).expect(422, orderhub.ECustomerNotFound)
}

func TestPurchaseAndVendorOrderLandOnOneCustomer(t *testing.T) {
	h := newPurchaseHub(t)
	order := map[string]any{
		"externalOrderId": "ORD-77", "paymentMethod": "CARD", "paymentProvider": "STRIPE",
		"userData": map[string]any{"email": "Shared@Example.com", "fullName": "Sam Shared"},
	}
	var o struct{ ContractID string }
	h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", h.token(orderhub.ScopeVendorOrders), order).expect(200, "").JSON(&o)

	var a purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"email": "shared@example.com", "publisherUserId": nil, "firstName": "Sam", "lastName": "Shared"})).expect(201, "").JSON(&a)

	ctx := context.Background()
	vc, err := h.DB.Orders().GetContract(ctx, "acme", o.ContractID)
	if err != nil {
		t.Fatal(err)
	}
	if vc.UserID != a.CustomerID {
		t.Fatalf("vendor order customer %s, purchase customer %s", vc.UserID, a.CustomerID)
	}
	cs, err := h.DB.Orders().ListContracts(ctx, orderhub.ContractFilter{VendorID: "acme", UserID: a.CustomerID})
	if err != nil || len(cs) != 2 {
		t.Fatalf("contracts of the customer: %d %v", len(cs), err)
	}
	origins := map[string]bool{}
	for _, c := range cs {
		origins[c.Origin] = true
	}
	if !origins[orderhub.OriginVendorOrder] || !origins[orderhub.OriginExternalPurchase] {
		t.Fatalf("origins %v", origins)
	}
	// And the other way round: a purchase first, then a vendor order.
	var b purchaseAnswer
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-first", "email": "first@example.com", "publisherUserId": nil})).expect(201, "").JSON(&b)
	order["externalOrderId"], order["userData"] = "ORD-78", map[string]any{"email": "FIRST@example.com"}
	var o2 struct{ ContractID string }
	h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", h.token(orderhub.ScopeVendorOrders), order).expect(200, "").JSON(&o2)
	if vc2, _ := h.DB.Orders().GetContract(ctx, "acme", o2.ContractID); vc2.UserID != b.CustomerID {
		t.Fatalf("vendor order after purchase: customer %s, want %s", vc2.UserID, b.CustomerID)
	}
}

func TestPurchaseHookTransport(t *testing.T) {
	h := newPurchaseHub(t)
	for _, tc := range []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
	}{
		{"empty body", "application/json", "", 400, orderhub.EInvalidRequest},
		{"malformed JSON", "application/json", `{"source": `, 400, orderhub.EInvalidRequest},
		{"the seed's JavaScript literal", "application/json", `{source: 'acme-shop'}`, 400, orderhub.EInvalidRequest},
		{"a JSON array", "application/json", `[]`, 400, orderhub.EInvalidRequest},
		{"form body", "application/x-www-form-urlencoded", "source=acme-shop", 415, orderhub.EUnsupportedMedia},
		{"too large", "application/json", `{"notes":"` + strings.Repeat("x", 1<<20) + `"}`, 413, orderhub.EPayloadTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.do("POST", hookPath, tc.contentType, []byte(tc.body), map[string]string{"Authorization": "Bearer " + h.AcmeSecret}).expect(tc.status, tc.code)
		})
	}
	h.jsonReq("GET", hookPath, h.AcmeSecret, nil).expect(405, "")
}

func TestHookDropdowns(t *testing.T) {
	h := newPurchaseHub(t)
	token := h.token(orderhub.ScopeExternalPurchases)
	h.adminSource("acme", "acme-zap", "Acme Zap")

	type item struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	for _, cred := range []string{token, h.AcmeSecret} {
		var sources []item
		h.jsonReq("GET", "/hooks/sources", cred, nil).expect(200, "").JSON(&sources)
		if len(sources) != 2 || sources[0] != (item{"acme-shop", "Acme shop"}) || sources[1] != (item{"acme-zap", "Acme Zap"}) {
			t.Fatalf("sources %+v", sources)
		}
		var vendors []item
		h.jsonReq("GET", "/hooks/vendors", cred, nil).expect(200, "").JSON(&vendors)
		if len(vendors) != 1 || vendors[0] != (item{"acme", "Acme Media"}) {
			t.Fatalf("vendors %+v", vendors)
		}
	}
	// Another vendor sees only its own.
	var sources []item
	h.jsonReq("GET", "/hooks/sources", h.OtherSecret, nil).expect(200, "").JSON(&sources)
	if len(sources) != 1 || sources[0].ID != "other-shop" {
		t.Fatalf("other's sources %+v", sources)
	}
	// Deleted sources disappear; the raw answer is an array even when empty.
	h.admin("DELETE", "/admin/v1/vendors/other/sources/other-shop", nil).expect(204, "")
	otherToken := h.tokenFor(h.Other.ClientID, h.Other.Secret, orderhub.ScopeExternalPurchases)
	if res := h.jsonReq("GET", "/hooks/sources", otherToken, nil).expect(200, ""); strings.TrimSpace(string(res.Body)) != "[]" {
		t.Fatalf("empty list %s", res.Body)
	}
	h.jsonReq("GET", "/hooks/sources", "", nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", "/hooks/vendors", "ohk_nope", nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", "/hooks/vendors", h.token(orderhub.ScopeVendorOrders), nil).expect(403, orderhub.EForbidden)
}

func TestAdminCatalogAPI(t *testing.T) {
	h := newPurchaseHub(t)
	const v = "/admin/v1/vendors/acme"

	// Authentication.
	h.jsonReq("GET", v+"/products", "", nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", v+"/products", h.AcmeSecret, nil).expect(401, orderhub.EUnauthorized)
	h.admin("GET", "/admin/v1/vendors/nope/products", nil).expect(404, orderhub.ENotFound)
	h.admin("POST", "/admin/v1/vendors/nope/sources", map[string]any{"name": "x"}).expect(404, orderhub.ENotFound)

	// Products.
	var p orderhub.Product
	h.admin("POST", v+"/products", map[string]any{"name": "Generated id"}).expect(201, "").JSON(&p)
	if !strings.HasPrefix(p.ID, "prd_") || p.VendorID != "acme" || p.Name != "Generated id" {
		t.Fatalf("product %+v", p)
	}
	h.admin("POST", v+"/products", map[string]any{"id": "daily", "name": "Again"}).expect(409, orderhub.EConflict)
	h.admin("POST", v+"/products", map[string]any{"id": "bad id", "name": "x"}).expect(400, orderhub.EInvalidRequest)
	h.admin("POST", v+"/products", map[string]any{"id": "x"}).expect(400, orderhub.EInvalidRequest)
	h.admin("POST", v+"/products", `{"name": 5}`).expect(400, orderhub.EInvalidRequest)
	h.admin("POST", v+"/products", `not json`).expect(400, orderhub.EInvalidRequest)
	var products struct{ Data []orderhub.Product }
	h.admin("GET", v+"/products", nil).expect(200, "").JSON(&products)
	if len(products.Data) != 3 {
		t.Fatalf("products %+v", products)
	}

	// Purchase options.
	var o orderhub.PurchaseOption
	h.admin("POST", v+"/purchase-options", map[string]any{"id": "m", "productId": "daily", "name": "Monthly", "price": "99.5", "currency": "sek", "billingPeriod": "month"}).expect(201, "").JSON(&o)
	if o.Price != "99.50" || o.Currency != "SEK" || o.ProductID != "daily" {
		t.Fatalf("option %+v", o)
	}
	h.admin("POST", v+"/purchase-options", map[string]any{"productId": "daily", "name": "Free"}).expect(201, "")
	h.admin("POST", v+"/purchase-options", map[string]any{"productId": "nope", "name": "x"}).expect(422, orderhub.EProductNotFound)
	h.admin("POST", v+"/purchase-options", map[string]any{"productId": "daily", "name": "x", "price": "ten", "currency": "SEK"}).expect(400, orderhub.EInvalidRequest)
	h.admin("POST", v+"/purchase-options", map[string]any{"productId": "daily", "name": "x", "billingPeriod": "decade"}).expect(400, orderhub.EInvalidRequest)
	var options struct{ Data []orderhub.PurchaseOption }
	h.admin("GET", v+"/purchase-options?productId=daily", nil).expect(200, "").JSON(&options)
	if len(options.Data) != 2 {
		t.Fatalf("options %+v", options)
	}

	// Mappings.
	h.admin("POST", v+"/product-mappings", map[string]any{"sku": "S/1", "poId": "P 1", "productId": "daily", "purchaseOptionId": "m"}).expect(201, "")
	h.admin("POST", v+"/product-mappings", map[string]any{"sku": "S/1", "poId": "P 1", "productId": "weekend"}).expect(409, orderhub.EConflict)
	h.admin("POST", v+"/product-mappings", map[string]any{"sku": "S2", "poId": "P2", "productId": "weekend", "purchaseOptionId": "m"}).expect(400, orderhub.EInvalidRequest)
	h.admin("POST", v+"/product-mappings", map[string]any{"sku": "S2", "poId": "P2", "productId": "nope"}).expect(422, orderhub.EProductNotFound)
	h.admin("POST", v+"/product-mappings", map[string]any{"sku": "", "poId": "P2", "productId": "daily"}).expect(400, orderhub.EInvalidRequest)
	h.admin("DELETE", v+"/purchase-options/m", nil).expect(409, orderhub.EConflict)
	var maps struct{ Data []orderhub.ProductMapping }
	h.admin("GET", v+"/product-mappings", nil).expect(200, "").JSON(&maps)
	if len(maps.Data) != 3 {
		t.Fatalf("mappings %+v", maps)
	}
	// A mapping with awkward characters is usable and deletable.
	h.hook(h.AcmeSecret, acmePurchase(map[string]any{"sku": "S/1", "poId": "P 1"})).expect(201, "")
	h.admin("DELETE", v+"/product-mappings?"+url.Values{"sku": {"S/1"}, "poId": {"P 1"}}.Encode(), nil).expect(204, "")
	h.admin("DELETE", v+"/product-mappings?"+url.Values{"sku": {"S/1"}, "poId": {"P 1"}}.Encode(), nil).expect(404, orderhub.ENotFound)
	h.admin("DELETE", v+"/product-mappings?sku=S", nil).expect(400, orderhub.EInvalidRequest)
	h.admin("DELETE", v+"/purchase-options/m", nil).expect(204, "")
	h.admin("DELETE", v+"/purchase-options/m", nil).expect(404, orderhub.ENotFound)

	// Deleting a product takes its mappings along; the hook then names what is missing.
	h.admin("DELETE", v+"/products/weekend", nil).expect(204, "")
	res := h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-w", "sku": "SKU-W", "poId": "PO-1"})).expect(422, orderhub.EProductNotFound)
	if !contains(string(res.Body), "SKU-W") || !contains(string(res.Body), "PO-1") {
		t.Fatalf("message does not name the sku and poId: %s", res.Body)
	}
	h.admin("DELETE", v+"/products/weekend", nil).expect(404, orderhub.ENotFound)
	h.admin("DELETE", "/admin/v1/vendors/other/products/daily", nil).expect(204, "")
	h.admin("GET", v+"/products", nil).expect(200, "").JSON(&products)
	if len(products.Data) != 2 {
		t.Fatalf("acme's products after deleting other's: %+v", products)
	}

	// Sources: the secret is shown once, never listed.
	var created struct {
		ID, Type, Name, Secret string
	}
	h.admin("POST", v+"/sources", map[string]any{"name": "Generated", "type": "hook"}).expect(201, "").JSON(&created)
	if !strings.HasPrefix(created.ID, "src_") || created.Type != "HOOK" || created.Secret == "" {
		t.Fatalf("source %+v", created)
	}
	h.admin("POST", v+"/sources", map[string]any{"name": "x", "type": "FTP"}).expect(400, orderhub.EInvalidRequest)
	h.admin("POST", v+"/sources", map[string]any{"id": "acme-shop", "name": "x"}).expect(409, orderhub.EConflict)
	h.admin("POST", v+"/sources", map[string]any{"id": "other-shop", "name": "x"}).expect(409, orderhub.EConflict)
	h.admin("POST", v+"/sources", map[string]any{"name": ""}).expect(400, orderhub.EInvalidRequest)
	list := h.admin("GET", v+"/sources", nil).expect(200, "")
	if contains(string(list.Body), "ohk_") || contains(string(list.Body), "secret") {
		t.Fatalf("source list leaks secrets: %s", list.Body)
	}
	var sources struct{ Data []orderhub.Source }
	list.JSON(&sources)
	if len(sources.Data) != 2 {
		t.Fatalf("sources %+v", sources)
	}
	h.admin("DELETE", v+"/sources/other-shop", nil).expect(404, orderhub.ENotFound) // another vendor's
	h.admin("DELETE", v+"/sources/"+created.ID, nil).expect(204, "")
	h.admin("DELETE", v+"/sources/"+created.ID, nil).expect(404, orderhub.ENotFound)

	// Values no record can have (NUL, invalid UTF-8) are "not found", never a 500.
	h.admin("GET", "/admin/v1/vendors/%FF/products", nil).expect(404, orderhub.ENotFound)
	h.admin("DELETE", v+"/products/%00", nil).expect(404, orderhub.ENotFound)
	h.admin("DELETE", v+"/sources/%FF", nil).expect(404, orderhub.ENotFound)
	h.admin("DELETE", v+"/product-mappings?sku=%00&poId=%FF", nil).expect(404, orderhub.ENotFound)
	h.admin("GET", v+"/purchase-options?productId=%FF", nil).expect(200, "").JSON(&options)
	if len(options.Data) != 0 {
		t.Fatalf("options of an impossible product: %+v", options)
	}

	// Purchases are listed per vendor.
	var purchases struct{ Data []orderhub.PurchaseResult }
	h.admin("GET", v+"/purchases", nil).expect(200, "").JSON(&purchases)
	if len(purchases.Data) != 1 || purchases.Data[0].SourceID != "acme-shop" {
		t.Fatalf("purchases %+v", purchases)
	}
	h.admin("GET", "/admin/v1/vendors/other/purchases", nil).expect(200, "").JSON(&purchases)
	if len(purchases.Data) != 0 {
		t.Fatalf("other's purchases %+v", purchases)
	}
}
