package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

func parseEvent(t *testing.T, body string) *orderhub.OrderEvent {
	t.Helper()
	ev, err := orderhub.ParseOrderEvent([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestApplyOrderEvent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "other", Name: "Other"}); err != nil {
			t.Fatal(err)
		}
		apply := func(vendor, body string) *orderhub.OrderEventResult {
			t.Helper()
			res, err := hub.NewOrders(db).ApplyOrderEvent(ctx, vendor, parseEvent(t, body), []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		created := `{"eventTypeKey":"orderCreated","keyValue":"ann@example.com","params":[{"name":"externalOrderId","value":"Y-1"},
			{"name":"email","value":"Ann@Example.com"},{"name":"totalCost","value":"20"},{"name":"status","value":"INITIALIZED"},
			{"name":"date","value":"2020-05-14T10:11:00"},{"name":"campaign","value":"spring"}]}`
		// No such contact yet: ignored, recorded once however often it is sent.
		for i := 0; i < 2; i++ {
			if r := apply("acme", created); r.Outcome != orderhub.OrderEventIgnored || r.Reason.Code != orderhub.EContactNotFound || r.Ignored.Count != int64(i+1) {
				t.Fatalf("unknown contact: %+v", r)
			}
		}
		c, isNew, err := hub.NewOrders(db).UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{Email: "ann@example.com", PublisherUserID: "AV1"}, PushTokens: []string{"tok-1"}})
		if err != nil || !isNew {
			t.Fatalf("contact: %v %v", isNew, err)
		}
		r := apply("acme", created)
		if r.Outcome != orderhub.OrderEventCreated || r.Order.CustomerID != c.ID || r.Order.Total != 2000 || r.Order.Source != orderhub.OrderSourceEvent {
			t.Fatalf("create: %+v", r)
		}
		if r := apply("acme", created); r.Outcome != orderhub.OrderEventUnchanged {
			t.Fatalf("replay: %+v", r)
		}
		// The other vendor does not know the contact.
		if r := apply("other", created); r.Outcome != orderhub.OrderEventIgnored || r.Reason.Code != orderhub.EContactNotFound {
			t.Fatalf("other vendor: %+v", r)
		}
		// An update keeps the customer and merges metadata; a mismatching total is ignored.
		upd := `{"eventTypeKey":"orderUpdated","keyValue":"k","params":[{"name":"externalOrderId","value":"Y-1"},{"name":"status","value":"IN_PROGRESS"},{"name":"note","value":"gift"}]}`
		r = apply("acme", upd)
		if r.Outcome != orderhub.OrderEventUpdated || r.Order.Status != orderhub.OrderInProgress || !strings.Contains(string(r.Order.Metadata), "spring") || !strings.Contains(string(r.Order.Metadata), "gift") {
			t.Fatalf("update: %+v %s", r, r.Order.Metadata)
		}
		bad := `{"eventTypeKey":"orderUpdated","keyValue":"k","params":[{"name":"externalOrderId","value":"Y-1"},
			{"name":"items","value":[{"externalItemId":"1","name":"n","quantity":1,"cost":5,"url":"http://a.example","imageUrl":"http://a.example/i"}]}]}`
		if r := apply("acme", bad); r.Outcome != orderhub.OrderEventIgnored || r.Reason.Code != orderhub.EOrderTotalMismatch {
			t.Fatalf("merged total: %+v", r)
		}
		// Push tokens identify the contact.
		byToken := strings.Replace(strings.Replace(created, `"Y-1"`, `"Y-2"`, 1), `{"name":"email","value":"Ann@Example.com"}`, `{"name":"externalCustomerId","value":"nobody"},{"name":"pushtoken","value":"tok-1"}`, 1)
		if r := apply("acme", byToken); r.Outcome != orderhub.OrderEventCreated || r.Order.CustomerID != c.ID {
			t.Fatalf("push token: %+v", r)
		}
		// Cancel: unknown order ignored; known order cancelled once.
		if r := apply("acme", `{"eventTypeKey":"orderCancelled","keyValue":"k","params":[{"name":"externalOrderId","value":"nope"}]}`); r.Reason == nil || r.Reason.Code != orderhub.EOrderNotFound {
			t.Fatalf("cancel unknown: %+v", r)
		}
		cancel := `{"eventTypeKey":"orderCancelled","keyValue":"k","params":[{"name":"externalOrderId","value":"Y-1"}]}`
		if r := apply("acme", cancel); r.Outcome != orderhub.OrderEventUpdated || r.Order.Status != orderhub.OrderCancelled {
			t.Fatalf("cancel: %+v", r)
		}
		if r := apply("acme", cancel); r.Outcome != orderhub.OrderEventUnchanged {
			t.Fatalf("cancel again: %+v", r)
		}
		if r := apply("other", cancel); r.Outcome != orderhub.OrderEventIgnored {
			t.Fatalf("cancel by another vendor: %+v", r)
		}
		ign, err := db.Connectors().ListIgnoredEvents(ctx, orderhub.IgnoredEventFilter{VendorID: "acme"})
		if err != nil || len(ign) != 3 {
			t.Fatalf("ignored: %d %v", len(ign), err)
		}
		for _, ig := range ign {
			if ig.Reason == orderhub.EContactNotFound && (ig.Count != 2 || !strings.Contains(string(ig.Body), `"Y-1"`)) {
				t.Fatalf("record %+v", ig)
			}
		}
		if l, _ := db.Connectors().ListIgnoredEvents(ctx, orderhub.IgnoredEventFilter{VendorID: "other"}); len(l) != 2 {
			t.Fatalf("other vendor's ignored: %d", len(l))
		}
		// Email of another contact under a known externalCustomerId: conflict.
		if _, _, err := hub.NewOrders(db).UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{Email: "bob@example.com", PublisherUserID: "AV2"}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := hub.NewOrders(db).UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{Email: "ann@example.com", PublisherUserID: "AV2"}}); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("conflict: %v", err)
		}
		if c2, isNew, err := hub.NewOrders(db).UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{Email: "ann@example.com", FirstName: "Ann", ExtraData: json.RawMessage(`{"seller":"tm"}`)}}); err != nil || isNew || c2.ID != c.ID || c2.FirstName != "Ann" {
			t.Fatalf("update contact: %+v %v %v", c2, isNew, err)
		}
		// Extra data of the contact is merged, not replaced.
		c3, _, err := hub.NewOrders(db).UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{Email: "ann@example.com", ExtraData: json.RawMessage(`{"yespoFields":[1]}`)}})
		if err != nil || !strings.Contains(string(c3.ExtraData), "seller") || !strings.Contains(string(c3.ExtraData), "yespoFields") {
			t.Fatalf("extra data %s %v", c3.ExtraData, err)
		}
	})
}

