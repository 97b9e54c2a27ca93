package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"orderhub"
	"orderhub/sealing"
	"orderhub/sqlstore"
)

// The idempotency key store on both engines: claim, answer, replay (a sealed body
// opened again), another fingerprint, in progress, a dead holder's key taken over,
// expiry and pruning.
func TestIdempotencyKeyStore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		s, err := sealing.New("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
		if err != nil {
			t.Fatal(err)
		}
		db.Tenants().SetSealer(s)
		now := time.Now()
		db.Now = func() time.Time { return now }
		claim := func(key, fp string) (*orderhub.IdempotentAnswer, bool) {
			t.Helper()
			a, ok, err := db.Orders().ClaimIdempotencyKey(ctx, "token:t1", key, fp, time.Minute, 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return a, ok
		}
		if _, ok := claim("k", "fp1"); !ok {
			t.Fatal("a new key is not claimed")
		}
		if a, ok := claim("k", "fp1"); ok || a.Status != 0 || a.Fingerprint != "fp1" {
			t.Fatalf("in progress: %+v %v", a, ok)
		}
		if err := db.Orders().SaveIdempotentAnswer(ctx, "token:t1", "k", 201, "application/json", []byte(`{"secret":"s3"}`), true); err != nil {
			t.Fatal(err)
		}
		a, ok := claim("k", "fp1")
		if ok || a.Status != 201 || string(a.Body) != `{"secret":"s3"}` || !a.Sealed || a.ContentType != "application/json" {
			t.Fatalf("replay: %+v %v", a, ok)
		}
		if a, ok := claim("k", "fp2"); ok || a.Fingerprint != "fp1" {
			t.Fatalf("other request: %+v %v", a, ok)
		}
		// Another scope is another key.
		if _, ok, _ := db.Orders().ClaimIdempotencyKey(ctx, "token:t2", "k", "fp2", time.Minute, 24*time.Hour); !ok {
			t.Fatal("another token's key")
		}
		// A holder that died: its key is taken over after the lock.
		claim("dead", "fp")
		now = now.Add(2 * time.Minute)
		if _, ok := claim("dead", "fp"); !ok {
			t.Fatal("a dead holder's key is not taken over")
		}
		if err := db.Orders().ReleaseIdempotencyKey(ctx, "token:t1", "dead"); err != nil {
			t.Fatal(err)
		}
		// After 24 hours the key is new, and pruning removes expired keys.
		now = now.Add(25 * time.Hour)
		st, err := db.Admin().Prune(ctx, orderhub.Retention{})
		if err != nil || st.IdemKeys != 2 {
			t.Fatalf("pruned %d keys: %v", st.IdemKeys, err)
		}
		if _, ok := claim("k", "fp2"); !ok {
			t.Fatal("an expired key is not new")
		}
	})
}
