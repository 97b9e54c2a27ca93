package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/internal/seedexample"
)

// seedExample is the request body of seed 001's "Request Body" section, verbatim.
const seedExample = seedexample.VendorOrder

const orderPath = "/payments/vendor/acme/promos/code/PROMOCODE"

type orderResult struct {
	ContractID              string `json:"contractId"`
	ResponseKey             string `json:"responseKey"`
	DelayedContractStartsAt string `json:"delayedContractStartsAt"`
}

// body builds a valid order body, modified by mod (a map merged over the defaults).
func body(mod map[string]any) map[string]any {
	b := map[string]any{
		"externalOrderId": "ORD-1",
		"paymentMethod":   "CARD",
		"paymentProvider": "STRIPE",
		"userData":        map[string]any{"email": "anna@example.com", "fullName": "Anna A"},
	}
	return modified(b, mod)
}

// modified returns b with mod merged over it: a nil value in mod deletes the field.
func modified(b, mod map[string]any) map[string]any {
	for k, v := range mod {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

func TestSeedExampleVerbatim(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("paymentsContractThirdPartyOnboarding")
	res := h.jsonReq("POST", orderPath+"?confirm=true", tok, seedExample).expect(200, "")
	var r orderResult
	res.JSON(&r)
	if r.ResponseKey != "CONTRACT_CREATED_AND_CONFIRMED" || len(r.ContractID) != 36 || r.DelayedContractStartsAt != "" {
		t.Fatalf("unexpected result %s", res.Body)
	}
	// The stored contract keeps every field: extraData and vendorData verbatim.
	var c orderhub.Contract
	h.jsonReq("GET", "/payments/vendor/acme/contracts/"+r.ContractID, tok, nil).expect(200, "").JSON(&c)
	if c.ExternalOrderID != "ORDER-2025-001234" || c.Status != "CONFIRMED" || c.Quantity != 1 || c.PaymentMethod != "INVOICE" ||
		c.PaymentProvider != "BILLOGRAM" || c.StartDate != "2025-01-08" || c.UserEmail != "customer@example.com" || c.PayerID != c.UserID {
		t.Fatalf("stored contract %+v", c)
	}
	var extra, vendor map[string]string
	json.Unmarshal(c.ExtraData, &extra)
	json.Unmarshal(c.VendorData, &vendor)
	if extra["flowyCustomerNumber"] != "987654321" || extra["leadSourceName"] != "Winter Campaign 2025" || vendor["sellerRequestId"] != "987654321" || vendor["seller"] != "tm-team" {
		t.Fatalf("extraData %s vendorData %s", c.ExtraData, c.VendorData)
	}
	cust, err := h.DB.Orders().GetCustomer(context.Background(), "acme", c.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if cust.FullName != "John Doe" || cust.Phone != "+46701234567" || cust.Address == nil || cust.Address.City != "Stockholm" || cust.Address.Country != "SE" || cust.FirstName != "John" {
		t.Fatalf("customer %+v", cust)
	}
	// The outbox holds the events of the change, in order, with sequence numbers.
	evs, _ := h.DB.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: "acme"})
	var types []string
	for _, e := range evs {
		types = append(types, fmt.Sprintf("%d:%s:%v", e.Seq, e.Type, e.OrderingKey == c.UserID))
	}
	if strings.Join(types, " ") != "1:customer-created:true 2:contract-created:true 3:order-created:true 4:contract-confirmed:true" {
		t.Fatalf("events %v", types)
	}
}

func TestResponseKeysAndReplays(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	var first, r orderResult
	h.jsonReq("POST", orderPath, tok, body(nil)).expect(200, "").JSON(&first)
	if first.ResponseKey != "CONTRACT_CREATED" {
		t.Fatalf("without confirm: %+v", first)
	}
	h.jsonReq("POST", orderPath+"?confirm=false", tok, body(nil)).expect(200, "").JSON(&r)
	if r.ResponseKey != "CONTRACT_CREATED" || r.ContractID != first.ContractID {
		t.Fatalf("pending replay: %+v", r)
	}
	h.jsonReq("POST", orderPath+"?confirm=true", tok, body(nil)).expect(200, "").JSON(&r)
	if r.ResponseKey != "CONTRACT_CREATED_AND_CONFIRMED" || r.ContractID != first.ContractID {
		t.Fatalf("confirming replay: %+v", r)
	}
	for _, q := range []string{"?confirm=true", ""} {
		h.jsonReq("POST", orderPath+q, tok, body(nil)).expect(200, "").JSON(&r)
		if r.ResponseKey != "SKIPPED_ALREADY_CONFIRMED" || r.ContractID != first.ContractID {
			t.Fatalf("confirmed replay %q: %+v", q, r)
		}
	}
	// Key order and white space do not make a different order.
	h.jsonReq("POST", orderPath, tok, `{"userData":{"fullName":"Anna A","email":"ANNA@example.com"},"paymentProvider":"STRIPE","paymentMethod":"CARD","externalOrderId":"ORD-1","quantity":1}`).
		expect(200, "").JSON(&r)
	if r.ResponseKey != "SKIPPED_ALREADY_CONFIRMED" {
		t.Fatalf("equivalent body: %+v", r)
	}
	// The same externalOrderId with different content is a conflict, and changes nothing.
	for name, b := range map[string]any{
		"other email":    body(map[string]any{"userData": map[string]any{"email": "bob@example.com"}}),
		"other quantity": body(map[string]any{"quantity": 2}),
		"other payment":  body(map[string]any{"paymentMethod": "INVOICE"}),
	} {
		t.Run(name, func(t *testing.T) {
			h.jsonReq("POST", orderPath+"?confirm=true", tok, b).expect(409, "ConflictError")
		})
	}
	h.jsonReq("POST", "/payments/vendor/acme/promos/code/BUNDLE?confirm=true", tok, body(nil)).expect(409, "ConflictError")
	expectOneContract(t, h, "ORD-1")
}

func TestDelayedStartAndDefaults(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	future := h.Clock.Now().AddDate(0, 1, 0).Format("2006-01-02")
	var r orderResult
	h.jsonReq("POST", orderPath+"?confirm=true", tok, body(map[string]any{"startDate": future})).expect(200, "").JSON(&r)
	if r.DelayedContractStartsAt != future {
		t.Fatalf("delayed: %+v", r)
	}
	today := h.Clock.Now().Format("2006-01-02")
	r = orderResult{}
	h.jsonReq("POST", orderPath+"?confirm=true", tok, body(map[string]any{"externalOrderId": "ORD-2", "startDate": today})).expect(200, "").JSON(&r)
	if r.DelayedContractStartsAt != "" {
		t.Fatalf("today is not delayed: %+v", r)
	}
	var c orderhub.Contract
	h.jsonReq("GET", "/payments/vendor/acme/contracts/"+r.ContractID, tok, nil).expect(200, "").JSON(&c)
	if c.Quantity != 1 {
		t.Fatalf("default quantity %d", c.Quantity)
	}
}

func TestOwnerDataIsItsOwnCustomer(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	owner := map[string]any{"email": "payer@example.com", "fullName": "Paula Payer", "address": map[string]any{"country": "no", "city": "Oslo"}, "extraData": map[string]any{"ref": "X1"}}
	var r orderResult
	h.jsonReq("POST", orderPath+"?confirm=true", tok, body(map[string]any{"ownerData": owner})).expect(200, "").JSON(&r)
	c, err := h.DB.Orders().GetContract(context.Background(), "acme", r.ContractID)
	if err != nil {
		t.Fatal(err)
	}
	if c.PayerID == c.UserID {
		t.Fatal("payer should be its own customer")
	}
	payer, err := h.DB.Orders().GetCustomer(context.Background(), "acme", c.PayerID)
	if err != nil || payer.Email != "payer@example.com" || payer.Address.Country != "NO" {
		t.Fatalf("payer %+v %v", payer, err)
	}
	var od map[string]any
	json.Unmarshal(c.OwnerData, &od)
	if od["fullName"] != "Paula Payer" {
		t.Fatalf("ownerData %s", c.OwnerData)
	}
	// The same person as user and owner is one customer.
	h.jsonReq("POST", orderPath+"?confirm=true", tok, body(map[string]any{"externalOrderId": "ORD-SELF", "ownerData": map[string]any{"email": "Anna@Example.com"}})).expect(200, "").JSON(&r)
	c, _ = h.DB.Orders().GetContract(context.Background(), "acme", r.ContractID)
	if c.PayerID != c.UserID {
		t.Fatal("owner with the user's email should be the user")
	}
	// A second order of the same email lands on the same customer.
	h.jsonReq("POST", orderPath+"?confirm=true", tok, body(map[string]any{"externalOrderId": "ORD-3"})).expect(200, "").JSON(&r)
	c2, _ := h.DB.Orders().GetContract(context.Background(), "acme", r.ContractID)
	if c2.UserID != c.UserID {
		t.Fatal("same email, different customer")
	}
}

func TestValidationErrors(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	big := `{"externalOrderId":"` + strings.Repeat("x", 1<<20) + `"}`
	cases := []struct {
		name   string
		body   any
		query  string
		status int
		code   string
	}{
		{"missing email", body(map[string]any{"userData": map[string]any{"fullName": "x"}}), "", 400, "UserEmailRequiredError"},
		{"missing userData", body(map[string]any{"userData": nil}), "", 400, "UserEmailRequiredError"},
		{"empty email", body(map[string]any{"userData": map[string]any{"email": " "}}), "", 400, "UserEmailRequiredError"},
		{"bad country", body(map[string]any{"userData": map[string]any{"email": "a@example.com", "address": map[string]any{"country": "Sweden"}}}), "", 400, "InvalidAddressError"},
		{"unassigned country", body(map[string]any{"userData": map[string]any{"email": "a@example.com", "address": map[string]any{"country": "XX"}}}), "", 400, "InvalidAddressError"},
		{"bad owner country", body(map[string]any{"ownerData": map[string]any{"email": "o@example.com", "address": map[string]any{"country": "ZZ"}}}), "", 400, "InvalidAddressError"},
		{"non-numeric SMNO", body(map[string]any{"vendorData": map[string]any{"SMNO": "12a"}}), "", 422, "InvalidSMNOError"},
		{"negative SMNO", body(map[string]any{"vendorData": map[string]any{"SMNO": -5}}), "", 422, "InvalidSMNOError"},
		{"empty SMNO", body(map[string]any{"vendorData": map[string]any{"SMNO": ""}}), "", 422, "InvalidSMNOError"},
		{"bad JSON", `{"externalOrderId": "x",`, "", 400, "InvalidRequestError"},
		{"not an object", `[1,2]`, "", 400, "InvalidRequestError"},
		{"trailing data", `{"externalOrderId":"x"} {}`, "", 400, "InvalidRequestError"},
		{"empty body", ``, "", 400, "InvalidRequestError"},
		{"wrong type", body(map[string]any{"externalOrderId": 12}), "", 400, "InvalidRequestError"},
		{"missing externalOrderId", body(map[string]any{"externalOrderId": nil}), "", 400, "ExternalOrderIdRequiredError"},
		{"bad paymentMethod", body(map[string]any{"paymentMethod": "CASH"}), "", 400, "InvalidPaymentMethodError"},
		{"lower-case paymentMethod", body(map[string]any{"paymentMethod": "invoice"}), "", 400, "InvalidPaymentMethodError"},
		{"missing paymentMethod", body(map[string]any{"paymentMethod": nil}), "", 400, "InvalidPaymentMethodError"},
		{"bad paymentProvider", body(map[string]any{"paymentProvider": "KLARNA"}), "", 400, "InvalidPaymentProviderError"},
		{"missing paymentProvider", body(map[string]any{"paymentProvider": nil}), "", 400, "InvalidPaymentProviderError"},
		{"bad email", body(map[string]any{"userData": map[string]any{"email": "not-an-email"}}), "", 400, "InvalidEmailError"},
		{"email with name", body(map[string]any{"userData": map[string]any{"email": "Anna <a@example.com>"}}), "", 400, "InvalidEmailError"},
		{"bad phone", body(map[string]any{"userData": map[string]any{"email": "a@example.com", "phone": "call me"}}), "", 400, "InvalidPhoneError"},
		{"short phone", body(map[string]any{"userData": map[string]any{"email": "a@example.com", "phone": "123"}}), "", 400, "InvalidPhoneError"},
		{"bad date", body(map[string]any{"startDate": "08/01/2025"}), "", 400, "InvalidDateError"},
		{"impossible date", body(map[string]any{"startDate": "2025-02-30"}), "", 400, "InvalidDateError"},
		{"zero quantity", body(map[string]any{"quantity": 0}), "", 400, "InvalidQuantityError"},
		{"fractional quantity", body(map[string]any{"quantity": 1.5}), "", 400, "InvalidQuantityError"},
		{"huge quantity", body(map[string]any{"quantity": 1e9}), "", 400, "InvalidQuantityError"},
		{"string quantity", body(map[string]any{"quantity": "1"}), "", 400, "InvalidRequestError"},
		{"vendorData not object", body(map[string]any{"vendorData": "x"}), "", 400, "InvalidRequestError"},
		{"extraData not object", body(map[string]any{"userData": map[string]any{"email": "a@example.com", "extraData": []int{1}}}), "", 400, "InvalidRequestError"},
		{"bad confirm", body(nil), "?confirm=yes", 400, "InvalidRequestError"},
		{"NUL in a field", body(map[string]any{"externalOrderId": "A\u0000B"}), "", 400, "InvalidRequestError"},
		{"NUL in the query", body(nil), "?confirm=%00", 400, "InvalidRequestError"},
		{"too large", big, "", 413, "PayloadTooLargeError"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.jsonReq("POST", orderPath+c.query, tok, c.body).expect(c.status, c.code)
		})
	}
	t.Run("form body", func(t *testing.T) {
		h.do("POST", orderPath, "application/x-www-form-urlencoded", []byte("a=b"), map[string]string{"Authorization": "Bearer " + tok}).expect(415, "UnsupportedMediaTypeError")
	})
	t.Run("NUL in the path", func(t *testing.T) {
		h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMO%00CODE", tok, body(nil)).expect(404, "NotFoundError")
		h.jsonReq("GET", "/payments/vendor/acme/contracts/%C3%28", tok, nil).expect(404, "NotFoundError")
		var list ContractListT
		h.jsonReq("GET", "/payments/vendor/acme/contracts?externalOrderId=%00", tok, nil).expect(200, "").JSON(&list)
		if len(list.Data) != 0 {
			t.Fatalf("NUL external order id: %+v", list)
		}
	})
	t.Run("unknown promo code", func(t *testing.T) {
		r := h.jsonReq("POST", "/payments/vendor/acme/promos/code/NOPE", tok, body(nil)).expect(404, "PromoCodeNotFoundError")
		if !contains(string(r.Body), "NOPE") {
			t.Fatalf("message should name the code: %s", r.Body)
		}
	})
	// Nothing of the refused requests was written.
	evs, _ := h.DB.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: "acme"})
	if len(evs) != 0 {
		t.Fatalf("refused requests wrote %d events", len(evs))
	}
}

