package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

func init() { sqlstore.BcryptCost = bcrypt.MinCost } // fast hashes in tests

func TestZapierUsersAndLogin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "other", Name: "Other"}); err != nil {
			t.Fatal(err)
		}
		u := &orderhub.ZapierUser{VendorID: "acme", Email: " Zap@Example.COM ", Name: "Zed"}
		if err := db.Catalog().CreateZapierUser(ctx, u, "correct horse"); err != nil {
			t.Fatal(err)
		}
		if u.Email != "zap@example.com" || u.ID == "" {
			t.Fatalf("user %+v", u)
		}
		// E-mails are unique across vendors; passwords and e-mails are validated.
		if err := db.Catalog().CreateZapierUser(ctx, &orderhub.ZapierUser{VendorID: "other", Email: "zap@example.com"}, "another pass"); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		if err := db.Catalog().CreateZapierUser(ctx, &orderhub.ZapierUser{VendorID: "acme", Email: "short@example.com"}, "short"); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("short password: %v", err)
		}
		if err := db.Catalog().CreateZapierUser(ctx, &orderhub.ZapierUser{VendorID: "acme", Email: "not-an-email"}, "long enough"); orderhub.ErrorCode(err) != orderhub.EInvalidEmail {
			t.Fatalf("bad e-mail: %v", err)
		}
		if err := db.Catalog().CreateZapierUser(ctx, &orderhub.ZapierUser{VendorID: "nope", Email: "x@example.com"}, "long enough"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown vendor: %v", err)
		}

		for _, bad := range []struct{ email, pw string }{{"zap@example.com", "wrong password"}, {"nobody@example.com", "correct horse"}, {"", ""}} {
			if _, _, _, err := db.Catalog().ZapierLogin(ctx, bad.email, bad.pw, "zapier", time.Hour); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
				t.Fatalf("login %q: %v", bad.email, err)
			}
		}
		got, tok, sess, err := db.Catalog().ZapierLogin(ctx, "ZAP@example.com", "correct horse", "zapier", time.Hour)
		if err != nil || got.ID != u.ID || sess.VendorID != "acme" || sess.IntegrationUUID == "" || len(tok) < 40 {
			t.Fatalf("login: %+v %q %+v %v", got, tok, sess, err)
		}
		// One integration uuid per vendor and integration.
		_, tok2, sess2, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "correct horse", "zapier", time.Hour)
		if err != nil || sess2.IntegrationUUID != sess.IntegrationUUID || tok2 == tok {
			t.Fatalf("second login: %+v %v", sess2, err)
		}
		s, su, err := db.Catalog().ZapierSessionByToken(ctx, tok)
		if err != nil || s.UserID != u.ID || su.Email != u.Email || s.IntegrationUUID != sess.IntegrationUUID {
			t.Fatalf("session: %+v %+v %v", s, su, err)
		}
		for _, bad := range []string{"", "ohz_nope", tok + "x", "Bearer " + tok} {
			if _, _, err := db.Catalog().ZapierSessionByToken(ctx, bad); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
				t.Fatalf("token %q: %v", bad, err)
			}
		}
		if err := db.Catalog().RevokeZapierSession(ctx, tok2); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Catalog().ZapierSessionByToken(ctx, tok2); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("revoked token: %v", err)
		}
		// Expiry.
		_, short, _, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "correct horse", "zapier", time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		now := db.Now
		db.Now = func() time.Time { return now().Add(2 * time.Second) }
		if _, _, err := db.Catalog().ZapierSessionByToken(ctx, short); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("expired token: %v", err)
		}
		db.Now = now

		users, err := db.Catalog().ListZapierUsers(ctx, "acme")
		if err != nil || len(users) != 1 {
			t.Fatalf("users %+v %v", users, err)
		}
		if others, _ := db.Catalog().ListZapierUsers(ctx, "other"); len(others) != 0 {
			t.Fatal("another vendor lists the user")
		}
		if err := db.Catalog().DeleteZapierUser(ctx, "other", u.ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("delete by another vendor: %v", err)
		}
		if err := db.Catalog().DeleteZapierUser(ctx, "acme", u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Catalog().ZapierSessionByToken(ctx, tok); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("token of a deleted user: %v", err)
		}
	})
}

