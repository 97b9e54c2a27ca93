package orderhub_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"orderhub"
	"orderhub/internal/seedexample"
)

// Fuzz targets for every request decoder and validator of the root package. Plain
// `go test` runs each target's seed corpus (f.Add and testdata/fuzz/FuzzX); a
// mutation run is `go test -run '^$' -fuzz '^FuzzX$' -fuzztime 30s .` (scripts/fuzz.sh
// runs them all). The property every target checks: bad input is an *orderhub.Error
// with a code, a message and no InternalError — never a panic, never an error the
// HTTP edge would answer with a 500.

// fuzzSeedVendorOrder is the request body of seed 001, verbatim.
const fuzzSeedVendorOrder = seedexample.VendorOrder

var fuzzToday = time.Date(2025, 1, 7, 0, 0, 0, 0, time.UTC)

// checkParseError fails unless err is a well-formed client error.
func checkParseError(t *testing.T, err error) {
	t.Helper()
	var e *orderhub.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T, not *orderhub.Error: %v", err, err)
	}
	if e.Code == "" || e.Message == "" || e.Code == orderhub.EInternal || e.Code == orderhub.EUnavailable {
		t.Fatalf("malformed client error %+v", e)
	}
}

// checkMarshals fails unless v (a parsed request) can be written as JSON — the
// store and the delivery engine serialise what the parsers accept.
func checkMarshals(t *testing.T, v any) {
	t.Helper()
	if _, err := json.Marshal(v); err != nil {
		t.Fatalf("accepted value does not marshal: %v (%+v)", err, v)
	}
}

// fuzzParser fuzzes parse with f's seed corpus: a refusal must be a well-formed
// client error; what it accepts must pass accepted (nil: nothing more) and marshal.
func fuzzParser[T any](f *testing.F, parse func(body []byte) (T, error), accepted func(t *testing.T, v T)) {
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := parse(body)
		if err != nil {
			checkParseError(t, err)
			return
		}
		if accepted != nil {
			accepted(t, v)
		}
		checkMarshals(t, v)
	})
}

func FuzzParseVendorOrder(f *testing.F) {
	f.Add([]byte(fuzzSeedVendorOrder), true)
	f.Add([]byte(`{"externalOrderId":"A","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"a@b.se"}}`), false)
	f.Add([]byte(`{"externalOrderId":"A","quantity":1e308,"paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"a@b.se","phone":"++--"}}`), true)
	f.Add([]byte(`{"externalOrderId":" ","startDate":"2025-02-30","userData":null,"ownerData":{"x":[1,2,{}]}}`), true)
	f.Add([]byte(`{"externalOrderId":"\u0000","userData":{"email":"\ud800@x.se","address":{"country":"ZZ"}}}`), true)
	f.Add([]byte(`[]`), false)
	f.Add([]byte(``), false)
	f.Fuzz(func(t *testing.T, body []byte, confirm bool) {
		o, err := orderhub.ParseVendorOrder("acme", "PROMOCODE", confirm, body, fuzzToday)
		if err != nil {
			checkParseError(t, err)
			return
		}
		if o.ExternalOrderID == "" || o.Fingerprint == "" || o.Quantity < 1 {
			t.Fatalf("accepted an incomplete order: %+v", o)
		}
		checkMarshals(t, o)
	})
}