func TestAuthErrors(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	h.jsonReq("POST", orderPath, "", body(nil)).expect(401, "Unauthorized")
	h.jsonReq("POST", orderPath, "garbage", body(nil)).expect(401, "Unauthorized")
	h.do("POST", orderPath, "application/json", []byte("{}"), map[string]string{"Authorization": "Basic Zm9vOmJhcg=="}).expect(401, "Unauthorized")
	// A token of another vendor: 403, whatever the vendor's promo codes.
	other := h.tokenFor(h.Other.ClientID, h.Other.Secret, "")
	h.jsonReq("POST", orderPath, other, body(nil)).expect(403, "Forbidden")
	h.jsonReq("GET", "/payments/vendor/acme/contracts?externalOrderId=ORD-1", other, nil).expect(403, "Forbidden")
	// A token without the scope.
	h.jsonReq("POST", orderPath, h.token("events"), body(nil)).expect(403, "Forbidden")
	// A token signed by someone else (a valid JWT shape with a wrong signature).
	parts := strings.Split(tok, ".")
	h.jsonReq("POST", orderPath, parts[0]+"."+parts[1]+".AAAA", body(nil)).expect(401, "Unauthorized")
	// The valid token works, then expires after an hour (injectable clock).
	h.jsonReq("POST", orderPath, tok, body(nil)).expect(200, "")
	h.Clock.Add(59 * time.Minute)
	h.jsonReq("GET", "/payments/vendor/acme/contracts?externalOrderId=ORD-1", tok, nil).expect(200, "")
	h.Clock.Add(2 * time.Minute)
	r := h.jsonReq("POST", orderPath, tok, body(nil)).expect(401, "Unauthorized")
	if !contains(string(r.Body), "expired") {
		t.Fatalf("expired token message: %s", r.Body)
	}
	// A revoked client's tokens stop working.
	fresh := h.token("")
	h.jsonReq("GET", "/payments/vendor/acme/contracts", fresh, nil).expect(200, "")
	if err := h.DB.Tenants().RevokeClient(context.Background(), h.ClientID); err != nil {
		t.Fatal(err)
	}
	h.Clock.Add(3 * time.Second)
	h.jsonReq("GET", "/payments/vendor/acme/contracts", fresh, nil).expect(401, "Unauthorized")
}

