package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// A change made with an audit record in its context writes its entry in the same
// transaction: a change that fails leaves none, a read-back of the row before and
// after masks secrets, and only the first write of a request records it.
func TestAuditEntriesAreWrittenWithTheirChange(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		bg := context.Background()
		actor := orderhub.Actor{Kind: orderhub.ActorUser, ID: "cu_1", Name: "ops", Via: orderhub.ViaConsole}
		with := func(action, rt, id string) (context.Context, *orderhub.Change) {
			c := &orderhub.Change{Actor: actor, Action: action, ResourceType: rt, ResourceID: id}
			return orderhub.WithChange(bg, c), c
		}
		ctx, c := with("vendor.create", "vendor", "acme")
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme", Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		if id, snap := c.EntryID(); id == "" || !snap {
			t.Fatalf("entry %q snapshot %v", id, snap)
		}
		// A conflict: no entry.
		ctx, c = with("vendor.create", "vendor", "acme")
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("second acme: %v", err)
		}
		if id, _ := c.EntryID(); id != "" {
			t.Fatalf("a failed change has entry %s", id)
		}
		// A client: the secret hash is masked; revoke shows before and after.
		cl := &orderhub.Client{ID: "cl1", VendorID: "acme", Scopes: []string{orderhub.ScopeEvents}}
		ctx, _ = with("client.create", "client", "cl1")
		if _, err := db.Tenants().CreateClient(ctx, cl); err != nil {
			t.Fatal(err)
		}
		ctx, _ = with("client.revoke", "client", "cl1")
		if err := db.Tenants().RevokeClient(ctx, "cl1"); err != nil {
			t.Fatal(err)
		}
		// A request: only its first write records (a second write is part of it).
		ctx, c = with("admin-token.create", "admin-token", "")
		c.Request = map[string]any{"name": "ci", "token": "oha_secret"}
		if _, _, err := db.Tenants().CreateAdminToken(ctx, "ci"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Tenants().CreateAdminToken(ctx, "ci2"); err != nil {
			t.Fatal(err)
		}
		pg, err := db.Admin().ListAudit(bg, orderhub.AuditFilter{}, orderhub.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range pg.Data {
			got = append(got, e.Action)
		}
		if strings.Join(got, " ") != "admin-token.create client.revoke client.create vendor.create" {
			t.Fatalf("entries: %v", got)
		}
		tokE, rev, cre, ven := pg.Data[0], pg.Data[1], pg.Data[2], pg.Data[3]
		if string(tokE.Before) != "null" || string(tokE.After) != `{"request":{"name":"ci","token":"[masked]"}}` {
			t.Fatalf("token entry: %s %s", tokE.Before, tokE.After)
		}
		if !strings.Contains(string(rev.Before), `"revoked_at":null`) || !strings.Contains(string(rev.After), `"revoked_at":"`) ||
			!strings.Contains(string(rev.After), `"secret_hash":"[masked]"`) || rev.VendorID != "acme" {
			t.Fatalf("revoke entry: %+v %s %s", rev, rev.Before, rev.After)
		}
		if string(cre.Before) != "null" || !strings.Contains(string(cre.After), `"scopes":"events"`) {
			t.Fatalf("create entry: %s", cre.After)
		}
		if ven.Actor != actor || ven.VendorID != "acme" || ven.ResourceID != "acme" || time.Since(ven.At) > time.Minute {
			t.Fatalf("vendor entry: %+v", ven)
		}
		// Filters: vendor, action prefix (its LIKE wildcards are literal), actor, time.
		for _, tc := range []struct {
			f    orderhub.AuditFilter
			want int
		}{
			{orderhub.AuditFilter{VendorID: "acme"}, 3},
			{orderhub.AuditFilter{Action: "client."}, 2},
			{orderhub.AuditFilter{Action: "client_"}, 0},
			{orderhub.AuditFilter{Action: "%."}, 0},
			{orderhub.AuditFilter{Actor: "ops"}, 4},
			{orderhub.AuditFilter{Actor: "cu_1", ResourceType: "client", ResourceID: "cl1"}, 2},
			{orderhub.AuditFilter{From: time.Now().Add(time.Hour)}, 0},
		} {
			pg, err := db.Admin().ListAudit(bg, tc.f, orderhub.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(pg.Data) != tc.want {
				t.Errorf("%+v: %d entries, want %d", tc.f, len(pg.Data), tc.want)
			}
		}
	})
}
