package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

func adminOrder(t *testing.T, db *sqlstore.DB, vendor, ext, email string) *orderhub.Order {
	t.Helper()
	o, _, err := hub.NewOrders(db).UpsertOrder(context.Background(), &orderhub.OrderInput{
		VendorID: vendor, ExternalOrderID: ext, Source: "test", Status: orderhub.OrderInitialized, Currency: "SEK",
		Customer: orderhub.Customer{Email: email}, Total: 9900,
		Items: []orderhub.OrderItem{{ExternalItemID: "1", Name: "Paper", Quantity: 1, Cost: 9900}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Paging on while rows are inserted never repeats or skips a row, and pages hold
// exactly what the filter selects.
func TestAdminListOrdersCursorIsStableUnderInserts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		c := deliverySetup(t, db)
		want := map[string]bool{}
		for i := range 25 {
			o := adminOrder(t, db, "acme", fmt.Sprintf("E-%d", i), fmt.Sprintf("b%d@example.com", i%3))
			want[o.ID] = true
			if i%4 == 0 { // several orders share a timestamp: ties break by id
				c.advance(time.Millisecond)
			}
		}
		adminOrder(t, db, "globex", "G-1", "b0@example.com")
		got := map[string]bool{}
		p := orderhub.Page{Limit: 10}
		pages := 0
		for {
			pg, err := db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{VendorID: "acme"}, p)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for i, o := range pg.Data {
				if got[o.ID] {
					t.Fatalf("order %s twice", o.ID)
				}
				if o.VendorID != "acme" {
					t.Fatalf("vendor filter leaked %+v", o)
				}
				if i > 0 && o.CreatedAt.After(pg.Data[i-1].CreatedAt) {
					t.Fatalf("not newest first")
				}
				got[o.ID] = true
			}
			// Inserts between pages are newer than the cursor and do not shift it.
			c.advance(time.Second)
			adminOrder(t, db, "acme", fmt.Sprintf("NEW-%d", pages), "new@example.com")
			if pg.NextCursor == "" {
				if len(pg.Data) == 0 && pages == 1 {
					t.Fatal("no orders")
				}
				break
			}
			p.Cursor = pg.NextCursor
		}
		if pages != 3 || len(got) != len(want) {
			t.Fatalf("pages %d, got %d orders, want %d", pages, len(got), len(want))
		}
		for id := range want {
			if !got[id] {
				t.Fatalf("order %s skipped", id)
			}
		}

		// Filters.
		pg, err := db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{Email: "B0@Example.com"}, orderhub.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		vendors := map[string]int{}
		for _, o := range pg.Data {
			vendors[o.VendorID]++
		}
		if vendors["acme"] != 9 || vendors["globex"] != 1 {
			t.Fatalf("email filter across vendors: %v", vendors)
		}
		pg, err = db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{VendorID: "globex", Email: "b1@example.com"}, orderhub.Page{})
		if err != nil || len(pg.Data) != 0 {
			t.Fatalf("email of another vendor: %+v %v", pg, err)
		}
		pg, err = db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{ExternalOrderID: "E-7"}, orderhub.Page{})
		if err != nil || len(pg.Data) != 1 || pg.Data[0].ExternalOrderID != "E-7" || pg.NextCursor != "" {
			t.Fatalf("externalOrderId: %+v %v", pg, err)
		}
		if _, err := hub.NewOrders(db).SetOrderStatus(ctx, "acme", "E-7", orderhub.OrderDelivered); err != nil {
			t.Fatal(err)
		}
		pg, err = db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{Status: "delivered"}, orderhub.Page{})
		if err != nil || len(pg.Data) != 1 || pg.Data[0].ExternalOrderID != "E-7" {
			t.Fatalf("status: %+v %v", pg, err)
		}
		first := pg.Data[0]
		all, err := db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{}, orderhub.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		oldest := all.Data[len(all.Data)-1].CreatedAt
		pg, err = db.Admin().AdminListOrders(ctx, orderhub.AdminFilter{From: oldest, To: oldest.Add(time.Microsecond)}, orderhub.Page{})
		if err != nil || len(pg.Data) == 0 || len(pg.Data) >= len(all.Data) {
			t.Fatalf("time range: %d of %d, %v", len(pg.Data), len(all.Data), err)
		}
		for _, o := range pg.Data {
			if !o.CreatedAt.Equal(oldest) {
				t.Fatalf("time range let %v through", o.CreatedAt)
			}
		}
		if got, err := db.Admin().AdminGetOrder(ctx, first.ID); err != nil || got.ExternalOrderID != "E-7" {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := db.Admin().AdminGetOrder(ctx, "ord_nope"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("get unknown: %v", err)
		}
	})
}