// ContractListT is the answer of the contracts look-up.
type ContractListT struct {
	Data []orderhub.Contract `json:"data"`
}

func TestCheckBeforeRetrying(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	var list struct {
		Data []orderhub.Contract `json:"data"`
	}
	h.jsonReq("GET", "/payments/vendor/acme/contracts?externalOrderId=ORD-1", tok, nil).expect(200, "").JSON(&list)
	if len(list.Data) != 0 {
		t.Fatalf("expected no contract: %+v", list)
	}
	var r orderResult
	h.jsonReq("POST", orderPath, tok, body(nil)).expect(200, "").JSON(&r)
	h.jsonReq("GET", "/payments/vendor/acme/contracts?externalOrderId=ORD-1", tok, nil).expect(200, "").JSON(&list)
	if len(list.Data) != 1 || list.Data[0].ID != r.ContractID || list.Data[0].Status != "CREATED" {
		t.Fatalf("list %+v", list)
	}
	h.jsonReq("GET", "/payments/vendor/acme/contracts/nope", tok, nil).expect(404, "ContractNotFoundError")
	// Another vendor's contract is not found through this vendor's path.
	otherTok := h.tokenFor(h.Other.ClientID, h.Other.Secret, "")
	h.jsonReq("GET", "/payments/vendor/other/contracts/"+r.ContractID, otherTok, nil).expect(404, "ContractNotFoundError")
}

