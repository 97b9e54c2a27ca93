package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// Quotas in the store, on both engines: each create path checks its quotas in its
// own transaction, usage is counted right, overrides are set and removed.
func TestQuotas(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mkVendor(t, db, "acme", "other")
		one := func(n int) *int { return &n }
		set := func(vendor string, m map[string]*int) *orderhub.VendorQuotas {
			t.Helper()
			q, err := db.Tenants().SetVendorQuotas(ctx, vendor, m)
			if err != nil {
				t.Fatal(err)
			}
			return q
		}
		usage := func(vendor, name string) orderhub.VendorQuota {
			t.Helper()
			q, err := db.Tenants().GetVendorQuotas(ctx, vendor)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range q.Quotas {
				if x.Name == name {
					return x
				}
			}
			t.Fatalf("no quota %s", name)
			return orderhub.VendorQuota{}
		}
		refused := func(what string, err error, name string) {
			t.Helper()
			if orderhub.ErrorCode(err) != orderhub.EQuotaExceeded || !strings.Contains(orderhub.ErrorMessage(err), name) {
				t.Fatalf("%s: %v, want QuotaExceededError naming %s", what, err, name)
			}
		}

		// Zapier: channels per user, and the vendor-wide endpoints quota.
		u := &orderhub.ZapierUser{VendorID: "acme", Email: "z@acme.example"}
		if err := db.Catalog().CreateZapierUser(ctx, u, "123456789"); err != nil {
			t.Fatal(err)
		}
		_, _, sess, err := db.Catalog().ZapierLogin(ctx, "z@acme.example", "123456789", "zapier", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		channel := func(user string) error {
			return db.Catalog().CreateZapierChannel(ctx, &orderhub.ZapierChannel{VendorID: "acme", IntegrationUUID: sess.IntegrationUUID, UserID: user,
				Alias: "Zapier", Event: "order-created", URL: "https://hooks.zapier.com/x", EventTypes: []string{orderhub.EventOrderCreated}})
		}
		set("acme", map[string]*int{orderhub.QuotaZapierChannelsPerUser: one(2), orderhub.QuotaEndpoints: one(3)})
		for range 2 {
			if err := channel(u.ID); err != nil {
				t.Fatal(err)
			}
		}
		refused("third channel of a user", channel(u.ID), orderhub.QuotaZapierChannelsPerUser)
		if err := channel("another-user"); err != nil {
			t.Fatal(err)
		}
		refused("fourth endpoint", channel("third-user"), orderhub.QuotaEndpoints)
		if q := usage("acme", orderhub.QuotaZapierChannelsPerUser); q.Used != 2 || q.Limit != 2 || !q.PerUser {
			t.Fatalf("zapier channel usage: %+v", q)
		}
		if q := usage("acme", orderhub.QuotaEndpoints); q.Used != 3 || q.Limit != 3 {
			t.Fatalf("endpoint usage: %+v", q)
		}
		// A webhook endpoint, a SALESmanago account and a Yespo account are endpoints too.
		refused("webhook at the endpoints quota", db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "acme", URL: "https://h.example/1"}), orderhub.QuotaEndpoints)
		_, err = db.Connectors().CreateSalesmanagoAccount(ctx, smInput("sm_q", "acme", "acme-q"), "s", "")
		refused("SALESmanago account at the endpoints quota", err, orderhub.QuotaEndpoints)
		_, err = db.Connectors().SaveYespoAccount(ctx, "acme", "https://api.yespo.example", "v1:key", nil)
		refused("Yespo account at the endpoints quota", err, orderhub.QuotaEndpoints)

		// Webhooks: their own limit, below the endpoints one.
		set("acme", map[string]*int{orderhub.QuotaEndpoints: nil, orderhub.QuotaWebhookEndpoints: one(1), orderhub.QuotaSalesmanagoAccounts: one(0)})
		if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "acme", URL: "https://h.example/2"}); err != nil {
			t.Fatal(err)
		}
		refused("second webhook", db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "acme", URL: "https://h.example/3"}), orderhub.QuotaWebhookEndpoints)
		_, err = db.Connectors().CreateSalesmanagoAccount(ctx, smInput("sm_q", "acme", "acme-q"), "s", "")
		refused("SALESmanago account over its limit", err, orderhub.QuotaSalesmanagoAccounts)
		if _, err := db.Connectors().SaveYespoAccount(ctx, "acme", "https://api.yespo.example", "v1:key", nil); err != nil {
			t.Fatal(err)
		}
		if q := usage("acme", orderhub.QuotaEndpoints); q.Used != 5 || q.Limit != 200 || q.Override != nil {
			t.Fatalf("endpoints after reset: %+v", q)
		}
		// The other vendor has the defaults.
		if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "other", URL: "https://h.example/o"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Connectors().CreateSalesmanagoAccount(ctx, smInput("sm_o", "other", "other-q"), "s", ""); err != nil {
			t.Fatal(err)
		}

		// Bad overrides are refused and change nothing.
		for _, m := range []map[string]*int{{"nope": one(1)}, {orderhub.QuotaProducts: one(-1)}, {orderhub.QuotaProducts: one(orderhub.MaxQuotaLimit + 1)}} {
			if _, err := db.Tenants().SetVendorQuotas(ctx, "acme", m); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
				t.Fatalf("%v: %v, want InvalidRequestError", m, err)
			}
		}
		if _, err := db.Tenants().SetVendorQuotas(ctx, "nobody", map[string]*int{orderhub.QuotaProducts: one(1)}); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown vendor: %v", err)
		}
		if _, err := db.Tenants().GetVendorQuotas(ctx, "nobody"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown vendor: %v", err)
		}
	})
}
