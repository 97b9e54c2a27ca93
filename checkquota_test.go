package orderhub

import (
	"testing"
)

// quotaFake is an in-memory QuotaTx.
type quotaFake struct {
	overrides map[string]int // vendor/name
	usage     map[string]int // vendor/name or user/name
}

func (f quotaFake) QuotaOverride(vendorID, name string) (int, bool, error) {
	n, ok := f.overrides[vendorID+"/"+name]
	return n, ok, nil
}

func (f quotaFake) QuotaUsage(vendorID, name, user string) (int, error) {
	if name == QuotaZapierChannelsPerUser {
		return f.usage[user+"/"+name], nil
	}
	return f.usage[vendorID+"/"+name], nil
}

func TestCheckQuota(t *testing.T) {
	f := quotaFake{
		overrides: map[string]int{"big/" + QuotaProducts: 50, "small/" + QuotaProducts: 2},
		usage: map[string]int{"acme/" + QuotaProducts: 9, "big/" + QuotaProducts: 10, "small/" + QuotaProducts: 2,
			"u1/" + QuotaZapierChannelsPerUser: 3},
	}
	for _, tc := range []struct {
		vendor, name, user string
		def                int
		ok                 bool
		limit              int
	}{
		{"acme", QuotaProducts, "", 10, true, 10},  // 9 of the default 10: one more fits
		{"big", QuotaProducts, "", 10, true, 50},   // the vendor's own limit, over the default
		{"small", QuotaProducts, "", 10, false, 2}, // and under it
		{"acme", QuotaZapierChannelsPerUser, "u1", 3, false, 3},
		{"acme", QuotaZapierChannelsPerUser, "u2", 3, true, 3},
	} {
		limit, _, err := CheckQuota(f, tc.vendor, tc.name, tc.user, tc.def)
		if (err == nil) != tc.ok || limit != tc.limit {
			t.Errorf("%+v: limit %d, %v", tc, limit, err)
		}
		if err != nil && ErrorCode(err) != EQuotaExceeded {
			t.Errorf("%+v: %v", tc, err)
		}
	}
	_, _, err := CheckQuota(f, "small", QuotaProducts, "", 10)
	if want := QuotaError("small", QuotaProducts, "", 2, 2); ErrorMessage(err) != want.Message {
		t.Fatalf("%v, want %v", err, want)
	}
}
