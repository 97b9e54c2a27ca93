package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/sealing"
	"orderhub/sqlstore"
)

// Webhook signing secrets are sealed at rest when the store has a sealer, read back
// (and claimed for signing) as they were, and ResealSecrets rewrites them; the
// write-health probe works on both engines.
func TestSealedSecretsAndWriteHealth(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme", Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		plain := &orderhub.Endpoint{VendorID: "acme", URL: "https://hooks.example.com/plain"}
		if err := db.Deliveries().CreateEndpoint(ctx, plain); err != nil {
			t.Fatal(err)
		}
		k1, _ := sealing.New("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
		db.Tenants().SetSealer(k1)
		sealed := &orderhub.Endpoint{VendorID: "acme", URL: "https://hooks.example.com/sealed"}
		if err := db.Deliveries().CreateEndpoint(ctx, sealed); err != nil {
			t.Fatal(err)
		}
		rot, err := db.Deliveries().RotateEndpointSecret(ctx, "acme", sealed.ID, "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for ep, want := range map[string]string{plain.ID: plain.Secret, sealed.ID: rot.Secret} {
			if got, err := db.Deliveries().EndpointSecret(ctx, "acme", ep); err != nil || got != want {
				t.Fatalf("%s: secret %q, %v; want %q", ep, got, err, want)
			}
		}
		// What is stored: plain for the old row, sealed for the new one.
		seen := map[string]string{}
		rep, err := db.Tenants().ResealSecrets(ctx, func(kind, context, stored string) (string, error) {
			if kind == orderhub.SecretWebhook {
				seen[context] += stored + " "
			}
			return stored, nil
		})
		if err != nil || len(rep) != 0 {
			t.Fatalf("a no-op reseal: %v %v", rep, err)
		}
		if p := seen[orderhub.EndpointSecretContext(plain.ID)]; !strings.HasPrefix(p, "whsec_") {
			t.Fatalf("the plain row: %q", p)
		}
		if s := seen[orderhub.EndpointSecretContext(sealed.ID)]; strings.Contains(s, "whsec_") || strings.Count(s, "v1:") != 2 {
			t.Fatalf("the sealed row (current and previous): %q", s)
		}
		// Seal the plain row; claims sign with the secrets in clear.
		rep, err = db.Tenants().ResealSecrets(ctx, func(kind, context, stored string) (string, error) {
			if sealing.IsSealed(stored) || kind != orderhub.SecretWebhook {
				return stored, nil
			}
			return k1.Seal(stored, context)
		})
		if err != nil || rep[orderhub.SecretWebhook] != 1 {
			t.Fatalf("sealing the plain row: %v %v", rep, err)
		}
		if _, err := db.Deliveries().AppendEvent(ctx, "acme", "t", "k", json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
		_, claimed, err := db.Deliveries().CompleteAndClaim(ctx, nil, orderhub.CompleteOptions{}, &orderhub.ClaimRequest{Owner: "t", Limit: 10, PerEndpoint: 10, Lease: time.Minute})
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claimed %d, %v", len(claimed), err)
		}
		for _, c := range claimed {
			want := []string{plain.Secret}
			if c.EndpointID == sealed.ID {
				want = []string{rot.Secret, sealed.Secret}
			}
			if c.SecretError != "" || strings.Join(c.Secrets, " ") != strings.Join(want, " ") {
				t.Fatalf("claimed %s with secrets %v (%s), want %v", c.EndpointID, c.Secrets, c.SecretError, want)
			}
		}
		// Without the key a sealed secret cannot be used, and says why.
		db.Tenants().SetSealer(nil)
		if _, err := db.Deliveries().EndpointSecret(ctx, "acme", sealed.ID); err == nil || !strings.Contains(err.Error(), sealing.KeyEnv) {
			t.Fatalf("without the key: %v", err)
		}
		db.Tenants().SetSealer(k1)
		if err := db.Ops().WriteHealth(ctx); err != nil {
			t.Fatalf("write health: %v", err)
		}
	})
}

// Readiness follows the writes on both engines: a write the database refuses (a
// trigger raising the error a full disk gives) makes WriteHealth fail, and it
// recovers by itself once writes succeed.
func TestWriteHealthFollowsFailingWrites(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ *sqlstore.DB) {
		ctx := context.Background()
		dsn := testDSN(t)
		db := openDSN(t, dsn)
		var raw *sql.DB
		var err error
		fail, heal := []string{
			`CREATE TRIGGER full_disk_i BEFORE INSERT ON settings BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
			`CREATE TRIGGER full_disk_u BEFORE UPDATE ON settings BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
		}, []string{`DROP TRIGGER full_disk_i`, `DROP TRIGGER full_disk_u`}
		if testEngine(t) == "postgres" {
			raw, err = sql.Open("pgx", dsn)
			fail = []string{
				`CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$`,
				`CREATE TRIGGER full_disk BEFORE INSERT OR UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION full_disk()`,
			}
			heal = []string{`DROP TRIGGER full_disk ON settings`}
		} else {
			raw, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(5000)")
		}
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if err := db.Ops().WriteHealth(ctx); err != nil {
			t.Fatalf("healthy: %v", err)
		}
		for _, q := range fail {
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(1100 * time.Millisecond) // the probe runs at most once a second
		if err := db.Ops().WriteHealth(ctx); err == nil {
			t.Fatal("writes fail and WriteHealth says healthy")
		}
		for _, q := range heal {
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(1100 * time.Millisecond)
		if err := db.Ops().WriteHealth(ctx); err != nil {
			t.Fatalf("writes succeed again and WriteHealth says %v", err)
		}
	})
}
