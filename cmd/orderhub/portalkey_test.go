package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"orderhub/hub"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/console"
	"orderhub/sealing"
)

// The key that signs portal links is sealed at rest as the token signing key is: a
// plain key is replaced by a sealed one on serve's start (links signed with it, or
// with whatever the settings row holds, are refused), and `admin secrets reseal`
// moves it to a new key without ending the links made since.
func TestPortalKeySealedOnStartAndResealed(t *testing.T) {
	ctx := context.Background()
	db, dsn, raw := acmeSQLite(t)
	stored := func() string {
		t.Helper()
		var v string
		if err := raw.QueryRow(`SELECT value FROM settings WHERE key = 'portal_link_key'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	h := console.Portal(console.Config{Store: hub.Wrap(db.Store(), db)})
	get := func(url string) int {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		return rec.Code
	}
	// forge signs a manage link with key, as whoever read key from the database would.
	forge := func(key string) string {
		p := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"v":"acme","a":"manage","e":%d}`, time.Now().Add(time.Hour).Unix()))
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte("orderhub portal link\n" + p))
		return console.PortalPrefix + "/" + p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)) + "/"
	}
	link := func() string {
		t.Helper()
		l, err := console.NewPortalLink(ctx, hub.Wrap(db.Store(), db), "acme", console.PortalRead, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return l.URL
	}

	// An older database: the key in plain text, and the raw value signs links.
	old := link()
	plain := stored()
	if sealing.IsSealed(plain) || get(old) != 200 || get(forge(plain)) != 200 {
		t.Fatalf("before sealing: stored %q, link %d, forged %d", plain, get(old), get(forge(plain)))
	}

	// serve's start with a key: the plain key is replaced by a fresh, sealed one.
	key1, _ := sealing.New("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	var logs bytes.Buffer
	if err := sealAtRest(ctx, db, key1, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	s1 := stored()
	if !sealing.IsSealed(s1) || strings.Contains(s1, plain) {
		t.Fatalf("the portal link key is not sealed: %q", s1)
	}
	if k, err := key1.Open(s1, orderhub.PortalKeySetting); err != nil || k == plain || len(k) != 64 {
		t.Fatalf("the sealed key opens to %q, %v (the plain one was %q)", k, err, plain)
	}
	if !strings.Contains(logs.String(), "portal link key") {
		t.Fatalf("no warning about the replaced key: %s", logs.String())
	}
	for name, url := range map[string]string{"a link made before": old, "a link signed with the old plain key": forge(plain), "a link signed with the raw settings value": forge(s1)} {
		if c := get(url); c != 404 {
			t.Fatalf("%s after sealing: %d, want 404", name, c)
		}
	}
	fresh := link()
	if c := get(fresh); c != 200 {
		t.Fatalf("a new link: %d", c)
	}
	if v := stored(); v != s1 {
		t.Fatal("the sealed key changed on use")
	}
	// A second start leaves it alone.
	if err := sealAtRest(ctx, db, key1, slog.New(slog.DiscardHandler)); err != nil || stored() != s1 {
		t.Fatalf("a second start: %v, key changed %v", err, stored() != s1)
	}

	// Rotation: the same key, sealed with key2; links made before keep working.
	const k2 = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
	env := map[string]string{sealing.KeyEnv: k2, "OLD_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"admin", "secrets", "reseal", "--old-key-env", "OLD_KEY", "--db", dsn}, func(k string) string { return env[k] }, &out, &errOut); err != nil {
		t.Fatalf("reseal: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), orderhub.SecretPortalKey) {
		t.Fatalf("reseal printed %q", out.String())
	}
	s2 := stored()
	key2, _ := sealing.New(k2)
	if s2 == s1 || !sealing.IsSealed(s2) {
		t.Fatalf("the portal link key was not resealed: %q", s2)
	}
	if _, err := key1.Open(s2, orderhub.PortalKeySetting); err == nil {
		t.Fatal("the old sealing key still opens the resealed portal link key")
	}
	db.Tenants().SetSealer(key2)
	if c := get(fresh); c != 200 {
		t.Fatalf("a link made before the rotation: %d", c)
	}
	if c := get(forge(s2)); c != 404 {
		t.Fatalf("a link signed with the raw settings value after the rotation: %d", c)
	}
	// Without the sealing key the portal cannot open the key and refuses every link
	// (it does not fall back to the raw value).
	db.Tenants().SetSealer(nil)
	if c := get(fresh); c == 200 {
		t.Fatal("a link verified without the sealing key")
	}
}
