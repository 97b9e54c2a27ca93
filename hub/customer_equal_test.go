package hub

import (
	"encoding/json"
	"math/rand"
	"testing"
	"time"

	"orderhub"
)

// TestCustomersEqual checks customersEqual against its definition: the JSON
// encodings are equal. The values collide on purpose: invalid UTF-8 (each byte
// written as \ufffd), nil and empty raw values and addresses, raw values that
// differ only in white space, invalid raw values and times (json.Marshal fails),
// one instant in locations with the same and with other offsets.
func TestCustomersEqual(t *testing.T) {
	r := rand.New(rand.NewSource(time.Now().UnixNano()))
	strs := []string{"", "a", "b", "\xff", "\xfe", "\ufffd", "<", `\u003c`}
	base := time.Date(2025, 1, 8, 10, 11, 12, 500, time.UTC)
	times := []time.Time{{}, base, base.In(time.FixedZone("", 0)), base.In(time.FixedZone("Z0", 0)), base.In(time.FixedZone("CET", 3600)),
		base.Add(time.Nanosecond), base.Local(), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC)}
	now := time.Now()
	times = append(times, now, now.Round(0))
	raws := []json.RawMessage{nil, {}, json.RawMessage(`{"a":1}`), json.RawMessage(`{"a": 1}`), json.RawMessage(` {"a":1}`),
		json.RawMessage(`{"a":2}`), json.RawMessage(`{`), json.RawMessage(`}`), json.RawMessage(`"<"`), json.RawMessage(`"\u003c"`)}
	addr := func() *orderhub.Address {
		switch r.Intn(4) {
		case 0:
			return nil
		case 1:
			return &orderhub.Address{}
		}
		return &orderhub.Address{City: strs[r.Intn(len(strs))], Street: strs[r.Intn(3)]}
	}
	random := func() *orderhub.Customer {
		s := func() string { return strs[r.Intn(len(strs))] }
		return &orderhub.Customer{ID: s(), VendorID: s(), Email: s(), FullName: s(), FirstName: s(), LastName: s(), Phone: s(),
			PublisherUserID: s(), Address: addr(), BillingAddress: addr(), ExtraData: raws[r.Intn(len(raws))],
			CreatedAt: times[r.Intn(len(times))], UpdatedAt: times[r.Intn(len(times))]}
	}
	// mutate changes one field of a copy of c (often to something encoded alike).
	mutate := func(c *orderhub.Customer) *orderhub.Customer {
		d := *c
		s := strs[r.Intn(len(strs))]
		switch r.Intn(8) {
		case 0:
			d.Email = s
		case 1:
			d.ID = s
		case 2:
			d.Address = addr()
		case 3:
			d.BillingAddress = addr()
		case 4:
			d.ExtraData = raws[r.Intn(len(raws))]
		case 5:
			d.CreatedAt = times[r.Intn(len(times))]
		case 6:
			d.UpdatedAt = times[r.Intn(len(times))]
		case 7:
			if d.Address != nil {
				a := *d.Address
				a.City = s
				d.Address = &a
			}
		}
		return &d
	}
	old := func(a, b *orderhub.Customer) bool {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return string(ja) == string(jb)
	}
	var equal, differ int
	for range 20000 {
		a := random()
		b := mutate(a)
		if r.Intn(4) == 0 {
			b = random()
		}
		want := old(a, b)
		if got := customersEqual(a, b); got != want {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			t.Fatalf("customersEqual = %v, the JSON comparison %v\na: %#v\nb: %#v\n%s\n%s", got, want, a, b, ja, jb)
		}
		if want {
			equal++
		} else {
			differ++
		}
	}
	if equal < 1000 || differ < 1000 {
		t.Errorf("%d equal and %d different pairs: too few of one kind", equal, differ)
	}
}