func TestConcurrentIdenticalOrdersMakeOneContract(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	var wg sync.WaitGroup
	keys := make([]string, 50)
	ids := make([]string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := h.jsonReq("POST", orderPath+"?confirm=true", tok, seedExample)
			if res.Status != 200 {
				t.Errorf("status %d %s", res.Status, res.Body)
				return
			}
			var r orderResult
			json.Unmarshal(res.Body, &r)
			keys[i], ids[i] = r.ResponseKey, r.ContractID
		}()
	}
	wg.Wait()
	created := 0
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("different contract ids: %v", ids)
		}
		if keys[i] == "CONTRACT_CREATED_AND_CONFIRMED" {
			created++
		} else if keys[i] != "SKIPPED_ALREADY_CONFIRMED" {
			t.Fatalf("key %q", keys[i])
		}
	}
	if created != 1 {
		t.Fatalf("%d requests created the contract", created)
	}
	expectOneContract(t, h, "ORDER-2025-001234")
}

func TestDataSurvivesRestart(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	var r orderResult
	h.jsonReq("POST", orderPath+"?confirm=true", tok, seedExample).expect(200, "").JSON(&r)
	h.restart()
	// The signing key is stored: the token issued before the restart still works.
	var c orderhub.Contract
	h.jsonReq("GET", "/payments/vendor/acme/contracts/"+r.ContractID, tok, nil).expect(200, "").JSON(&c)
	if c.Status != "CONFIRMED" {
		t.Fatalf("after restart %+v", c)
	}
	var again orderResult
	h.jsonReq("POST", orderPath+"?confirm=true", tok, seedExample).expect(200, "").JSON(&again)
	if again.ContractID != r.ContractID || again.ResponseKey != "SKIPPED_ALREADY_CONFIRMED" {
		t.Fatalf("replay after restart %+v", again)
	}
}

