package salesmanago_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fake "orderhub/fake/salesmanago"
)

var acct = fake.Account{ClientID: "client-1", APISecret: "s3cret", Owner: "owner@shop.example", APIKey: "v3-key", Catalogs: []string{"cat-1"}}

func setup(t *testing.T) (*fake.Server, *httptest.Server) {
	t.Helper()
	f := fake.New(acct)
	hs := httptest.NewServer(f)
	t.Cleanup(hs.Close)
	return f, hs
}

// signed returns a v2 body with valid auth fields added.
func signed(body map[string]any) map[string]any {
	apiKey := "k-123"
	sum := sha1.Sum([]byte(apiKey + acct.ClientID + acct.APISecret))
	body["clientId"], body["apiKey"], body["sha"] = acct.ClientID, apiKey, hex.EncodeToString(sum[:])
	if _, ok := body["requestTime"]; !ok {
		body["requestTime"] = time.Now().UnixMilli()
	}
	return body
}

type answer struct {
	Status    int
	Success   bool     `json:"success"`
	Message   []string `json:"message"`
	ContactID string   `json:"contactId"`
	EventID   string   `json:"eventId"`
	Result    bool     `json:"result"`
	Contacts  []map[string]any
	Problems  []struct {
		ReasonCode int    `json:"reasonCode"`
		Message    string `json:"message"`
	} `json:"problems"`
}

func post(t *testing.T, hs *httptest.Server, path string, body any, header map[string]string) answer {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, hs.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a answer
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
		t.Fatalf("%s: undecodable answer: %v", path, err)
	}
	a.Status = res.StatusCode
	return a
}

func upsertBody(email string) map[string]any {
	return map[string]any{"owner": acct.Owner, "contact": map[string]any{"email": email, "name": "Anna", "address": map[string]any{"city": "Lund"}},
		"tags": []string{"ORDERHUB"}, "properties": map[string]any{"plan": "gold"}}
}

func TestV2AuthIsChecked(t *testing.T) {
	f, hs := setup(t)
	wrong := signed(upsertBody("a@b.se"))
	wrong["sha"] = strings.Repeat("0", 40)
	seconds := signed(upsertBody("a@b.se"))
	seconds["requestTime"] = time.Now().Unix()
	stale := signed(upsertBody("a@b.se"))
	stale["requestTime"] = time.Now().Add(-time.Hour).UnixMilli()
	noTime := signed(upsertBody("a@b.se"))
	delete(noTime, "requestTime")
	unknown := signed(upsertBody("a@b.se"))
	unknown["clientId"] = "nobody"
	noOwner := signed(upsertBody("a@b.se"))
	delete(noOwner, "owner")
	otherOwner := signed(upsertBody("a@b.se"))
	otherOwner["owner"] = "someone@else.example"
	for name, c := range map[string]struct {
		body map[string]any
		msg  string
	}{
		"wrong sha":        {wrong, "wrong sha"},
		"seconds":          {seconds, "milliseconds"},
		"stale":            {stale, "too far"},
		"no requestTime":   {noTime, "requestTime is required"},
		"unknown clientId": {unknown, "unknown clientId"},
		"no owner":         {noOwner, "owner is required"},
		"other owner":      {otherOwner, "not a user"},
	} {
		a := post(t, hs, "/api/contact/upsert", c.body, nil)
		if a.Status != 200 || a.Success || len(a.Message) == 0 || !strings.Contains(a.Message[0], c.msg) {
			t.Errorf("%s: %+v, want HTTP 200 success:false mentioning %q", name, a, c.msg)
		}
	}
	if len(f.Contacts(acct.ClientID)) != 0 {
		t.Fatal("a refused upsert stored a contact")
	}
	if n := len(f.Requests("/api/contact/upsert")); n != 7 {
		t.Fatalf("recorded %d requests, want 7", n)
	}
}

