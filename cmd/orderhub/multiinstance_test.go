package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// Several `orderhub serve` processes on one PostgreSQL database, as real processes of
// the real binary.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// orderhubBinary builds the orderhub binary once per test run.
func orderhubBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "orderhub-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "orderhub")
		cmd := exec.Command("go", "build", "-o", builtBin, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// instance is one running `orderhub serve` process.
type instance struct {
	name string
	url  string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startInstances starts n serve processes on dsn at once and waits until each
// listens. Extra arguments go to every `serve`.
func startInstances(t testing.TB, dsn string, n int, extra ...string) []*instance {
	t.Helper()
	bin := orderhubBinary(t)
	insts := make([]*instance, n)
	ready := make(chan error, n)
	for i := range n {
		in := &instance{name: fmt.Sprintf("orderhub-%d", i+1), log: &syncBuffer{}, done: make(chan struct{})}
		args := append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn"}, extra...)
		in.cmd = exec.Command(bin, args...)
		in.cmd.Stderr = in.log
		stdout, err := in.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := in.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		insts[i] = in
		go func() {
			sc := bufio.NewScanner(stdout)
			found := false
			for sc.Scan() {
				line := sc.Text()
				if a, ok := strings.CutPrefix(line, "orderhub listening on "); ok && !found {
					in.url = a
					found = true
					ready <- nil
				}
			}
			if !found {
				ready <- fmt.Errorf("%s exited before listening", in.name)
			}
		}()
		go func() {
			_ = in.cmd.Wait()
			close(in.done)
		}()
		t.Cleanup(func() { in.stop() })
	}
	timeout := time.After(60 * time.Second)
	for range n {
		select {
		case err := <-ready:
			if err != nil {
				t.Fatalf("%v\n%s", err, logs(insts))
			}
		case <-timeout:
			t.Fatalf("instances did not start within 60s\n%s", logs(insts))
		}
	}
	return insts
}

// stop ends the process gracefully (SIGTERM), killing it after 20 s.
func (in *instance) stop() {
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(90 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
}

func logs(insts []*instance) string {
	var b strings.Builder
	for _, in := range insts {
		if in != nil {
			fmt.Fprintf(&b, "--- %s stderr:\n%s\n", in.name, in.log.String())
		}
	}
	return b.String()
}

// admin runs `orderhub admin … --json --db dsn` and decodes its output into out.
func admin(t testing.TB, dsn string, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(orderhubBinary(t), append(append([]string{"admin"}, args...), "--json", "--db", dsn)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("orderhub admin %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("orderhub admin %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
}

// fixture creates vendor acme with a promo code and an OAuth client; it returns the
// client's credentials.
func fixture(t testing.TB, dsn string) (clientID, secret string) {
	t.Helper()
	// Admin commands never create a database: migrate it as an operator would.
	if out, err := exec.Command(orderhubBinary(t), "migrate", "--db", dsn).CombinedOutput(); err != nil {
		t.Fatalf("orderhub migrate: %v\n%s", err, out)
	}
	admin(t, dsn, nil, "vendors", "create", "--id", "acme", "--name", "Acme")
	admin(t, dsn, nil, "promos", "create", "--vendor", "acme", "--code", "PROMOCODE", "--product", "Digital 12m", "--price", "99.00", "--binding-months", "12")
	var c struct {
		ID           string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	admin(t, dsn, &c, "clients", "create", "--vendor", "acme", "--id", "shop")
	if c.ID == "" || c.ClientSecret == "" {
		t.Fatalf("client: %+v", c)
	}
	return c.ID, c.ClientSecret
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

func token(t testing.TB, base, clientID, secret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	res, err := httpClient.PostForm(base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	return tok.AccessToken
}

type orderReply struct {
	status      int
	ContractID  string `json:"contractId"`
	ResponseKey string `json:"responseKey"`
	raw         string
}

// orderRequest is a confirmed Vendor Order API order of acme's PROMOCODE.
func orderRequest(base, tok, ext, email string) *http.Request {
	body := fmt.Sprintf(`{"externalOrderId":%q,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":%q,"fullName":"Anna Andersson"}}`, ext, email)
	req, _ := http.NewRequest("POST", base+"/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// placeOrder places orderRequest's order with client; the reply's ContractID and
// ResponseKey are set when it answered 200.
func placeOrder(client *http.Client, base, tok, ext, email string) (*orderReply, error) {
	res, err := client.Do(orderRequest(base, tok, ext, email))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	r := &orderReply{status: res.StatusCode, raw: string(b)}
	if res.StatusCode == 200 {
		if err := json.Unmarshal(b, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Three instances start at once on an empty database (their migrations take turns),
// then every order is sent to all three at the same moment: each order has exactly
// one contract, and all three answers name it.
func TestMultiInstanceSameOrderOneContract(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	cluster := pgtest.NewCluster(t)
	dsn := cluster.CreateDB(t)
	insts := startInstances(t, dsn, 3)
	clientID, secret := fixture(t, dsn)
	// A token from one instance is good at every instance (one signing key, kept in
	// the database).
	tok := token(t, insts[0].url, clientID, secret)

	const orders = 25
	for i := range orders {
		ext := fmt.Sprintf("ORDER-%03d", i)
		email := fmt.Sprintf("buyer%d@example.com", i%5) // customers shared between orders too
		replies := make([]*orderReply, len(insts))
		errs := make([]error, len(insts))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for j, in := range insts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				replies[j], errs[j] = placeOrder(httpClient, in.url, tok, ext, email)
			}()
		}
		close(start)
		wg.Wait()
		created := 0
		for j, r := range replies {
			if errs[j] != nil {
				t.Fatalf("%s at %s: %v", ext, insts[j].name, errs[j])
			}
			if r.status != 200 || r.ContractID == "" {
				t.Fatalf("%s at %s: %d %s\n%s", ext, insts[j].name, r.status, r.raw, logs(insts))
			}
			if r.ContractID != replies[0].ContractID {
				t.Fatalf("%s: instances answered different contracts: %s vs %s", ext, r.ContractID, replies[0].ContractID)
			}
			switch r.ResponseKey {
			case orderhub.ResponseCreatedConfirmed:
				created++
			case orderhub.ResponseSkippedConfirmed:
			default:
				t.Fatalf("%s at %s: response key %q", ext, insts[j].name, r.ResponseKey)
			}
		}
		if created != 1 {
			t.Fatalf("%s: %d answers say created; want exactly one, the others %s", ext, created, orderhub.ResponseSkippedConfirmed)
		}
	}

	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range orders {
		ext := fmt.Sprintf("ORDER-%03d", i)
		if n, err := db.Orders().CountContracts(context.Background(), "acme", ext); err != nil || n != 1 {
			t.Fatalf("%s: %d contracts (%v)", ext, n, err)
		}
	}
	// Five shared customers, one per e-mail.
	evs, err := db.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: "acme", Type: "customer-created", Limit: 1000})
	if err != nil || len(evs) != 5 {
		t.Fatalf("customer-created events: %d (%v), want 5", len(evs), err)
	}
}