func TestYespoAccountStore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		if _, err := db.Connectors().SaveYespoAccount(ctx, "acme", "ftp://x", "k", nil); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("bad url: %v", err)
		}
		if _, err := db.Connectors().SaveYespoAccount(ctx, "acme", "https://yespo.io", "", nil); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("no key: %v", err)
		}
		if _, err := db.Connectors().SaveYespoAccount(ctx, "nope", "https://yespo.io", "k", nil); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("no vendor: %v", err)
		}
		a, err := db.Connectors().SaveYespoAccount(ctx, "acme", "https://yespo.io/", "sealed-1", []string{"order-created"})
		if err != nil || a.BaseURL != "https://yespo.io" || a.EndpointID == "" {
			t.Fatalf("%+v %v", a, err)
		}
		ep, err := db.Deliveries().GetEndpoint(ctx, "acme", a.EndpointID)
		if err != nil || ep.Kind != orderhub.EndpointYespo || ep.URL != "https://yespo.io" || len(ep.EventTypes) != 1 {
			t.Fatalf("endpoint %+v %v", ep, err)
		}
		b, err := db.Connectors().SaveYespoAccount(ctx, "acme", "https://esputnik.com", "", []string{"order-created", "order-updated"})
		if err != nil || b.EndpointID != a.EndpointID || b.SealedKey != "sealed-1" {
			t.Fatalf("update: %+v %v", b, err)
		}
		got, err := db.Connectors().YespoAccountByEndpoint(ctx, a.EndpointID)
		if err != nil || got.BaseURL != "https://esputnik.com" || got.SealedKey != "sealed-1" {
			t.Fatalf("by endpoint %+v %v", got, err)
		}
		if _, err := db.Connectors().GetYespoAccount(ctx, "other"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatal(err)
		}
		if err := db.Connectors().DeleteYespoAccount(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Connectors().GetYespoAccount(ctx, "acme"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatal(err)
		}
		if ep, _ := db.Deliveries().GetEndpoint(ctx, "acme", a.EndpointID); ep == nil || ep.DeletedAt == nil {
			t.Fatal("endpoint not deleted")
		}
	})
}
