package zapier

import (
	"context"
	"encoding/json"
	"time"

	"orderhub"
)

// SubscriptionItem is the item of the subscriptions list and the subscription-*
// hooks: the seed's answer of "Create subscription cancelation". A subscription is
// an orderhub contract; its plan is the contract's promo code (seed 001).
type SubscriptionItem struct {
	ID                   string           `json:"id"`
	Env                  string           `json:"env"`
	Coupon               *string          `json:"coupon"`
	Plan                 *PlanItem        `json:"plan"`
	ProductVariationPlan *VariationPlan   `json:"product_variation_plan"`
	CurrentPlanIntervals int              `json:"current_plan_intervals"`
	Product              *ProductItem     `json:"product"`
	ProductVariation     *json.RawMessage `json:"product_variation"`
	Status               string           `json:"status"`
	Amount               orderhub.Money   `json:"amount"`
	OnGracePeriod        bool             `json:"on_grace_period"`
	PeriodStartedAt      *string          `json:"period_started_at"`
	AccessibleUntil      *string          `json:"accessible_until"`
	NextPaymentDate      *string          `json:"next_payment_date"`
	CreatedAt            string           `json:"created_at"`
	UpdatedAt            string           `json:"updated_at"`
	Metadata             json.RawMessage  `json:"metadata"`
	ExternalOrderID      *string          `json:"external_order_id"`
	Origin               string           `json:"origin"`
	Quantity             int              `json:"quantity"`
	Currency             *string          `json:"currency"`
	CanceledAt           *string          `json:"canceled_at"`
	Customer             *PersonItem      `json:"customer"`
}

// PlanItem is a subscription's plan: its promo code's billing.
type PlanItem struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Period     *string `json:"period"`
	Quantity   int     `json:"quantity"`
	TrialDays  int     `json:"trial_days"`
	Type       *string `json:"type"`
	BindingMon int     `json:"binding_months"`
}

// VariationPlan is the price of one plan interval.
type VariationPlan struct {
	ID            string         `json:"id"`
	UnitPrice     orderhub.Money `json:"unit_price"`
	ShippingPrice orderhub.Money `json:"shipping_price"`
	Amount        orderhub.Money `json:"amount"`
}

// ProductItem is the product subscribed to.
type ProductItem struct {
	ID            *string          `json:"id"`
	Name          string           `json:"name"`
	Type          *string          `json:"type"`
	HasVariations bool             `json:"has_variations"`
	MainImage     *json.RawMessage `json:"main_image"`
}

// Subscription statuses of the items.
var subscriptionStatus = map[string]string{
	orderhub.ContractCreated:   "pending",
	orderhub.ContractConfirmed: "active",
	orderhub.ContractCanceled:  "canceled",
	orderhub.ContractEnded:     "ended",
}

