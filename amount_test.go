package orderhub

import "testing"

func TestParseAmount(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"0", "0"}, {"-0.00", "0"}, {"258.0", "258"}, {"12.50", "12.5"}, {"007.10", "7.1"}, {"+3", "3"}, {" 4 ", "4"},
		{"1e3", "1000"}, {"2.5E1", "25"}, {"1E+2", "100"}, {"125e-2", "1.25"}, {"1e-3", "0.001"}, {"-2.5e0", "-2.5"},
		{"1234567890123456789.12", "1234567890123456789.12"}, // SALESmanago's top: 19 + 2 digits, exactly
		{"9999999999999999999999.99", "9999999999999999999999.99"},
		{"0.1", "0.1"}, {"1e64", "1" + "0000000000000000000000000000000000000000000000000000000000000000"},
	} {
		a, err := ParseAmount(c.in)
		if err != nil || a.String() != c.want {
			t.Errorf("ParseAmount(%q) = %q, %v; want %q", c.in, a, err, c.want)
		}
	}
	for _, in := range []string{"", "-", "+", ".5", "5.", "1e", "1e+", "1e+-3", "--1", "+-1", "0x10", "1,5", "NaN", "Inf", "1e65", "1e-65", "1 2", "١"} {
		if a, err := ParseAmount(in); err == nil {
			t.Errorf("ParseAmount(%q) = %q, want an error", in, a)
		}
	}
	if why := mustAmount(t, "1234567890123456789.12").Fits(19, 2); why != "" {
		t.Errorf("19+2 digits: %s", why)
	}
	if mustAmount(t, "12345678901234567890").Fits(19, 2) == "" || mustAmount(t, "0.001").Fits(19, 2) == "" {
		t.Error("limits not enforced")
	}
}

func mustAmount(t *testing.T, s string) Amount {
	t.Helper()
	a, err := ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestMoneyIsExact(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Money
	}{{"999999999999999.99", 99999999999999999}, {"0.29", 29}, {"1.005e2", 10050}, {"1e3", 100000}, {"-3", -300}} {
		if m, err := ParseMoney(c.in); err != nil || m != c.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", c.in, m, err, c.want)
		}
	}
	for _, in := range []string{"0.001", "1000000000000000", "1e-3", "abc"} {
		if m, err := ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) = %d, want an error", in, m)
		}
	}
	if b, _ := Money(99999999999999999).MarshalJSON(); string(b) != "999999999999999.99" {
		t.Errorf("MarshalJSON: %s", b)
	}
	if s := FormatDecimal(-150); s != "-1.50" {
		t.Errorf("FormatDecimal(-150) = %s", s)
	}
}
