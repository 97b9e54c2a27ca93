package orderhub

import (
	"fmt"
	"strconv"
	"strings"
)

// Amounts are exact decimals from end to end (docs/api.md, "Amounts"): every
// surface reads them with ParseAmount — never through float64 — into one
// normalised form, checks that form against the limits of the protocol the amount
// is delivered with, and stores or forwards exactly that form.

// Amount is an exact decimal in normalised form: Int holds the integer digits
// without leading zeros ("0" for none), Frac the fraction digits without trailing
// zeros, and zero is never negative.
type Amount struct {
	Neg  bool
	Int  string
	Frac string
}

// maxAmountExponent bounds the exponent of an amount written in exponent form;
// larger ones cannot meet any limit and would only make long strings.
const maxAmountExponent = 64

// ParseAmount reads a decimal amount exactly: JSON number syntax ("258.0", "-3",
// "1e3", "2.5E1") with an optional leading "+" and surrounding spaces. An amount
// in exponent form is normalised ("1e3" → 1000, "2.5E1" → 25), so what is accepted
// is always deliverable as a plain decimal.
func ParseAmount(s string) (Amount, error) {
	t := strings.TrimSpace(s)
	var a Amount
	bad := func() (Amount, error) { return Amount{}, fmt.Errorf("%q is not a decimal number", s) }
	switch {
	case strings.HasPrefix(t, "-"):
		a.Neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	mant, exp := t, 0
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		mant = t[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(t[i+1:], "+"))
		if err != nil || t[i+1:] == "" || strings.HasPrefix(t[i+1:], "+-") || e > maxAmountExponent || e < -maxAmountExponent {
			return bad()
		}
		exp = e
	}
	ip, fp, hasPoint := strings.Cut(mant, ".")
	if ip == "" || (hasPoint && fp == "") || !allDigits(ip) || !allDigits(fp) {
		return bad()
	}
	// Shift the point by exp.
	digits, point := ip+fp, len(ip)+exp
	switch {
	case point <= 0:
		digits, point = strings.Repeat("0", -point)+digits, 0
	case point > len(digits):
		digits += strings.Repeat("0", point-len(digits))
	}
	a.Int = strings.TrimLeft(digits[:point], "0")
	a.Frac = strings.TrimRight(digits[point:], "0")
	if a.Int == "" {
		a.Int = "0"
	}
	if a.Int == "0" && a.Frac == "" {
		a.Neg = false
	}
	return a, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String writes the amount in its normalised form ("1000", "-2.5", "0.01").
func (a Amount) String() string {
	s := a.Int
	if a.Frac != "" {
		s += "." + a.Frac
	}
	if a.Neg {
		s = "-" + s
	}
	return s
}

// Fits reports why the amount breaks a limit of intDigits integer digits and
// decimals fraction digits ("" when it fits).
func (a Amount) Fits(intDigits, decimals int) string {
	if n := len(strings.TrimLeft(a.Int, "0")); n > intDigits {
		return fmt.Sprintf("has %d digits before the decimal point; the limit is %d", n, intDigits)
	}
	if len(a.Frac) > decimals {
		return fmt.Sprintf("has %d decimals; the limit is %d", len(a.Frac), decimals)
	}
	return ""
}

// MaxMoneyDigits bounds the integer digits of a Money amount (order totals, costs,
// prices): 999 999 999 999 999.99 at most.
const MaxMoneyDigits = 15

// MaxMoney is the largest Money amount: MaxMoneyDigits nines and 99 cents.
const MaxMoney Money = 99999999999999999

// AddLine adds quantity × cost to sum, reporting false when the result would pass
// MaxMoney (or overflow): the items of an order add up to at most MaxMoney.
func AddLine(sum Money, quantity int, cost Money) (Money, bool) {
	if quantity < 0 || cost < 0 || sum < 0 {
		return sum, false
	}
	if cost > 0 && Money(quantity) > MaxMoney/cost {
		return sum, false
	}
	line := Money(quantity) * cost
	if sum > MaxMoney-line {
		return sum, false
	}
	return sum + line, true
}

// WholeNumber reads a whole number from 1 to max exactly ("2", "2.0", "2e0").
func WholeNumber(s string, max int) (int, bool) {
	a, err := ParseAmount(s)
	if err != nil || a.Neg || a.Frac != "" || len(a.Int) > 10 {
		return 0, false
	}
	n, err := strconv.Atoi(a.Int)
	return n, err == nil && n >= 1 && n <= max
}

// Minor returns the amount in minor units (cents) when it has at most two decimals
// and MaxMoneyDigits integer digits.
func (a Amount) Minor() (int64, error) {
	if why := a.Fits(MaxMoneyDigits, 2); why != "" {
		return 0, fmt.Errorf("%s %s", a, why)
	}
	frac := a.Frac + strings.Repeat("0", 2-len(a.Frac))
	n, err := strconv.ParseInt(a.Int+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is out of range", a)
	}
	if a.Neg {
		n = -n
	}
	return n, nil
}