func TestContactsEventsAndLookup(t *testing.T) {
	f, hs := setup(t)
	ev := func(email, typ string, extra map[string]any) map[string]any {
		ce := map[string]any{"date": time.Now().UnixMilli(), "contactExtEventType": typ, "value": json.Number("99.50"), "detail1": "x"}
		for k, v := range extra {
			ce[k] = v
		}
		return signed(map[string]any{"owner": acct.Owner, "email": email, "contactEvent": ce})
	}
	// An event before its contact is refused and counted.
	if a := post(t, hs, "/api/contact/addContactExtEvent", ev("anna@x.se", "PURCHASE", nil), nil); a.Success || a.Message[0] != "Contact not found" {
		t.Fatalf("event before contact: %+v", a)
	}
	if f.OrderViolations() != 1 {
		t.Fatalf("violations %d", f.OrderViolations())
	}
	up := post(t, hs, "/api/contact/upsert", signed(upsertBody("Anna@x.se")), nil)
	if !up.Success || up.ContactID == "" || up.Message == nil {
		t.Fatalf("upsert: %+v", up)
	}
	c, ok := f.Contact(acct.ClientID, "anna@x.se")
	if !ok || c.Name != "Anna" || c.Address["city"] != "Lund" || c.Tags[0] != "ORDERHUB" || c.Properties["plan"] != "gold" {
		t.Fatalf("stored contact %+v", c)
	}
	if a := post(t, hs, "/api/contact/addContactExtEvent", ev("anna@x.se", "PURCHASE", nil), nil); !a.Success || a.EventID == "" {
		t.Fatalf("event: %+v", a)
	}
	for name, c := range map[string]struct {
		body map[string]any
		msg  string
	}{
		"bad type":         {ev("anna@x.se", "BUY", nil), "not a valid event type"},
		"long description": {ev("anna@x.se", "OTHER", map[string]any{"description": strings.Repeat("d", 2049)}), "longer than 2048"},
		"long products":    {ev("anna@x.se", "OTHER", map[string]any{"products": strings.Repeat("p", 513)}), "longer than 512"},
		"bad location":     {ev("anna@x.se", "OTHER", map[string]any{"location": "Main Street"}), "location may contain"},
		"value string":     {ev("anna@x.se", "OTHER", map[string]any{"value": "12"}), "must be a number"},
		"value decimals":   {ev("anna@x.se", "OTHER", map[string]any{"value": json.Number("1.234")}), "2 decimals"},
		"date in seconds":  {ev("anna@x.se", "OTHER", map[string]any{"date": time.Now().Unix()}), "milliseconds"},
		"unknown field":    {ev("anna@x.se", "OTHER", map[string]any{"colour": "red"}), "not a field"},
	} {
		if a := post(t, hs, "/api/contact/addContactExtEvent", c.body, nil); a.Success || !strings.Contains(strings.Join(a.Message, " "), c.msg) {
			t.Errorf("%s: %+v, want a refusal mentioning %q", name, a, c.msg)
		}
	}
	if evs := f.Events(acct.ClientID); len(evs) != 1 || evs[0].Type != "PURCHASE" || evs[0].Fields["detail1"] != "x" {
		t.Fatalf("events %+v", evs)
	}
	a := post(t, hs, "/api/contact/basicById", signed(map[string]any{"owner": acct.Owner, "id": []string{up.ContactID, "missing"}}), nil)
	if !a.Success || len(a.Contacts) != 1 || a.Contacts[0]["email"] != "anna@x.se" {
		t.Fatalf("basicById: %+v", a)
	}
	if a := post(t, hs, "/api/contact/delete", signed(map[string]any{"owner": acct.Owner, "email": "anna@x.se"}), nil); !a.Success || !a.Result {
		t.Fatalf("delete: %+v", a)
	}
	if a := post(t, hs, "/api/contact/delete", signed(map[string]any{"owner": acct.Owner, "email": "anna@x.se"}), nil); !a.Success || a.Result {
		t.Fatalf("second delete: %+v", a)
	}
	if _, ok := f.Contact(acct.ClientID, "anna@x.se"); ok {
		t.Fatal("deleted contact still there")
	}
}

