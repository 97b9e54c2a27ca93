package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// TestAlertTransitions (SQLite and PostgreSQL): an endpoint's alert state follows
// the recorded attempts — nothing for a fresh failure, endpoint.failing once it has
// failed long enough (or at a dead letter), nothing more while it stands or within
// the interval, endpoint.recovered at the next success, and endpoint.disabled when
// it is disabled; the admin representation shows health and the standing alert.
func TestAlertTransitions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clk := deliverySetup(t, db)
		ctx := context.Background()
		ep := mkEndpoint(t, db, "acme")
		opt := orderhub.CompleteOptions{AlertFailingAfter: 5 * time.Minute, AlertInterval: time.Hour, DisableAfter: 24 * time.Hour}
		kinds := func(rep orderhub.CompleteReport) (out []string) {
			for _, a := range rep.Alerts {
				if a.EndpointID != ep.ID || a.VendorID != "acme" {
					t.Fatalf("alert %+v", a)
				}
				out = append(out, a.Kind)
			}
			return out
		}
		step := func(o orderhub.Outcome, want ...string) {
			t.Helper()
			appendEv(t, db, "acme", "t", "k"+time.Now().String())
			cs := claim(t, db, 100)
			if len(cs) == 0 {
				t.Fatal("nothing to claim")
			}
			got := kinds(complete(t, db, opt, cs, o))
			if len(got) != len(want) || (len(want) == 1 && got[0] != want[0]) {
				t.Fatalf("alerts %v, want %v", got, want)
			}
		}
		health := func() (string, bool) {
			e, err := db.Deliveries().GetEndpoint(ctx, "acme", ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			return e.Health, e.AlertedAt != nil
		}
		step(orderhub.OutcomeRetry) // failing for 0 s: no alert
		if h, a := health(); h != "failing" || a {
			t.Fatalf("health %q, alerted %v", h, a)
		}
		clk.advance(6 * time.Minute)
		step(orderhub.OutcomeRetry, orderhub.AlertFailing)
		if h, a := health(); h != "failing" || !a {
			t.Fatalf("health %q, alerted %v", h, a)
		}
		clk.advance(10 * time.Minute)
		step(orderhub.OutcomeDead) // the alert stands: nothing more
		step(orderhub.OutcomeDelivered, orderhub.AlertRecovered)
		if h, a := health(); h != "healthy" || a {
			t.Fatalf("health %q, alerted %v", h, a)
		}
		// A dead letter alerts at once — but not within the interval of the last alert.
		clk.advance(time.Minute)
		step(orderhub.OutcomeDead)
		step(orderhub.OutcomeDelivered) // no alert stood: no recovery either
		clk.advance(2 * time.Hour)
		step(orderhub.OutcomeDead, orderhub.AlertFailing)
		// Disabled after failing a day: endpoint.disabled.
		clk.advance(25 * time.Hour)
		step(orderhub.OutcomeRetry, orderhub.AlertDisabled)
		if h, _ := health(); h != "disabled" {
			t.Fatalf("health %q", h)
		}
	})
}
