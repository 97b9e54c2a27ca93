package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"orderhub"
	"orderhub/connector/salesmanago"
	"orderhub/connector/yespo"
	"orderhub/delivery"
	"orderhub/sealing"
)

// Issue 15: an existing database migrates: serve seals the secrets stored in plain
// text (webhook signing secrets, connector secrets) when ORDERHUB_SECRET_KEY is
// set, deliveries keep being signed with the same secrets, and `admin secrets
// reseal --old-key-env` moves everything to a new key.
func TestSecretsSealedOnStartAndResealed(t *testing.T) {
	ctx := context.Background()
	db, dsn, raw := acmeSQLite(t)
	// The rows of an older version: everything in plain text.
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer recv.Close()
	ep := &orderhub.Endpoint{VendorID: "acme", URL: recv.URL}
	if err := db.Deliveries().CreateEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if _, err := yespo.NewConnector(db.Connectors(), nil, nil).SaveAccount(ctx, "acme", "https://yespo.example", "yespo-key"); err != nil {
		t.Fatal(err)
	}
	sm, err := salesmanago.CreateAccount(ctx, db.Connectors(), nil, "acme", &orderhub.SalesmanagoAccountInput{GroupKey: "g", BaseURL: "https://app3.salesmanago.com",
		ClientID: "c", APISecret: "sm-secret", Owner: "o@acme.example", APIKey: "sm-key"})
	if err != nil {
		t.Fatal(err)
	}
	stored := func() map[string]string {
		t.Helper()
		m := map[string]string{}
		for name, q := range map[string]string{
			"webhook": `SELECT secret FROM endpoints WHERE id = '` + ep.ID + `'`,
			"yespo":   `SELECT api_key FROM yespo_accounts WHERE vendor_id = 'acme'`,
			"smsec":   `SELECT api_secret FROM salesmanago_accounts WHERE id = '` + sm.ID + `'`,
			"smkey":   `SELECT api_key FROM salesmanago_accounts WHERE id = '` + sm.ID + `'`,
		} {
			var v string
			if err := raw.QueryRow(q).Scan(&v); err != nil {
				t.Fatal(name, err)
			}
			m[name] = v
		}
		return m
	}
	if s := stored(); s["webhook"] != ep.Secret || !strings.Contains(s["yespo"], "yespo-key") || !strings.Contains(s["smsec"], "sm-secret") {
		t.Fatalf("the old rows are not plain: %v", s)
	}

	// serve's start with a key seals them.
	key1, _ := sealing.New("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err := sealAtRest(ctx, db, key1, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	s1 := stored()
	for name, v := range s1 {
		if !sealing.IsSealed(v) || strings.Contains(v, "key") || strings.Contains(v, "secret") || strings.Contains(v, strings.TrimPrefix(ep.Secret, "whsec_")) {
			t.Fatalf("%s is not sealed: %q", name, v)
		}
	}
	if s, err := db.Deliveries().EndpointSecret(ctx, "acme", ep.ID); err != nil || s != ep.Secret {
		t.Fatalf("the endpoint's secret reads %q, %v", s, err)
	}
	if k, err := key1.Open(s1["yespo"], "yespo:acme"); err != nil || k != "yespo-key" {
		t.Fatalf("the Yespo key opens to %q, %v", k, err)
	}
	// Deliveries are signed with the same secret as before.
	eng := delivery.New(deliveryStore(db), delivery.Config{AllowPrivateTargets: true, Poll: 20 * time.Millisecond})
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(dctx) }()
	if _, err := db.Deliveries().AppendEvent(ctx, "acme", "test-event", "k1", json.RawMessage(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if len(got) == 0 {
		t.Fatal("the event did not reach the webhook")
	}
	wh, _ := standardwebhooks.NewWebhook(ep.Secret)
	if err := wh.Verify(bodies[0], got[0].Header); err != nil {
		t.Fatalf("a delivery after sealing does not verify with the endpoint's secret: %v", err)
	}

	// Rotation: every secret moves to key2 and no longer opens with key1.
	const k2 = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
	env := map[string]string{sealing.KeyEnv: k2, "OLD_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"admin", "secrets", "reseal", "--db", dsn}, func(k string) string { return map[string]string{sealing.KeyEnv: k2}[k] }, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--old-key-env") {
		t.Fatalf("reseal without the old key: %v %s", err, errOut.String())
	}
	if err := run(ctx, []string{"admin", "secrets", "reseal", "--old-key-env", "OLD_KEY", "--db", dsn}, func(k string) string { return env[k] }, &out, &errOut); err != nil {
		t.Fatalf("reseal: %v %s", err, errOut.String())
	}
	key2, _ := sealing.New(k2)
	s2 := stored()
	for name, v := range s2 {
		if v == s1[name] || !sealing.IsSealed(v) {
			t.Fatalf("%s was not resealed", name)
		}
	}
	if _, err := key1.Open(s2["smsec"], sm.ID); err == nil {
		t.Fatal("the old key still opens a resealed secret")
	}
	if v, err := key2.Open(s2["smsec"], sm.ID); err != nil || v != "sm-secret" {
		t.Fatalf("the new key opens %q, %v", v, err)
	}
	db.Tenants().SetSealer(key2)
	if s, err := db.Deliveries().EndpointSecret(ctx, "acme", ep.ID); err != nil || s != ep.Secret {
		t.Fatalf("after the rotation the endpoint's secret reads %q, %v", s, err)
	}
	if !strings.Contains(out.String(), orderhub.SecretWebhook) {
		t.Fatalf("reseal printed %q", out.String())
	}
}