// SetZapierUserPassword replaces the hash and ends the user's sessions, only within
// the user's vendor; a short password changes nothing.
func TestSetZapierUserPassword(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "other", Name: "Other"}); err != nil {
			t.Fatal(err)
		}
		u := &orderhub.ZapierUser{ID: "zu-chosen-id", VendorID: "acme", Email: "zap@example.com"}
		if err := db.Catalog().CreateZapierUser(ctx, u, "correct horse"); err != nil || u.ID != "zu-chosen-id" {
			t.Fatalf("create with a given id: %+v %v", u, err)
		}
		_, tok, _, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "correct horse", "zapier", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Catalog().SetZapierUserPassword(ctx, "acme", u.ID, "short"); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("short password: %v", err)
		}
		if _, err := db.Catalog().SetZapierUserPassword(ctx, "other", u.ID, "battery staple"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's user: %v", err)
		}
		if _, _, err := db.Catalog().ZapierSessionByToken(ctx, tok); err != nil {
			t.Fatalf("the refused changes ended the session: %v", err)
		}
		got, err := db.Catalog().SetZapierUserPassword(ctx, "acme", u.ID, "battery staple")
		if err != nil || got.ID != u.ID || got.Email != u.Email {
			t.Fatalf("set: %+v %v", got, err)
		}
		if _, _, err := db.Catalog().ZapierSessionByToken(ctx, tok); err == nil {
			t.Fatal("the session survived the new password")
		}
		if _, _, _, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "correct horse", "zapier", time.Hour); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("old password: %v", err)
		}
		if _, _, _, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "battery staple", "zapier", time.Hour); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}

// UpdateZapierUser changes the e-mail and name within the user's vendor; a taken
// e-mail (of any vendor) is a conflict and changes nothing.
func TestUpdateZapierUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "other", Name: "Other"}); err != nil {
			t.Fatal(err)
		}
		u := &orderhub.ZapierUser{VendorID: "acme", Email: "zap@example.com", Name: "Zed"}
		o := &orderhub.ZapierUser{VendorID: "other", Email: "taken@example.com"}
		for _, x := range []*orderhub.ZapierUser{u, o} {
			if err := db.Catalog().CreateZapierUser(ctx, x, "correct horse"); err != nil {
				t.Fatal(err)
			}
		}
		str := func(s string) *string { return &s }
		if _, err := db.Catalog().UpdateZapierUser(ctx, "acme", u.ID, str("TAKEN@example.com"), str("New")); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("taken e-mail: %v", err)
		}
		if _, err := db.Catalog().UpdateZapierUser(ctx, "other", u.ID, nil, str("x")); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's user: %v", err)
		}
		if got, _ := db.Catalog().GetZapierUser(ctx, "acme", u.ID); got.Email != "zap@example.com" || got.Name != "Zed" {
			t.Fatalf("a refused update changed %+v", got)
		}
		got, err := db.Catalog().UpdateZapierUser(ctx, "acme", u.ID, str(" Zap2@Example.com "), nil)
		if err != nil || got.Email != "zap2@example.com" || got.Name != "Zed" {
			t.Fatalf("e-mail only: %+v %v", got, err)
		}
		if got, err = db.Catalog().UpdateZapierUser(ctx, "acme", u.ID, str("zap2@example.com"), str(" Zed Two ")); err != nil || got.Name != "Zed Two" {
			t.Fatalf("same e-mail, new name: %+v %v", got, err)
		}
		if _, _, _, err := db.Catalog().ZapierLogin(ctx, "zap2@example.com", "correct horse", "zapier", time.Hour); err != nil {
			t.Fatalf("login with the new e-mail: %v", err)
		}
	})
}