func (m *Mapper) subscription(ctx context.Context, vendorID string, c *orderhub.Contract) (*SubscriptionItem, error) {
	p, err := m.person(ctx, vendorID, c.UserID)
	if err != nil {
		return nil, err
	}
	var promo *orderhub.PromoCode
	if c.PromoCode != "" {
		promo, err = m.Store.GetPromoCode(ctx, vendorID, c.PromoCode)
		if isNotFound(err) {
			promo, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	qty := max(c.Quantity, 1)
	status := subscriptionStatus[c.Status]
	if status == "" {
		status = c.Status
	}
	updated := c.CreatedAt
	for _, t := range []*time.Time{c.ConfirmedAt, c.CanceledAt} {
		if t != nil && t.After(updated) {
			updated = *t
		}
	}
	it := &SubscriptionItem{
		ID: c.ID, Env: Env, Coupon: nullable(c.PromoCode), Status: status, CreatedAt: dateTime(c.CreatedAt), UpdatedAt: dateTime(updated),
		Metadata: json.RawMessage("null"), ExternalOrderID: nullable(c.ExternalOrderID), Origin: c.Origin, Quantity: qty,
		CanceledAt: nullableTime(c.CanceledAt), Customer: p,
		Product: &ProductItem{Name: c.ProductName},
	}
	if isObject(c.VendorData) {
		it.Metadata = c.VendorData
	}
	b := Billing(c, promo, m.now())
	it.CurrentPlanIntervals = b.Intervals
	it.PeriodStartedAt = nullableTime(b.PeriodStart)
	it.AccessibleUntil = nullableTime(b.AccessibleUntil)
	it.NextPaymentDate = nullableTime(b.NextPayment)
	it.OnGracePeriod = b.OnGracePeriod
	if promo != nil {
		price, _ := orderhub.ParseMoney(promo.Price)
		it.Plan = &PlanItem{ID: promo.Code, Name: promo.ProductName, Period: nullable(promo.BillingPeriod), Quantity: qty, Type: nullable(promo.Delivery), BindingMon: promo.BindingMonths}
		it.ProductVariationPlan = &VariationPlan{ID: promo.Code, UnitPrice: price, Amount: price}
		it.Amount = price * orderhub.Money(qty)
		it.Currency = nullable(promo.Currency)
		it.Product.Type = nullable(promo.Delivery)
		if it.Product.Name == "" {
			it.Product.Name = promo.ProductName
		}
	}
	return it, nil
}

// BillingState is where a subscription stands in its billing periods.
type BillingState struct {
	// Intervals counts the billing periods begun (by now, or by the cancellation).
	Intervals int
	// PeriodStart is the start of the current period (nil before the first).
	PeriodStart *time.Time
	// NextPayment is the start of the next period of a live subscription.
	NextPayment *time.Time
	// AccessibleUntil is the last second of access of a canceled subscription.
	AccessibleUntil *time.Time
	// OnGracePeriod: canceled, but still accessible now.
	OnGracePeriod bool
}

// Billing computes a contract's billing state at now.
//
// Periods start on the contract's start date (startDate, else the day it was
// created, 00:00 UTC) and last the promo code's billing period (week, month,
// quarter, half-year, year), each counted from the start (so a monthly plan
// started on the 31st renews on the last day of shorter months). For a canceled
// contract, accessible_until is the last second (23:59:59) of the billing period
// in which it was canceled — or of the promo code's binding period, when that ends
// later: a binding period is paid for, so it stays accessible. A contract canceled
// before it started, or without a known billing period, is accessible until the
// moment it was canceled.
func Billing(c *orderhub.Contract, promo *orderhub.PromoCode, now time.Time) BillingState {
	var st BillingState
	start := c.CreatedAt.UTC().Truncate(24 * time.Hour)
	if d, err := time.Parse(dateFormat, c.StartDate); err == nil {
		start = d
	} else if t, err := time.Parse(time.RFC3339, c.StartDate); err == nil {
		start = t.UTC()
	}
	at := now
	if c.CanceledAt != nil {
		at = *c.CanceledAt
	}
	period := ""
	if promo != nil {
		period = promo.BillingPeriod
	}
	canceled := c.Status == orderhub.ContractCanceled && c.CanceledAt != nil
	live := c.Status == orderhub.ContractCreated || c.Status == orderhub.ContractConfirmed
	if at.Before(start) || addPeriods(start, period, 1).IsZero() {
		switch {
		case canceled:
			t := *c.CanceledAt
			st.AccessibleUntil = &t
		case live && at.Before(start):
			st.NextPayment = &start
		}
		if !at.Before(start) {
			st.Intervals = 1
			st.PeriodStart = &start
		}
		return st
	}
	n := 1
	for n < 100_000 && !addPeriods(start, period, n).After(at) {
		n++
	}
	cur, next := addPeriods(start, period, n-1), addPeriods(start, period, n)
	st.Intervals, st.PeriodStart = n, &cur
	switch {
	case canceled:
		end := next
		if promo != nil && promo.BindingMonths > 0 {
			if b := start.AddDate(0, promo.BindingMonths, 0); b.After(end) {
				end = b
			}
		}
		end = end.Add(-time.Second)
		st.AccessibleUntil = &end
		st.OnGracePeriod = now.Before(end)
	case live:
		st.NextPayment = &next
	}
	return st
}

// addPeriods returns start plus n billing periods (zero time for an unknown period).
func addPeriods(start time.Time, period string, n int) time.Time {
	var t time.Time
	switch period {
	case "week":
		return start.AddDate(0, 0, 7*n)
	case "month":
		t = addMonths(start, n)
	case "quarter":
		t = addMonths(start, 3*n)
	case "half-year":
		t = addMonths(start, 6*n)
	case "year":
		t = addMonths(start, 12*n)
	}
	return t
}

// addMonths adds n months, clamping the day to the target month's last day.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}
