package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/httpapi"
)

func (h *testHub) keyed(method, path, token, key string, body any) *response {
	h.t.Helper()
	b, _ := json.Marshal(body)
	return h.do(method, path, "application/json", b, map[string]string{"Authorization": "Bearer " + token, "Idempotency-Key": key})
}

// Idempotency-Key on admin POSTs, as Stripe: the same key and request answer the
// first answer again (marked replayed) without a second change; the same key with
// another request is a 409; keys are per token and expire after 24 hours.
func TestAdminIdempotencyKeys(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	body := map[string]any{"vendorId": "acme", "name": "shop", "scopes": []string{"events"}}
	first := h.keyed("POST", "/admin/v1/clients", h.Admin, "key-1", body).expect(201, "")
	again := h.keyed("POST", "/admin/v1/clients", h.Admin, "key-1", body).expect(201, "")
	if string(again.Body) != string(first.Body) || again.Header.Get(httpapi.ReplayedHeader) != "true" || first.Header.Get(httpapi.ReplayedHeader) != "" {
		t.Fatalf("replay: %s %v\nfirst: %s", again.Body, again.Header, first.Body)
	}
	if again.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a replayed secret may be cached: %v", again.Header)
	}
	var created struct{ ClientID, ClientSecret string }
	again.JSON(&created)
	h.tokenFor(created.ClientID, created.ClientSecret, orderhub.ScopeEvents) // the replayed secret works
	var list pageJSON[orderhub.Client]
	h.jsonReq("GET", "/admin/v1/clients?vendor=acme&limit=500", h.Admin, nil).expect(200, "").JSON(&list)
	if len(list.Data) != 2 { // the test hub's client and this one
		t.Fatalf("clients after a replay: %d", len(list.Data))
	}
	if n := len(h.audit("?action=client.create")); n != 1 {
		t.Fatalf("audit entries of the create: %d", n)
	}

	// Same key, other body or path: 409 with its own code; nothing is created.
	h.keyed("POST", "/admin/v1/clients", h.Admin, "key-1", map[string]any{"vendorId": "acme", "name": "other", "scopes": []string{"events"}}).expect(409, httpapi.EIdempotencyMismatch)
	h.keyed("POST", "/admin/v1/vendors", h.Admin, "key-1", body).expect(409, httpapi.EIdempotencyMismatch)

	// A 4xx answer is an answer too: replayed.
	bad := h.keyed("POST", "/admin/v1/vendors", h.Admin, "key-2", map[string]string{"id": "bad id!"}).expect(400, orderhub.EInvalidRequest)
	if r := h.keyed("POST", "/admin/v1/vendors", h.Admin, "key-2", map[string]string{"id": "bad id!"}).expect(400, orderhub.EInvalidRequest); string(r.Body) != string(bad.Body) || r.Header.Get(httpapi.ReplayedHeader) != "true" {
		t.Fatalf("400 replay: %s %v", r.Body, r.Header)
	}
	h.keyed("POST", "/admin/v1/vendors", h.Admin, "has space", body).expect(400, orderhub.EInvalidRequest)

	// Keys are per token: another token's key-1 is another key.
	_, other, err := h.DB.Tenants().CreateAdminToken(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if r := h.keyed("POST", "/admin/v1/clients", other, "key-1", body).expect(201, ""); r.Header.Get(httpapi.ReplayedHeader) != "" || string(r.Body) == string(first.Body) {
		t.Fatalf("another token's key replayed: %s", r.Body)
	}

	// In progress: a request holding the key (claimed here as a running request
	// would) makes a second one wait with 409; once its hold runs out (its process
	// died), the key is taken over and the request runs.
	tok, err := h.DB.Tenants().CheckAdminToken(ctx, h.Admin)
	if err != nil {
		t.Fatal(err)
	}
	vb, _ := json.Marshal(map[string]string{"id": "globex"})
	sum := sha256.Sum256([]byte("POST /admin/v1/vendors\n" + string(vb)))
	if _, claimed, err := h.DB.Orders().ClaimIdempotencyKey(ctx, "token:"+tok.ID, "key-3", hex.EncodeToString(sum[:]), time.Minute, httpapi.IdempotencyTTL); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	r := h.keyed("POST", "/admin/v1/vendors", h.Admin, "key-3", map[string]string{"id": "globex"}).expect(409, httpapi.EIdempotencyInProgress)
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("in progress without Retry-After: %v", r.Header)
	}
	h.Clock.Add(2 * time.Minute)
	h.keyed("POST", "/admin/v1/vendors", h.Admin, "key-3", map[string]string{"id": "globex"}).expect(201, "")

	// After 24 hours a key is new again.
	h.Clock.Add(httpapi.IdempotencyTTL)
	h.keyed("POST", "/admin/v1/clients", h.Admin, "key-1", map[string]any{"vendorId": "acme", "name": "other", "scopes": []string{"events"}}).expect(201, "")
	st, err := h.DB.Admin().Prune(ctx, sqlstoreRetentionNone())
	if err != nil || st.IdemKeys == 0 {
		t.Fatalf("expired keys pruned: %d %v", st.IdemKeys, err)
	}

	// Concurrent requests with one key: one runs, the others are told it is in
	// progress or get its answer; one vendor is created.
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]int{}
	h.ValidateSpec = false // validated above; concurrent t.Fatal from goroutines is not allowed
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := h.keyed("POST", "/admin/v1/vendors", h.Admin, "key-4", map[string]string{"id": "initech"})
			k := r.ErrorCode()
			if k == "" {
				k = r.Header.Get(httpapi.ReplayedHeader)
			}
			mu.Lock()
			statuses[k+"/"+http3(r.Status)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses["/201"] != 1 || statuses["/201"]+statuses["true/201"]+statuses[httpapi.EIdempotencyInProgress+"/409"] != 8 {
		t.Fatalf("concurrent answers: %v", statuses)
	}
}

func http3(n int) string { b, _ := json.Marshal(n); return string(b) }

func sqlstoreRetentionNone() orderhub.Retention { return orderhub.Retention{} }