func TestV3Products(t *testing.T) {
	f, hs := setup(t)
	key := map[string]string{"API-KEY": acct.APIKey}
	prod := func(id string) map[string]any {
		return map[string]any{"productId": id, "name": "Paper", "price": 10.5, "quantity": 3, "systemDetails": map[string]any{"gender": "1"}}
	}
	if a := post(t, hs, "/v3/product/upsert", map[string]any{"catalogId": "cat-1", "products": []any{prod("p1")}}, map[string]string{"API-KEY": "nope"}); a.Status != 401 || a.Problems[0].ReasonCode != 10 {
		t.Fatalf("bad key: %+v", a)
	}
	many := []any{}
	for i := range 101 {
		many = append(many, prod("p"+string(rune('a'+i%26))+strings.Repeat("x", i/26)))
	}
	long := prod("p2")
	long["name"] = strings.Repeat("n", 256)
	noName := prod("p3")
	delete(noName, "name")
	badPrice := prod("p4")
	badPrice["price"] = "10"
	for name, c := range map[string]struct {
		body   map[string]any
		reason int
	}{
		"over 100":        {map[string]any{"catalogId": "cat-1", "products": many}, 11},
		"too long":        {map[string]any{"catalogId": "cat-1", "products": []any{long}}, 11},
		"missing name":    {map[string]any{"catalogId": "cat-1", "products": []any{noName}}, 13},
		"unknown catalog": {map[string]any{"catalogId": "cat-9", "products": []any{prod("p1")}}, 13},
		"price string":    {map[string]any{"catalogId": "cat-1", "products": []any{badPrice}}, 14},
		"not unique":      {map[string]any{"catalogId": "cat-1", "products": []any{prod("p1"), prod("p1")}}, 15},
	} {
		if a := post(t, hs, "/v3/product/upsert", c.body, key); a.Status != 400 || len(a.Problems) == 0 || a.Problems[0].ReasonCode != c.reason {
			t.Errorf("%s: %+v, want 400 reasonCode %d", name, a, c.reason)
		}
	}
	if a := post(t, hs, "/v3/product/upsert", map[string]any{"catalogId": "cat-1", "products": []any{prod("p1"), prod("p2")}}, key); a.Status != 200 {
		t.Fatalf("upsert: %+v", a)
	}
	if ps := f.Products("cat-1"); len(ps) != 2 || ps["p1"]["name"] != "Paper" {
		t.Fatalf("products %v", ps)
	}
}

func TestFaults(t *testing.T) {
	f, hs := setup(t)
	f.Fail(fake.Fault{Path: "/api/contact/upsert", Status: 503, RetryAfter: 7, Times: 2})
	f.Fail(fake.Fault{Path: "/api/contact/upsert", SuccessFalse: true, Message: "Rate limit"})
	for i, want := range []int{503, 503, 200, 200} {
		a := post(t, hs, "/api/contact/upsert", signed(upsertBody("a@b.se")), nil)
		if a.Status != want {
			t.Fatalf("request %d: status %d, want %d", i, a.Status, want)
		}
		if i == 2 && (a.Success || a.Message[0] != "Rate limit") {
			t.Fatalf("injected success:false: %+v", a)
		}
		if i == 3 && !a.Success {
			t.Fatalf("after the faults: %+v", a)
		}
	}
	rs := f.Requests("/api/contact/upsert")
	if rs[0].Fault != "status 503" || rs[2].Fault != "success:false" || rs[3].Fault != "" {
		t.Fatalf("recorded faults %q %q %q", rs[0].Fault, rs[2].Fault, rs[3].Fault)
	}
	// The inspection endpoint lists the requests with the signature hidden.
	res, err := http.Get(hs.URL + "/_fake/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list []struct {
		Path string         `json:"path"`
		Body map[string]any `json:"body"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil || len(list) != 4 || list[0].Body["sha"] != "…" {
		t.Fatalf("inspection: %v %+v", err, list)
	}
}
