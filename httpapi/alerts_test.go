package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/alert"
	"orderhub/delivery"
)

// smtpSink is a tiny SMTP server on loopback that keeps every message it is given.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func newSMTPSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { fmt.Fprintf(c, "%s\r\n", l) }
	say("220 sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL FROM:"), strings.HasPrefix(cmd, "RCPT TO:"), cmd == "RSET", cmd == "NOOP":
			say("250 OK")
		case cmd == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func (s *smtpSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// TestOperationalAlertsEndToEnd: an endpoint's receiver fails; when its delivery goes
// dead, one endpoint.failing webhook reaches the alert URL and one e-mail the SMTP
// sink; many more failed deliveries add nothing; when the receiver answers again,
// one endpoint.recovered webhook and one e-mail follow, and nothing else. The
// endpoint's health shows in the admin API meanwhile.
func TestOperationalAlertsEndToEnd(t *testing.T) {
	h := newZapierHub(t)
	const alertSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var alertMu sync.Mutex
	var alertBodies [][]byte
	alertRecv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := delivery.Verify([]string{alertSecret}, r.Header, b, h.Clock.Now(), delivery.DefaultTolerance); err != nil {
			t.Errorf("an alert webhook does not verify: %v", err)
		}
		alertMu.Lock()
		alertBodies = append(alertBodies, b)
		alertMu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(alertRecv.Close)
	sink := newSMTPSink(t)
	n, err := alert.New(alert.Config{WebhookURL: alertRecv.URL + "/ops", WebhookSecret: alertSecret,
		SMTPAddr: sink.ln.Addr().String(), SMTPFrom: "orderhub@example.com", SMTPTo: []string{"ops@example.com"},
		MailEvery: 50 * time.Millisecond, Now: h.Clock.Now, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	notifierDone := make(chan error, 1)
	go func() { notifierDone <- n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-notifierDone })

	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{h.DB.Deliveries(), h.DB.Ops()}, delivery.Config{
		AllowPrivateTargets: true, Jitter: -1, Registry: prometheus.NewRegistry(), Clock: h.Clock.Now,
		Poll: 20 * time.Millisecond, Schedule: []time.Duration{0, time.Minute},
		Alerter: n, AlertFailingAfter: 5 * time.Minute, AlertInterval: time.Hour, BreakFor: 20 * time.Millisecond,
	})
	engCtx, engCancel := context.WithCancel(context.Background())
	engDone := make(chan error, 1)
	go func() { engDone <- eng.Run(engCtx) }()
	t.Cleanup(func() { engCancel(); <-engDone })

	var failing atomic.Bool
	failing.Store(true)
	var got atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)
	createWebhook(t, h.testHub, "crm", recv.URL+"/hooks", []string{"order-created", "order-updated"})

	lead := func(total int) {
		h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, strings.Replace(seedOrderLead, `"total": 120`, fmt.Sprintf(`"total": %d`, total), 1)).expect(200, "")
	}
	endpoint := func() (health string, alerted bool) {
		var ep struct {
			Health    string `json:"health"`
			AlertedAt string `json:"alertedAt"`
		}
		h.jsonReq("GET", "/admin/v1/vendors/acme/endpoints/crm", h.Admin, nil).expect(200, "").JSON(&ep)
		return ep.Health, ep.AlertedAt != ""
	}
	alerts := func() []map[string]any {
		alertMu.Lock()
		defer alertMu.Unlock()
		var out []map[string]any
		for _, b := range alertBodies {
			checkEventBody(t, b) // the catalog's schema of the operational webhook
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			out = append(out, m)
		}
		return out
	}
	deliveries := func(status string) int {
		d, err := h.DB.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{VendorID: "acme", EndpointID: "crm", Status: status})
		if err != nil {
			t.Fatal(err)
		}
		return len(d)
	}

	lead(120) // order-created: fails (first attempt; failing for 0 s: no alert yet)
	waitFor(t, func() bool { return got.Load() >= 1 })
	waitFor(t, func() bool { health, _ := endpoint(); return health == "failing" })
	if a := alerts(); len(a) != 0 {
		t.Fatalf("an alert after one failed attempt: %v", a)
	}
	h.Clock.Add(2 * time.Minute) // the retry fails too: dead letter → endpoint.failing
	waitFor(t, func() bool { return len(alerts()) == 1 && len(sink.messages()) == 1 })
	if a := alerts()[0]; a["type"] != orderhub.AlertFailing || a["data"].(map[string]any)["endpointId"] != "crm" || a["data"].(map[string]any)["deadLetters"] != true {
		t.Fatalf("the first alert %v", a)
	}
	if m := sink.messages()[0]; !strings.Contains(m, "Subject: orderhub: crm failing") || !strings.Contains(m, "dead letter") {
		t.Fatalf("the e-mail:\n%s", m)
	}
	if _, alerted := endpoint(); !alerted {
		t.Fatal("the endpoint does not show the standing alert")
	}

	// No storm: many more failing deliveries (new orders, their retries, dead
	// letters, an open circuit) over two hours add no alert.
	otherCustomer := func(i int) { // an order of another customer (another queue)
		h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token,
			strings.NewReplacer(`"john.doe@thiio.com"`, fmt.Sprintf(`"storm%d@example.com"`, i), `"id": 123`, fmt.Sprintf(`"id": %d`, 1000+i),
				`"+15124713434"`, fmt.Sprintf(`"+1512471%04d"`, i)).Replace(seedOrderLead)).expect(200, "")
	}
	for i := range 20 {
		otherCustomer(i)
	}
	waitFor(t, func() bool {
		return deliveries("failed")+deliveries("dead") >= 21
	})
	for range 4 {
		h.Clock.Add(30 * time.Minute)
		time.Sleep(100 * time.Millisecond)
	}
	waitFor(t, func() bool { return deliveries("dead") >= 21 })
	time.Sleep(200 * time.Millisecond)
	if a, m := alerts(), sink.messages(); len(a) != 1 || len(m) != 1 {
		t.Fatalf("after 21 dead letters: %d alert webhooks, %d e-mails; want 1 and 1", len(a), len(m))
	}

	// It recovers: the next delivery succeeds → endpoint.recovered, once.
	failing.Store(false)
	lead(125)
	// The circuit is open (for up to 64 × BreakFor, real time) and its deliveries fail
	// at once until a probe goes out; with two attempts each they may die first, so
	// new orders keep coming until one is the probe. Retries wait on the test clock.
	for i, deadline := 100, time.Now().Add(30*time.Second); len(alerts()) < 2 || len(sink.messages()) < 2; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %d alerts, %d e-mails", len(alerts()), len(sink.messages()))
		}
		if i%4 == 0 {
			otherCustomer(i)
		}
		h.Clock.Add(time.Minute)
		time.Sleep(100 * time.Millisecond)
	}
	if a := alerts()[1]; a["type"] != orderhub.AlertRecovered || a["data"].(map[string]any)["endpointId"] != "crm" {
		t.Fatalf("the second alert %v", a)
	}
	if m := sink.messages()[1]; !strings.Contains(m, "Subject: orderhub: crm recovered") {
		t.Fatalf("the recovery e-mail:\n%s", m)
	}
	health, alerted := endpoint()
	if health != "healthy" || alerted {
		t.Fatalf("after recovering: health %q, alert standing %v", health, alerted)
	}
	time.Sleep(200 * time.Millisecond)
	if a, m := alerts(), sink.messages(); len(a) != 2 || len(m) != 2 {
		t.Fatalf("in the end %d alert webhooks, %d e-mails; want 2 and 2", len(a), len(m))
	}
}