func TestOpsEndpoints(t *testing.T) {
	h := newTestHub(t)
	h.jsonReq("GET", "/healthz", "", nil).expect(200, "")
	h.jsonReq("GET", "/readyz", "", nil).expect(200, "")
	h.jsonReq("POST", orderPath, h.token(""), body(nil)).expect(200, "")
	m := h.jsonReq("GET", "/metrics", "", nil).expect(200, "")
	for _, want := range []string{
		`orderhub_http_requests_total{route="POST /payments/vendor/{vendorId}/promos/code/{promoCode}",status="200"} 1`,
		"orderhub_http_request_duration_seconds_bucket", "orderhub_db_commit_batch_size_count", `orderhub_db_commits_total{outcome="ok"}`, "orderhub_db_optimistic_fallbacks_total",
	} {
		if !contains(string(m.Body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if contains(string(m.Body), h.Secret) {
		t.Error("metrics leak a secret")
	}
	r := h.jsonReq("GET", "/no/such/route", "", nil).expect(404, "NotFoundError")
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
	h.jsonReq("DELETE", "/oauth/token", "", nil).expect(405, "")
}

// TestVendorOrderKeyTwice: a body that names a field twice is refused (json.go), with
// the field's path, before anything is written.
func TestVendorOrderKeyTwice(t *testing.T) {
	h := newTestHub(t)
	tok := h.token("")
	for body, field := range map[string]string{
		`{"externalOrderId":"ORD-1","externalOrderId":"ORD-2","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"a@b.se"}}`:        "externalOrderId",
		`{"externalOrderId":"ORD-1","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"a@b.se","email":"c@d.se"}}`:                 "userData.email",
		`{"externalOrderId":"ORD-1","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"a@b.se"},"vendorData":{"SMNO":1,"SMNO":2}}`: "vendorData.SMNO",
	} {
		r := h.jsonReq("POST", orderPath+"?confirm=true", tok, body).expect(400, "InvalidRequestError")
		var e struct{ Field string }
		r.JSON(&e)
		if e.Field != field {
			t.Errorf("%s: field %q, want %q", body, e.Field, field)
		}
	}
	h.jsonReq("GET", "/payments/vendor/acme/contracts?externalOrderId=ORD-1", tok, nil).expect(200, "")
	evs, _ := h.DB.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: "acme"})
	if len(evs) != 0 {
		t.Fatalf("refused requests wrote %d events", len(evs))
	}
}

// expectOneContract checks that acme has exactly one contract for the external order.
func expectOneContract(t *testing.T, h *testHub, externalOrderID string) {
	t.Helper()
	if n, _ := h.DB.Orders().CountContracts(context.Background(), "acme", externalOrderID); n != 1 {
		t.Fatalf("%s: %d contracts", externalOrderID, n)
	}
}
