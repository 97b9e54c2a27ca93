package sqlstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

func smInput(id, vendor, group string) *orderhub.SalesmanagoAccountInput {
	in := &orderhub.SalesmanagoAccountInput{ID: id, GroupKey: group, BaseURL: "https://app3.salesmanago.com", ClientID: "cid",
		APISecret: "secret", Owner: "owner@shop.example", APIKey: "v3", CatalogID: "cat"}
	in.VendorID = vendor
	if err := orderhub.ValidateSalesmanagoAccount(in); err != nil {
		panic(err)
	}
	return in
}

func TestSalesmanagoAccounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mkVendor(t, db, "acme", "other")
		rec, err := db.Connectors().CreateSalesmanagoAccount(ctx, smInput("sm_a", "acme", "acme-main"), "v1:sealed-secret", "v1:sealed-key")
		if err != nil {
			t.Fatal(err)
		}
		if rec.EndpointID != "sm_a" || !rec.HasAPIKey || !rec.Enabled || rec.V3BaseURL != orderhub.SalesmanagoDefaultV3BaseURL {
			t.Fatalf("account %+v", rec)
		}
		b, _ := json.Marshal(rec)
		if strings.Contains(string(b), "sealed") {
			t.Fatalf("secrets in JSON: %s", b)
		}
		// group_key is unique across vendors; the endpoint carries the sync types.
		if _, err := db.Connectors().CreateSalesmanagoAccount(ctx, smInput("sm_b", "other", "acme-main"), "s", ""); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("duplicate group key: %v", err)
		}
		if _, err := db.Connectors().CreateSalesmanagoAccount(ctx, smInput("sm_a", "other", "other-main"), "s", ""); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("duplicate id: %v", err)
		}
		if _, err := db.Connectors().CreateSalesmanagoAccount(ctx, smInput("sm_x", "nobody", "x"), "s", ""); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown vendor: %v", err)
		}
		ep, err := db.Deliveries().GetEndpoint(ctx, "acme", "sm_a")
		if err != nil || ep.Kind != orderhub.EndpointSalesmanago || strings.Join(ep.EventTypes, " ") != "contract-canceled contract-confirmed customer-created customer-updated order-created" {
			t.Fatalf("endpoint %+v %v", ep, err)
		}
		got, err := db.Connectors().SalesmanagoAccountByGroupKey(ctx, "acme-main")
		if err != nil || got.ID != "sm_a" || got.SealedSecret != "v1:sealed-secret" || got.SealedAPIKey != "v1:sealed-key" {
			t.Fatalf("by group key: %+v %v", got, err)
		}
		if _, err := db.Connectors().GetSalesmanagoAccount(ctx, "other", "sm_a"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's account: %v", err)
		}
		if l, _ := db.Connectors().ListSalesmanagoAccounts(ctx, "other"); len(l) != 0 {
			t.Fatalf("other vendor lists %d accounts", len(l))
		}

		// Updating keeps the secrets unless new ones are given, and moves the endpoint.
		upd := smInput("sm_a", "acme", "acme-main")
		upd.BaseURL, upd.Owner = "https://app1.salesmanago.com", "new@shop.example"
		got, err = db.Connectors().UpdateSalesmanagoAccount(ctx, "acme", "sm_a", upd, nil, nil)
		if err != nil || got.BaseURL != upd.BaseURL || got.Owner != upd.Owner || got.SealedSecret != "v1:sealed-secret" || got.SealedAPIKey != "v1:sealed-key" {
			t.Fatalf("update without secrets: %+v %v", got, err)
		}
		newSecret, noKey := "v1:rotated", ""
		if got, err = db.Connectors().UpdateSalesmanagoAccount(ctx, "acme", "sm_a", upd, &newSecret, &noKey); err != nil || got.SealedSecret != newSecret || got.HasAPIKey {
			t.Fatalf("update with secrets: %+v %v", got, err)
		}
		if ep, _ := db.Deliveries().GetEndpoint(ctx, "acme", "sm_a"); ep.URL != upd.BaseURL {
			t.Fatalf("endpoint URL %q", ep.URL)
		}
		if _, err := db.Connectors().UpdateSalesmanagoAccount(ctx, "other", "sm_a", upd, nil, nil); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("update by another vendor: %v", err)
		}

		// A webhook of every event type, to check that forwarded requests reach only
		// their account.
		hook := &orderhub.Endpoint{VendorID: "acme", URL: "https://hooks.example/x"}
		if err := db.Deliveries().CreateEndpoint(ctx, hook); err != nil {
			t.Fatal(err)
		}
		req, err := hub.NewOrders(db).AppendSalesmanagoRequest(ctx, "acme", "sm_a", orderhub.EventSMContactUpsert, "contact:a@b.se", map[string]string{"email": "a@b.se"})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", EventID: req.Event.ID})
		if err != nil || len(ds) != 1 || ds[0].EndpointID != "sm_a" || ds[0].ID != req.DeliveryID || ds[0].OrderingKey != "contact:a@b.se" {
			t.Fatalf("deliveries of a forwarded request: %+v %v", ds, err)
		}
		if _, err := hub.NewOrders(db).AppendSalesmanagoRequest(ctx, "other", "sm_a", orderhub.EventSMContactUpsert, "k", nil); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's account: %v", err)
		}
		if ev, err := db.Connectors().GetSalesmanagoRequestEvent(ctx, "acme", req.Event.ID); err != nil || ev.Type != orderhub.EventSMContactUpsert {
			t.Fatalf("request event %+v %v", ev, err)
		}
		if _, err := db.Connectors().GetSalesmanagoRequestEvent(ctx, "other", req.Event.ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's request: %v", err)
		}

		// Replaying everything since a time gives the webhook no forwarded request.
		if _, err := db.Deliveries().ReplaySince(ctx, "acme", hook.ID, req.Event.CreatedAt.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Deliveries().ReplaySince(ctx, "acme", "", req.Event.CreatedAt.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if ds, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", EventID: req.Event.ID}); len(ds) != 1 || ds[0].EndpointID != "sm_a" {
			t.Fatalf("after replays, a forwarded request went to %+v", ds)
		}

		// orderhub's own events reach the account through the fan-out, by its types.
		ev, err := db.Deliveries().AppendEvent(ctx, "acme", orderhub.EventCustomerCreated, "cust-1", json.RawMessage(`{"email":"a@b.se"}`))
		if err != nil {
			t.Fatal(err)
		}
		if ds, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", EventID: ev.ID}); len(ds) != 2 {
			t.Fatalf("customer-created went to %d endpoints, want the webhook and the account", len(ds))
		}
		ev, _ = db.Deliveries().AppendEvent(ctx, "acme", orderhub.EventSurveyCreated, "s-1", nil)
		if ds, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", EventID: ev.ID}); len(ds) != 1 || ds[0].EndpointID != hook.ID {
			t.Fatalf("survey-created deliveries %+v", ds)
		}

		// A mapping without contacts and events syncs nothing (not everything).
		off := false
		rec, err = db.Connectors().UpdateSalesmanagoMapping(ctx, "acme", "sm_a", &orderhub.SalesmanagoMapping{SyncContacts: &off, Events: map[string]orderhub.SalesmanagoEventMapping{}})
		if err != nil || rec.Mapping.ContactsSynced() {
			t.Fatalf("mapping %+v %v", rec, err)
		}
		ev, _ = db.Deliveries().AppendEvent(ctx, "acme", orderhub.EventCustomerCreated, "cust-2", nil)
		if ds, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", EventID: ev.ID}); len(ds) != 1 {
			t.Fatalf("an account that syncs nothing received customer-created (%d deliveries)", len(ds))
		}

		// A disabled account accepts no forwarded requests.
		if _, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", "sm_a", false, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := hub.NewOrders(db).AppendSalesmanagoRequest(ctx, "acme", "sm_a", orderhub.EventSMContactUpsert, "k", nil); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("disabled account: %v", err)
		}
		if _, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", "sm_a", true, ""); err != nil {
			t.Fatal(err)
		}
		if req, err = hub.NewOrders(db).AppendSalesmanagoRequest(ctx, "acme", "sm_a", orderhub.EventSMContactDelete, "contact:a@b.se", nil); err != nil {
			t.Fatal(err)
		}

		// Deleting frees the group key and cancels what was pending.
		if err := db.Connectors().DeleteSalesmanagoAccount(ctx, "other", "sm_a"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("delete by another vendor: %v", err)
		}
		if err := db.Connectors().DeleteSalesmanagoAccount(ctx, "acme", "sm_a"); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.Deliveries().GetDelivery(ctx, "acme", req.DeliveryID); d.Status != orderhub.DeliveryCanceled {
			t.Fatalf("pending delivery after delete: %s", d.Status)
		}
		if _, err := db.Connectors().SalesmanagoAccountByGroupKey(ctx, "acme-main"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("deleted account found: %v", err)
		}
		if _, err := db.Connectors().CreateSalesmanagoAccount(ctx, smInput("sm_c", "other", "acme-main"), "s", ""); err != nil {
			t.Fatalf("reusing a freed group key: %v", err)
		}
	})
}