// A disabled Zapier user cannot log in (told so only after the right password) and
// loses their sessions; enabled again, the same password works. Another vendor's
// user is not found; setting the state a user is in changes nothing.
func TestSetZapierUserEnabled(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		u := &orderhub.ZapierUser{VendorID: "acme", Email: "zap@example.com"}
		if err := db.Catalog().CreateZapierUser(ctx, u, "correct horse"); err != nil {
			t.Fatal(err)
		}
		_, tok, _, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "correct horse", "zapier", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Catalog().SetZapierUserEnabled(ctx, "other", u.ID, false); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's user: %v", err)
		}
		got, err := db.Catalog().SetZapierUserEnabled(ctx, "acme", u.ID, false)
		if err != nil || got.DisabledAt == nil {
			t.Fatalf("disable: %+v %v", got, err)
		}
		if again, err := db.Catalog().SetZapierUserEnabled(ctx, "acme", u.ID, false); err != nil || !again.DisabledAt.Equal(*got.DisabledAt) {
			t.Fatalf("disable twice: %+v %v", again, err)
		}
		if _, _, err := db.Catalog().ZapierSessionByToken(ctx, tok); err == nil {
			t.Fatal("a disabled user's session lives on")
		}
		if _, _, _, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "correct horse", "zapier", time.Hour); err != orderhub.ErrZapierDisabled {
			t.Fatalf("login of a disabled user: %v", err)
		}
		if _, _, _, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "wrong horse", "zapier", time.Hour); err != orderhub.ErrZapierLogin {
			t.Fatalf("a wrong password of a disabled user: %v", err)
		}
		if l, _ := db.Catalog().ListZapierUsers(ctx, "acme"); len(l) != 1 || l[0].DisabledAt == nil {
			t.Fatalf("list: %+v", l)
		}
		if got, err = db.Catalog().SetZapierUserEnabled(ctx, "acme", u.ID, true); err != nil || got.DisabledAt != nil {
			t.Fatalf("enable: %+v %v", got, err)
		}
		if _, _, _, err := db.Catalog().ZapierLogin(ctx, "zap@example.com", "correct horse", "zapier", time.Hour); err != nil {
			t.Fatalf("login after enable: %v", err)
		}
	})
}

