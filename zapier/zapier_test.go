package zapier_test

import (
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"orderhub"
	"orderhub/zapier"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func fmtp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func TestBilling(t *testing.T) {
	monthly := &orderhub.PromoCode{Code: "M", BillingPeriod: "month"}
	bound := &orderhub.PromoCode{Code: "B", BillingPeriod: "month", BindingMonths: 12}
	weekly := &orderhub.PromoCode{Code: "W", BillingPeriod: "week"}
	yearly := &orderhub.PromoCode{Code: "Y", BillingPeriod: "year"}
	canceled := func(at string) *time.Time { t := day(at); return &t }
	for _, c := range []struct {
		name      string
		contract  orderhub.Contract
		promo     *orderhub.PromoCode
		now       string
		intervals int
		start     string
		until     string
		next      string
		grace     bool
	}{
		{"monthly canceled mid-period", orderhub.Contract{Status: "CANCELED", StartDate: "2025-01-08", CanceledAt: canceled("2025-03-10 12:00:00")}, monthly,
			"2025-03-11 00:00:00", 3, "2025-03-08 00:00:00", "2025-04-07 23:59:59", "-", true},
		{"canceled on a period's first day", orderhub.Contract{Status: "CANCELED", StartDate: "2025-01-08", CanceledAt: canceled("2025-02-08 00:00:00")}, monthly,
			"2025-05-01 00:00:00", 2, "2025-02-08 00:00:00", "2025-03-07 23:59:59", "-", false},
		{"a binding period ends later", orderhub.Contract{Status: "CANCELED", StartDate: "2025-01-08", CanceledAt: canceled("2025-03-10 12:00:00")}, bound,
			"2025-03-11 00:00:00", 3, "2025-03-08 00:00:00", "2026-01-07 23:59:59", "-", true},
		{"a binding period already over", orderhub.Contract{Status: "CANCELED", StartDate: "2024-01-08", CanceledAt: canceled("2025-03-10 12:00:00")}, bound,
			"2025-03-11 00:00:00", 15, "2025-03-08 00:00:00", "2025-04-07 23:59:59", "-", true},
		{"month ends clamp (started on the 31st)", orderhub.Contract{Status: "CANCELED", StartDate: "2025-01-31", CanceledAt: canceled("2025-03-01 00:00:00")}, monthly,
			"2025-03-02 00:00:00", 2, "2025-02-28 00:00:00", "2025-03-30 23:59:59", "-", true},
		{"weekly", orderhub.Contract{Status: "CANCELED", StartDate: "2025-01-06", CanceledAt: canceled("2025-01-20 08:00:00")}, weekly,
			"2025-01-20 09:00:00", 3, "2025-01-20 00:00:00", "2025-01-26 23:59:59", "-", true},
		{"canceled before it started", orderhub.Contract{Status: "CANCELED", StartDate: "2025-06-01", CanceledAt: canceled("2025-05-01 10:00:00")}, monthly,
			"2025-05-02 00:00:00", 0, "-", "2025-05-01 10:00:00", "-", false},
		{"no billing period known", orderhub.Contract{Status: "CANCELED", StartDate: "2025-01-08", CanceledAt: canceled("2025-03-10 12:00:00")}, nil,
			"2025-03-11 00:00:00", 1, "2025-01-08 00:00:00", "2025-03-10 12:00:00", "-", false},
		{"active: the next payment", orderhub.Contract{Status: "CONFIRMED", StartDate: "2025-01-08"}, yearly,
			"2026-02-01 00:00:00", 2, "2026-01-08 00:00:00", "-", "2027-01-08 00:00:00", false},
		{"pending, starting later", orderhub.Contract{Status: "CREATED", StartDate: "2025-06-01"}, monthly,
			"2025-05-01 00:00:00", 0, "-", "-", "2025-06-01 00:00:00", false},
		{"no start date: the day it was created", orderhub.Contract{Status: "CONFIRMED", CreatedAt: day("2025-01-08 15:30:00")}, monthly,
			"2025-01-20 00:00:00", 1, "2025-01-08 00:00:00", "-", "2025-02-08 00:00:00", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := zapier.Billing(&c.contract, c.promo, day(c.now))
			if b.Intervals != c.intervals || fmtp(b.PeriodStart) != c.start || fmtp(b.AccessibleUntil) != c.until || fmtp(b.NextPayment) != c.next || b.OnGracePeriod != c.grace {
				t.Fatalf("got intervals %d, period start %s, accessible until %s, next payment %s, grace %v\nwant %d, %s, %s, %s, %v",
					b.Intervals, fmtp(b.PeriodStart), fmtp(b.AccessibleUntil), fmtp(b.NextPayment), b.OnGracePeriod, c.intervals, c.start, c.until, c.next, c.grace)
			}
		})
	}
}

// Every trigger event's orderhub types have the item kind of its list, and the
// names are unique.
func TestEvents(t *testing.T) {
	seen := map[string]bool{}
	for _, ev := range zapier.Events {
		if seen[ev.Name] {
			t.Fatalf("event %s twice", ev.Name)
		}
		seen[ev.Name] = true
		kind, ok := zapier.Lists[ev.List]
		if !ok || len(ev.Types) == 0 {
			t.Fatalf("%s: list %q", ev.Name, ev.List)
		}
		for _, typ := range ev.Types {
			if zapier.KindOfEvent(typ) != kind {
				t.Fatalf("%s: %s has kind %q, list %s %q", ev.Name, typ, zapier.KindOfEvent(typ), ev.List, kind)
			}
		}
		if got, ok := zapier.LookupEvent(ev.Name); !ok || got.Name != ev.Name {
			t.Fatalf("lookup %s", ev.Name)
		}
	}
	for _, must := range []string{"customer-created", "order-created", "order-updated", "shipping-created", "shipping-updated", "subscription-created",
		"subscription-canceled", "transaction-approved", "transaction-declined", "survey-created"} {
		if !seen[must] {
			t.Fatalf("the issue's event %s is missing", must)
		}
	}
	if _, ok := zapier.LookupEvent("new_order"); ok {
		t.Fatal("an unknown event was found")
	}
	if len(zapier.ListNames) != len(zapier.Lists) {
		t.Fatal("ListNames and Lists differ")
	}
}

// The Zapier app (integrations/zapier/lib/events.js) has a trigger for exactly
// these events.
func TestEventsMatchTheApp(t *testing.T) {
	b, err := os.ReadFile("../integrations/zapier/lib/events.js")
	if err != nil {
		t.Fatal(err)
	}
	var app []string
	for _, m := range regexp.MustCompile(`event: '([a-z-]+)'`).FindAllStringSubmatch(string(b), -1) {
		app = append(app, m[1])
	}
	if !slices.Equal(app, zapier.EventNames()) {
		t.Fatalf("the app's events %v, the API's %v", app, zapier.EventNames())
	}
}
