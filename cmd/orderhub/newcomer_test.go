package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/delivery"
	"orderhub/sqlstore/pgtest"
)

// What a newcomer trips over on the command line (issue 16).

// migratedDSN returns a new SQLite database holding orderhub's schema: the admin
// commands never create one.
func migratedDSN(t *testing.T) string {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	if _, errOut, err := runCLI(t, "migrate", "--db", dsn); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut)
	}
	return dsn
}

// TestAdminNeverCreatesADatabase: run from the wrong directory (or with a mistyped
// --db), an admin command refuses instead of creating an empty database and then
// reporting everything as not found; its errors name the database, absolutely.
func TestAdminNeverCreatesADatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)

	// The default ./orderhub.db, where there is none.
	_, _, err := runCLI(t, "admin", "vendors", "list")
	abs := filepath.Join(dir, "orderhub.db")
	if err == nil || !strings.Contains(err.Error(), "sqlite:"+abs+" does not exist") || !strings.Contains(err.Error(), "orderhub migrate") {
		t.Fatalf("admin on a missing database: %v", err)
	}
	if _, err := os.Stat(abs); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the admin command created %s: %v", abs, err)
	}

	// An empty file (what earlier versions left behind) and a SQLite database that
	// orderhub never set up are refused too, and stay as they were.
	if err := os.WriteFile("empty.db", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "admin", "vendors", "list", "--db", "sqlite:empty.db"); err == nil || !strings.Contains(err.Error(), "is an empty file") {
		t.Fatalf("admin on an empty file: %v", err)
	}
	if st, _ := os.Stat("empty.db"); st.Size() != 0 {
		t.Fatal("the admin command wrote to the empty file")
	}
	other, err := sql.Open("sqlite", "file:other.db")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(`CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if _, _, err := runCLI(t, "admin", "vendors", "list", "--db", "sqlite:other.db"); err == nil || !strings.Contains(err.Error(), "holds no orderhub schema") {
		t.Fatalf("admin on a foreign database: %v", err)
	}

	// On a real database, a failing command names the database it opened.
	if _, _, err := runCLI(t, "migrate", "--db", "sqlite:real.db"); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI(t, "admin", "clients", "create", "--vendor", "acme", "--db", "sqlite:real.db")
	if err == nil || !strings.Contains(err.Error(), "acme") || !strings.Contains(err.Error(), "(database sqlite:"+filepath.Join(dir, "real.db")+")") {
		t.Fatalf("error without the database: %v", err)
	}
}

// TestMistypedCommandsAreNamed: a mistyped command names the unknown words and the
// closest command, in a line or two rather than the whole command list.
func TestMistypedCommandsAreNamed(t *testing.T) {
	dsn := migratedDSN(t)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"admin", "vendor", "create", "--id", "x"}, []string{`unknown admin command "vendor create"`, "did you mean `orderhub admin vendors create`?"}},
		{[]string{"admin", "vendors", "explode"}, []string{`unknown admin command "vendors explode"`, `"vendors" has create, list`}},
		{[]string{"admin", "vendors", "lsit"}, []string{`"vendors lsit"`, "did you mean `orderhub admin vendors list`?"}},
		{[]string{"admin", "salesmanago", "account", "create"}, []string{`"salesmanago account create"`, "did you mean `orderhub admin salesmanago accounts create`?"}},
		{[]string{"admin", "client", "create", "--vendor", "acme"}, []string{"did you mean `orderhub admin clients create`?"}},
		{[]string{"admin", "endpoints"}, []string{`"endpoints" needs an action`, "create|delete|disable"}},
		{[]string{"admin", "frobnicate", "now"}, []string{`unknown admin command "frobnicate now"`, "orderhub admin help"}},
		{[]string{"admin", "vendors", "create", "acme"}, []string{"unexpected arguments: acme", "--id"}},
		{[]string{"sevre"}, []string{`unknown command "sevre"`, "did you mean `orderhub serve`?"}},
		{[]string{"frobnicate"}, []string{`unknown command "frobnicate"`, "orderhub help"}},
		{[]string{"admin", "vendors", "create", "--nmae", "Acme"}, []string{"unknown flag --nmae; did you mean --name?", "orderhub admin vendors create -h"}},
		{[]string{"admin", "deliveries", "list", "--limit", "ten"}, []string{`invalid value "ten" for flag -limit`}},
		{[]string{"serve", "--adr", "127.0.0.1:0"}, []string{"unknown flag --adr; did you mean --addr?"}},
	} {
		_, errOut, err := runCLI(t, append(c.args, "--db", dsn)...)
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: %v, want a usage error", c.args, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q does not say %q", c.args, err, w)
			}
		}
		if n := strings.Count(errOut, "\n"); n > 2 {
			t.Errorf("%v: %d lines on stderr besides the error:\n%s", c.args, n, errOut)
		}
	}
}

// TestLogDurationsAreReadable: durations in the JSON logs read as durations, not as
// integers of nanoseconds.
func TestLogDurationsAreReadable(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger(&buf, "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("delivery attempt failed", "retry_in", 5417005901*time.Nanosecond, "after", 120*time.Hour, "attempt", 2)
	log.With("component", "delivery").WithGroup("g").Info("x", "wait", 1500*time.Millisecond)
	out := buf.String()
	for _, want := range []string{`"retry_in":"5.417005901s"`, `"after":"120h0m0s"`, `"attempt":2`, `"wait":"1.5s"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

// TestDemoRemovesItsTemporaryDatabase: `orderhub demo` without --db works in a
// temporary directory of its own and removes it when it stops.
func TestDemoRemovesItsTemporaryDatabase(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, stdout, stderr)
	}()
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(stdout.String(), "Complete Example") {
		select {
		case err := <-done:
			t.Fatalf("demo ended before it was up: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not start\n%s", stderr.String())
		}
	}
	if !strings.Contains(stdout.String(), "removed when the demo stops") {
		t.Errorf("the demo does not say its database is temporary:\n%s", stdout.String())
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "orderhub-demo-") {
		t.Fatalf("while running, the temp dir holds %v", ents)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop")
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Fatalf("the demo left %v in the temp dir", ents)
	}
}