func TestAdminListRefusesBadPages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		deliverySetup(t, db)
		for _, p := range []orderhub.Page{{Limit: -1}, {Limit: orderhub.MaxPageLimit + 1}, {Cursor: "%%%"}, {Cursor: "eyJ4Ijoi"}, {Cursor: "bm90IGpzb24"}} {
			_, err := db.Admin().AdminListVendors(ctx, p)
			e, ok := err.(*orderhub.Error)
			if !ok || e.Code != orderhub.EInvalidRequest || (e.Field != "limit" && e.Field != "cursor") {
				t.Fatalf("%+v: %v", p, err)
			}
		}
		// A cursor of one listing is refused by another.
		pg, err := db.Admin().AdminListVendors(ctx, orderhub.Page{Limit: 1})
		if err != nil || len(pg.Data) != 1 || pg.NextCursor == "" {
			t.Fatalf("%+v %v", pg, err)
		}
		if _, err := db.Admin().AdminListCustomers(ctx, orderhub.AdminFilter{}, orderhub.Page{Cursor: pg.NextCursor}); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("foreign cursor: %v", err)
		}
		next, err := db.Admin().AdminListVendors(ctx, orderhub.Page{Limit: 1, Cursor: pg.NextCursor})
		if err != nil || len(next.Data) != 1 || next.Data[0].ID == pg.Data[0].ID || next.NextCursor != "" {
			t.Fatalf("second vendor page: %+v %v", next, err)
		}
		if _, err := db.Admin().AdminListClients(ctx, orderhub.AdminFilter{Status: "sleeping"}, orderhub.Page{}); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("client status: %v", err)
		}
	})
}

func TestAdminListsOfEveryEntity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		c := deliverySetup(t, db)
		var clients []string
		for i := range 3 {
			cl := &orderhub.Client{VendorID: []string{"acme", "globex", "acme"}[i], Scopes: []string{orderhub.ScopeEvents}}
			if _, err := db.Tenants().CreateClient(ctx, cl); err != nil {
				t.Fatal(err)
			}
			clients = append(clients, cl.ID)
			c.advance(time.Millisecond)
		}
		if err := db.Tenants().RevokeClient(ctx, clients[2]); err != nil {
			t.Fatal(err)
		}
		cp, err := db.Admin().AdminListClients(ctx, orderhub.AdminFilter{VendorID: "acme", Status: "active"}, orderhub.Page{})
		if err != nil || len(cp.Data) != 1 || cp.Data[0].ID != clients[0] {
			t.Fatalf("clients: %+v %v", cp, err)
		}
		for i, code := range []string{"A", "B", "C"} {
			if err := db.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: []string{"acme", "acme", "globex"}[i], Code: code, ProductName: "P", Price: "1", Currency: "SEK", BillingPeriod: "month", Delivery: "digital"}); err != nil {
				t.Fatal(err)
			}
		}
		var codes []string
		p := orderhub.Page{Limit: 1}
		for {
			pg, err := db.Admin().AdminListPromoCodes(ctx, orderhub.AdminFilter{}, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, pc := range pg.Data {
				codes = append(codes, pc.VendorID+"/"+pc.Code)
			}
			if pg.NextCursor == "" {
				break
			}
			p.Cursor = pg.NextCursor
		}
		slices.Sort(codes)
		if fmt.Sprint(codes) != "[acme/A acme/B globex/C]" {
			t.Fatalf("promo codes paged: %v", codes)
		}

		o := adminOrder(t, db, "acme", "X-1", "x@example.com")
		cs, err := db.Admin().AdminListCustomers(ctx, orderhub.AdminFilter{Email: "X@example.com"}, orderhub.Page{})
		if err != nil || len(cs.Data) != 1 || cs.Data[0].ID != o.CustomerID {
			t.Fatalf("customers: %+v %v", cs, err)
		}
		evs, err := db.Admin().AdminListEvents(ctx, orderhub.AdminFilter{VendorID: "acme", OrderingKey: o.CustomerID}, orderhub.Page{Limit: 1})
		if err != nil || len(evs.Data) != 1 || evs.NextCursor == "" || evs.Data[0].Type != "order-created" {
			t.Fatalf("events page 1: %+v %v", evs, err)
		}
		evs2, err := db.Admin().AdminListEvents(ctx, orderhub.AdminFilter{VendorID: "acme", OrderingKey: o.CustomerID}, orderhub.Page{Limit: 1, Cursor: evs.NextCursor})
		if err != nil || len(evs2.Data) != 1 || evs2.Data[0].Type != "customer-created" || evs2.NextCursor != "" {
			t.Fatalf("events page 2: %+v %v", evs2, err)
		}
		if ev, err := db.Admin().AdminGetEvent(ctx, evs2.Data[0].ID); err != nil || ev.Seq != evs2.Data[0].Seq {
			t.Fatalf("get event: %+v %v", ev, err)
		}
		byType, err := db.Admin().AdminListEvents(ctx, orderhub.AdminFilter{Type: "order-created"}, orderhub.Page{})
		if err != nil || len(byType.Data) != 1 {
			t.Fatalf("events by type: %+v %v", byType, err)
		}
		if _, err := db.Admin().AdminGetCustomer(ctx, o.CustomerID); err != nil {
			t.Fatal(err)
		}
		con, err := db.Admin().AdminListContracts(ctx, orderhub.AdminFilter{Email: "x@example.com"}, orderhub.Page{})
		if err != nil || len(con.Data) != 0 {
			t.Fatalf("contracts: %+v %v", con, err)
		}
	})
}

func TestCustomerTimelineAndTestEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		c := deliverySetup(t, db)
		ep := mkEndpoint(t, db, "acme")
		other := mkEndpoint(t, db, "acme")
		o := adminOrder(t, db, "acme", "T-1", "t@example.com")
		c.advance(time.Second)
		if _, err := hub.NewOrders(db).SetOrderStatus(ctx, "acme", "T-1", orderhub.OrderDelivered); err != nil {
			t.Fatal(err)
		}
		tl, err := db.Admin().CustomerTimeline(ctx, o.CustomerID, 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for i, e := range tl {
			kinds[e.Kind]++
			if i > 0 && e.At.After(tl[i-1].At) {
				t.Fatalf("timeline not newest first: %+v", tl)
			}
			if e.VendorID != "acme" {
				t.Fatalf("entry of another vendor: %+v", e)
			}
		}
		// customer-created, order-created, order-updated; each to two endpoints.
		if kinds["customer"] != 1 || kinds["order"] != 1 || kinds["event"] != 3 || kinds["delivery"] != 6 {
			t.Fatalf("timeline kinds %v: %+v", kinds, tl)
		}
		if tl, err := db.Admin().CustomerTimeline(ctx, o.CustomerID, 2); err != nil || len(tl) != 2 {
			t.Fatalf("limited timeline: %d %v", len(tl), err)
		}
		if _, err := db.Admin().CustomerTimeline(ctx, "cus_nope", 10); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown customer: %v", err)
		}

		d, err := db.Admin().SendTestEvent(ctx, "acme", ep.ID)
		if err != nil || d.EndpointID != ep.ID || d.EventType != orderhub.EventEndpointTest || d.Status != orderhub.DeliveryPending {
			t.Fatalf("test event: %+v %v", d, err)
		}
		ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EventID: d.EventID})
		if err != nil || len(ds) != 1 {
			t.Fatalf("the test event went to %d deliveries (want only %s, not %s): %v", len(ds), ep.ID, other.ID, err)
		}
		if _, err := db.Admin().SendTestEvent(ctx, "globex", ep.ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's endpoint: %v", err)
		}
		if _, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", ep.ID, false, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Admin().SendTestEvent(ctx, "", ep.ID); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("disabled endpoint: %v", err)
		}

		dash, err := db.Admin().DashboardStats(ctx, 15)
		if err != nil {
			t.Fatal(err)
		}
		if len(dash.OrdersPerMinute) != 15 || dash.OrdersPerMinute[14]+dash.OrdersPerMinute[13] != 1 || dash.QueueDepth == 0 || dash.OldestPending == nil {
			t.Fatalf("dashboard: %+v", dash)
		}
		if len(dash.Failing) != 1 || dash.Failing[0].ID != ep.ID {
			t.Fatalf("failing endpoints: %+v", dash.Failing)
		}
		if _, err := db.Admin().DashboardStats(ctx, 0); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("minutes 0: %v", err)
		}
	})
}

func TestConsoleUsersAndSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		c := newClock(db)
		if _, err := db.Admin().CreateConsoleUser(ctx, "ops", "short"); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("short password: %v", err)
		}
		if _, err := db.Admin().CreateConsoleUser(ctx, "bad name", "long enough password"); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("bad username: %v", err)
		}
		u, err := db.Admin().CreateConsoleUser(ctx, "ops", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Admin().CreateConsoleUser(ctx, "ops", "another long password"); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("duplicate: %v", err)
		}
		for _, bad := range [][2]string{{"ops", "wrong password!!"}, {"nobody", "correct horse battery"}, {"ops\x00", "x"}} {
			if _, _, err := db.Admin().ConsoleLogin(ctx, bad[0], bad[1], time.Hour); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
				t.Fatalf("login %q: %v", bad[0], err)
			}
		}
		tok, s, err := db.Admin().ConsoleLogin(ctx, "ops", "correct horse battery", time.Hour)
		if err != nil || s.UserID != u.ID || s.CSRFToken == "" || tok == "" {
			t.Fatalf("login: %+v %v", s, err)
		}
		got, err := db.Admin().ConsoleSessionByToken(ctx, tok)
		if err != nil || got.Username != "ops" || got.CSRFToken != s.CSRFToken {
			t.Fatalf("session: %+v %v", got, err)
		}
		c.advance(2 * time.Hour)
		if _, err := db.Admin().ConsoleSessionByToken(ctx, tok); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("expired session: %v", err)
		}
		tok, _, err = db.Admin().ConsoleLogin(ctx, "ops", "correct horse battery", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Admin().ConsoleLogout(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Admin().ConsoleSessionByToken(ctx, tok); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("after logout: %v", err)
		}
		tok, _, _ = db.Admin().ConsoleLogin(ctx, "ops", "correct horse battery", time.Hour)
		if err := db.Admin().SetConsoleUserDisabled(ctx, "ops", true); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("disabling the last active operator: %v", err)
		}
		if _, err := db.Admin().CreateConsoleUser(ctx, "ops2", "another long password"); err != nil {
			t.Fatal(err)
		}
		if err := db.Admin().SetConsoleUserDisabled(ctx, "ops", true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Admin().ConsoleSessionByToken(ctx, tok); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("disabled user's session: %v", err)
		}
		if _, _, err := db.Admin().ConsoleLogin(ctx, "ops", "correct horse battery", time.Hour); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("disabled user's login: %v", err)
		}
		us, err := db.Admin().ListConsoleUsers(ctx)
		if err != nil || len(us) != 2 || us[0].DisabledAt == nil || us[1].DisabledAt != nil {
			t.Fatalf("users: %+v %v", us, err)
		}
	})
}