func TestZapierChannels(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "other", Name: "Other"}); err != nil {
			t.Fatal(err)
		}
		u := &orderhub.ZapierUser{VendorID: "acme", Email: "zap@example.com"}
		if err := db.Catalog().CreateZapierUser(ctx, u, "correct horse"); err != nil {
			t.Fatal(err)
		}
		_, _, sess, err := db.Catalog().ZapierLogin(ctx, u.Email, "correct horse", "zapier", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		ch := &orderhub.ZapierChannel{VendorID: "acme", IntegrationUUID: sess.IntegrationUUID, UserID: u.ID, Alias: "Zapier - Order created",
			Event: "order-created", URL: "https://hooks.zapier.com/hooks/standard/1/abc/", EventTypes: []string{orderhub.EventOrderCreated}}
		if err := db.Catalog().CreateZapierChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		// The channel is a zapier endpoint that receives exactly its event type.
		ep, err := db.Deliveries().GetEndpoint(ctx, "acme", ch.ID)
		if err != nil || ep.Kind != orderhub.EndpointZapier || ep.URL != ch.URL || len(ep.EventTypes) != 1 || ep.EventTypes[0] != "order-created" {
			t.Fatalf("endpoint %+v %v", ep, err)
		}
		if _, _, err := hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "1", Customer: orderhub.Customer{Email: "b@example.com"}}); err != nil {
			t.Fatal(err)
		}
		ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", EndpointID: ch.ID})
		if err != nil || len(ds) != 1 || ds[0].EventType != "order-created" {
			t.Fatalf("deliveries %+v %v", ds, err)
		}

		// Another vendor's integration, a bad URL: refused, nothing written.
		bad := *ch
		bad.ID, bad.VendorID = "", "other"
		if err := db.Catalog().CreateZapierChannel(ctx, &bad); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's integration: %v", err)
		}
		bad = *ch
		bad.ID, bad.URL = "", "ftp://x"
		if err := db.Catalog().CreateZapierChannel(ctx, &bad); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("bad url: %v", err)
		}
		if eps, _ := db.Deliveries().ListEndpoints(ctx, orderhub.EndpointFilter{VendorID: "other"}); len(eps) != 0 {
			t.Fatalf("endpoints written for a refused channel: %+v", eps)
		}

		got, err := db.Catalog().GetZapierChannel(ctx, "acme", ch.ID)
		if err != nil || got.Alias != ch.Alias || got.Event != "order-created" || got.URL != ch.URL {
			t.Fatalf("get %+v %v", got, err)
		}
		if _, err := db.Catalog().GetZapierChannel(ctx, "other", ch.ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor gets the channel: %v", err)
		}
		if l, _ := db.Catalog().ListZapierChannels(ctx, "acme"); len(l) != 1 {
			t.Fatalf("list %+v", l)
		}
		if err := db.Catalog().DeleteZapierChannel(ctx, "other", ch.ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor deletes the channel: %v", err)
		}
		if err := db.Catalog().DeleteZapierChannel(ctx, "acme", ch.ID); err != nil {
			t.Fatal(err)
		}
		// Deleting again succeeds (Zapier may unsubscribe after a 410 removed it).
		if err := db.Catalog().DeleteZapierChannel(ctx, "acme", ch.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.Catalog().DeleteZapierChannel(ctx, "acme", "no-such-channel"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown channel: %v", err)
		}
		if _, err := db.Catalog().GetZapierChannel(ctx, "acme", ch.ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("deleted channel: %v", err)
		}
		if ep, _ := db.Deliveries().GetEndpoint(ctx, "acme", ch.ID); ep.DeletedAt == nil {
			t.Fatal("endpoint not deleted")
		}
		// A deleted channel receives nothing more.
		if _, _, err := hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "2", Customer: orderhub.Customer{Email: "b@example.com"}}); err != nil {
			t.Fatal(err)
		}
		if ds, _ := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", EndpointID: ch.ID}); len(ds) != 1 {
			t.Fatalf("deliveries after unsubscribe: %+v", ds)
		}
	})
}

func TestCustomerStatsAndGetTransaction(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		c, err := hub.NewOrders(db).UpsertCustomer(ctx, "acme", orderhub.CustomerMatch{Email: "c@example.com"}, &orderhub.Customer{Email: "c@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range []*orderhub.Transaction{
			{VendorID: "acme", CustomerID: c.ID, Status: "approved", Amount: 1250, Currency: "SEK"},
			{VendorID: "acme", CustomerID: c.ID, Status: "approved", Amount: 750, Currency: "SEK"},
			{VendorID: "acme", CustomerID: c.ID, Status: "declined", Amount: 9900, Currency: "SEK"},
		} {
			if err := hub.NewOrders(db).RecordTransaction(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
		ltv, n, err := db.Catalog().CustomerStats(ctx, "acme", c.ID)
		if err != nil || ltv != 2000 || n != 0 {
			t.Fatalf("stats %v %v %v", ltv, n, err)
		}
		if ltv, _, _ := db.Catalog().CustomerStats(ctx, "other", c.ID); ltv != 0 {
			t.Fatal("another vendor's stats see the transactions")
		}
		l, _ := db.Orders().ListTransactions(ctx, orderhub.ListFilter{VendorID: "acme"})
		got, err := db.Catalog().GetTransaction(ctx, "acme", l[0].ID)
		if err != nil || got.ID != l[0].ID {
			t.Fatalf("get %+v %v", got, err)
		}
		if _, err := db.Catalog().GetTransaction(ctx, "other", l[0].ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("another vendor's transaction: %v", err)
		}
	})
}
