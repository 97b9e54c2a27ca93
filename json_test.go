package orderhub

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestReadJSON(t *testing.T) {
	type inner struct {
		Detail1 string `json:"detail1"`
	}
	type embedded struct {
		Owner string `json:"owner"`
	}
	type target struct {
		embedded
		Name   string            `json:"name"`
		Email  *string           `json:"email,omitempty"`
		Items  []inner           `json:"items"`
		Events map[string]inner  `json:"events"`
		Raw    json.RawMessage   `json:"raw"`
		Tags   map[string]string `json:"tags"`
		Skip   string            `json:"-"`
	}
	for _, c := range []struct {
		body        string
		known       bool
		code, field string
		msg         string
	}{
		{body: `{"name":"a","extra":1}`},
		{body: `{"name":"a","extra":1}`, known: true, code: EInvalidRequest, field: "extra", msg: `Unknown field "extra".`},
		{body: `{"NAME":"a","Owner":"o"}`, known: true}, // keys match fields as encoding/json does
		{body: `{"name":"a","Skip":"x"}`, known: true, code: EInvalidRequest, field: "Skip"},
		{body: `{"raw":{"anything":{"goes":1},"x":[1]}}`, known: true},
		{body: `{"tags":{"a":"1","b":"2"},"events":{"orderCreated":{"detail1":"x"}}}`, known: true},
		{body: `{"events":{"orderCreated":{"detail9":"x"}}}`, known: true, code: EInvalidRequest, field: "events.orderCreated.detail9"},
		{body: `{"items":[{"detail1":"x"},{"detail2":"y"}]}`, known: true, code: EInvalidRequest, field: "items[1].detail2"},
		{body: `{"name":"a","name":"b"}`, code: EInvalidRequest, field: "name", msg: `Key "name" appears more than once in the same object; send each key once.`},
		{body: `{"name":"a","n\u0061me":"b"}`, code: EInvalidRequest, field: "name"},
		{body: `{"items":[{"detail1":"x","detail1":"y"}]}`, code: EInvalidRequest, field: "items[0].detail1"},
		{body: `{"raw":{"a":{"b":1,"b":2}}}`, code: EInvalidRequest, field: "raw.a.b"},
		{body: `{"tags":{"a":"1","A":"2"}}`}, // distinct keys of a map
		{body: `{"items":[{"detail1":"x"},{"detail1":"y"}],"raw":[{"a":1},{"a":2}]}`},
		{body: `{"name":1}`, code: EInvalidRequest, field: "name", msg: "Field name must be of type string, got number."},
		{body: `{"name":"a"} x`, code: EInvalidRequest, msg: "The request body has data after the JSON value."},
		{body: `{"name":"a"}}`, code: EInvalidRequest, msg: "The request body has data after the JSON value."},
		{body: `{"name":"a"}]`, code: EInvalidRequest, msg: "The request body has data after the JSON value."},
		{body: ` `, code: EInvalidRequest, msg: "The request body is empty; a JSON object is required."},
		{body: `{"name":"a\u0000"}`, code: EInvalidRequest},
		{body: `[]`, code: EInvalidRequest, msg: "The request body must be a JSON object."},
		{body: `{"name":`, code: EInvalidRequest},
	} {
		var v target
		err := ReadJSON([]byte(c.body), &v, JSONOptions{KnownFields: c.known})
		if c.code == "" {
			if err != nil {
				t.Errorf("%s (known %v): %v", c.body, c.known, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Code != c.code || e.Field != c.field || (c.msg != "" && e.Message != c.msg) {
			t.Errorf("%s (known %v): got %#v, want %s field %q %q", c.body, c.known, err, c.code, c.field, c.msg)
		}
	}
}

// TestReadJSONKeysAllocateNothing: the key check on the vendor order hot path
// (no KnownFields) allocates nothing.
func TestReadJSONKeysAllocateNothing(t *testing.T) {
	body := []byte(`{"externalOrderId":"A-1","quantity":2,"paymentMethod":"CARD","paymentProvider":"STRIPE",
		"userData":{"email":"a@b.se","address":{"street":"Gatan 1","city":"Sthlm"},"extraData":{"x":[1,2,{"y":null}]}},
		"vendorData":{"SMNO":"123"}}`)
	if n := testing.AllocsPerRun(100, func() {
		if err := checkJSONKeys(body, nil); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("checkJSONKeys allocates %v times per call", n)
	}
}

// FuzzReadJSON: the one reader never panics, answers every refusal as a client
// error, and accepts only what encoding/json accepts — with KnownFields, only what
// its DisallowUnknownFields accepts.
func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(`{"name":"a","items":[{"detail1":"x"}],"events":{"e":{"detail1":"y"}}}`), true)
	f.Add([]byte(`{"name":"a","name":"b"}`), false)
	f.Add([]byte(`{"NAME":"a","extra":{"x":[1,{"y":2,"y":3}]}}`), true)
	f.Add([]byte(`[{"a":1},{"a\u0041":2,"aA":3}]`), false)
	f.Fuzz(func(t *testing.T, body []byte, known bool) {
		type inner struct {
			Detail1 string `json:"detail1"`
		}
		type target struct {
			Name   string           `json:"name"`
			Items  []inner          `json:"items"`
			Events map[string]inner `json:"events"`
			Extra  json.RawMessage  `json:"extra"`
		}
		var v target
		err := ReadJSON(body, &v, JSONOptions{KnownFields: known})
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Code != EInvalidRequest || e.Message == "" {
				t.Fatalf("refusal %#v is not a client error", err)
			}
			return
		}
		var w target
		d := json.NewDecoder(bytes.NewReader(body))
		if known {
			d.DisallowUnknownFields()
		}
		if d.Decode(&w) != nil {
			t.Fatalf("accepted what encoding/json refuses (known fields %v): %q", known, body)
		}
	})
}