// Console users change role, password and state and are deleted, and the console
// always keeps an active operator: the last one is not demoted, disabled or
// deleted (a disabled operator does not count).
func TestConsoleUserManagement(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mkVendor(t, db, "acme")
		for _, u := range []string{"ana", "bo"} {
			if _, err := db.Admin().CreateConsoleUser(ctx, u, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Admin().CreateScopedConsoleUser(ctx, "cy", "correct horse battery", orderhub.RoleVendorAdmin, "nope"); orderhub.ErrorCode(err) != orderhub.ENotFound || err.(*orderhub.Error).Field != "vendorId" {
			t.Fatalf("a vendor role of an unknown vendor: %v", err)
		}
		// Roles: validated as at creation.
		for _, bad := range []struct{ role, vendor, code string }{
			{"root", "", orderhub.EInvalidRequest}, {orderhub.RoleVendorAdmin, "", orderhub.EInvalidRequest},
			{orderhub.RoleOperator, "acme", orderhub.EInvalidRequest}, {orderhub.RoleVendorViewer, "nope", orderhub.ENotFound},
		} {
			if _, err := db.Admin().SetConsoleUserRole(ctx, "ana", bad.role, bad.vendor); orderhub.ErrorCode(err) != bad.code {
				t.Fatalf("role %q vendor %q: %v", bad.role, bad.vendor, err)
			}
		}
		if _, err := db.Admin().SetConsoleUserRole(ctx, "nobody", orderhub.RoleOperator, ""); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("an unknown user: %v", err)
		}
		u, err := db.Admin().SetConsoleUserRole(ctx, "ana", orderhub.RoleVendorAdmin, "acme")
		if err != nil || u.Role != orderhub.RoleVendorAdmin || u.VendorID != "acme" {
			t.Fatalf("ana to vendor-admin: %+v %v", u, err)
		}
		// bo is the last active operator now.
		for what, err := range map[string]error{
			"demote": func() error {
				_, err := db.Admin().SetConsoleUserRole(ctx, "bo", orderhub.RoleVendorViewer, "acme")
				return err
			}(),
			"disable": db.Admin().SetConsoleUserDisabled(ctx, "bo", true),
			"delete":  db.Admin().DeleteConsoleUser(ctx, "bo"),
		} {
			if orderhub.ErrorCode(err) != orderhub.EConflict || !strings.Contains(err.Error(), "last active operator") {
				t.Fatalf("%s the last operator: %v", what, err)
			}
		}
		if _, err := db.Admin().SetConsoleUserRole(ctx, "bo", orderhub.RoleOperator, ""); err != nil {
			t.Fatalf("the last operator keeps its role: %v", err)
		}
		// A disabled operator does not count; an enabled one does.
		if _, err := db.Admin().SetConsoleUserRole(ctx, "ana", orderhub.RoleOperator, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.Admin().SetConsoleUserDisabled(ctx, "ana", true); err != nil {
			t.Fatal(err)
		}
		if err := db.Admin().DeleteConsoleUser(ctx, "bo"); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("delete bo while ana is disabled: %v", err)
		}
		if err := db.Admin().DeleteConsoleUser(ctx, "ana"); err != nil {
			t.Fatalf("delete a disabled operator: %v", err)
		}
		// Passwords: checked as at creation; a new one ends the sessions.
		tok, _, err := db.Admin().ConsoleLogin(ctx, "bo", "correct horse battery", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Admin().SetConsoleUserPassword(ctx, "bo", "short"); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("short password: %v", err)
		}
		if _, err := db.Admin().ConsoleSessionByToken(ctx, tok); err != nil {
			t.Fatalf("a refused password ended the session: %v", err)
		}
		if err := db.Admin().SetConsoleUserPassword(ctx, "bo", "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Admin().ConsoleSessionByToken(ctx, tok); err == nil {
			t.Fatal("the session outlived the new password")
		}
		if _, _, err := db.Admin().ConsoleLogin(ctx, "bo", "correct horse battery", time.Hour); err == nil {
			t.Fatal("the old password still works")
		}
		// Delete: with its sessions.
		if _, err := db.Admin().CreateScopedConsoleUser(ctx, "cy", "correct horse battery", orderhub.RoleVendorViewer, "acme"); err != nil {
			t.Fatal(err)
		}
		tok, _, _ = db.Admin().ConsoleLogin(ctx, "cy", "correct horse battery", time.Hour)
		if err := db.Admin().DeleteConsoleUser(ctx, "cy"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Admin().ConsoleSessionByToken(ctx, tok); err == nil {
			t.Fatal("the session outlived its user")
		}
		if _, err := db.Admin().GetConsoleUser(ctx, "cy"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("deleted user: %v", err)
		}
		if err := db.Admin().DeleteConsoleUser(ctx, "cy"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("delete twice: %v", err)
		}
	})
}