// TestReceiveVerifiesSignatures: `orderhub receive` answers a correctly signed
// delivery with --status and a forged or unsigned one with 401, saying which.
func TestReceiveVerifiesSignatures(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	if _, _, err := runCLI(t, "receive", "--secret", "hunter2"); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "whsec_") {
		t.Fatalf("a bad --secret: %v", err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"receive", "--addr", addr, "--secret", secret, "--status", "202"}, func(string) string { return "" }, out, out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, "the receiver", func() bool { return strings.Contains(out.String(), "listening") }, out)

	body := []byte(`{"id":"evt_1","type":"order-created","timestamp":"2026-12-02T08:00:00Z","data":{}}`)
	post := func(sign string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks", bytes.NewReader(body))
		now := time.Now()
		sig, err := delivery.Sign([]string{sign}, "evt_1", now, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("webhook-id", "evt_1")
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := post(secret); st != 202 {
		t.Errorf("signed delivery answered %d", st)
	}
	if st := post("whsec_b3RoZXItb3RoZXItb3RoZXItb3RoZXI="); st != 401 {
		t.Errorf("forged delivery answered %d", st)
	}
	got := out.String()
	if !strings.Contains(got, "order-created webhook-id=evt_1: signature verified; answered 202") ||
		!strings.Contains(got, "REJECTED: no webhook-signature matches") || !strings.Contains(got, string(body)) {
		t.Errorf("receiver output:\n%s", got)
	}
}

// TestAdminNeverInitialisesAPostgresDatabase: on PostgreSQL the database must exist
// anyway; an empty one is not given orderhub's schema by an admin command either.
func TestAdminNeverInitialisesAPostgresDatabase(t *testing.T) {
	dsn := pgtest.NewCluster(t).CreateDB(t)
	_, _, err := runCLI(t, "admin", "vendors", "list", "--db", dsn)
	if err == nil || !strings.Contains(err.Error(), "holds no orderhub schema") || strings.Contains(err.Error(), "password=") {
		t.Fatalf("admin on an empty PostgreSQL database: %v", err)
	}
	if _, _, err := runCLI(t, "migrate", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runCLI(t, "admin", "vendors", "list", "--db", dsn); err != nil {
		t.Fatalf("admin after migrate: %v\n%s", err, errOut)
	}
}
