package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// from is an HTTP client whose connections come from the loopback address ip
// (127.0.0.2, …: Linux routes all of 127/8 to lo), so the server sees distinct
// source addresses over real TCP.
func from(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func post(t *testing.T, c *http.Client, u, contentType, body string, header map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Issue 15: a stranger who knows a client id (or a Zapier user's e-mail) cannot
// lock the real client out, and cannot tell real ids from unknown ones by the
// answers. Failures count per (identifier, address) and per address.
func TestStrangersCannotLockClientsOut(t *testing.T) {
	zh := newZapierHub(t)
	h := zh.testHub
	attacker, victim := from(t, "127.0.0.2"), from(t, "127.0.0.3")
	token := func(c *http.Client, id, secret string) int {
		return post(t, c, h.URL+"/oauth/token", "application/x-www-form-urlencoded",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode(), nil)
	}
	event := func(c *http.Client, id, secret string) int {
		auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
		return post(t, c, h.URL+"/api/v1/event", "application/json", `{"eventTypeKey":"orderCreated","keyValue":"o-1","params":[]}`, map[string]string{"Authorization": auth})
	}
	login := func(c *http.Client, email, password string) int {
		b, _ := json.Marshal(map[string]string{"email": email, "password": password, "integration": "zapier"})
		return post(t, c, h.URL+"/api/login", "application/json", string(b), nil)
	}
	statuses := func(f func(i int) int) string {
		var s []string
		for i := range 8 {
			s = append(s, fmt.Sprint(f(i)))
		}
		return strings.Join(s, " ")
	}

	// The attacker guesses the real client's secret: throttled after 5 failures.
	known := statuses(func(i int) int { return token(attacker, h.ClientID, fmt.Sprint("guess", i)) })
	if known != "401 401 401 401 401 429 429 429" {
		t.Fatalf("guessing a real client id: %s", known)
	}
	// An unknown id answers exactly alike (from a fresh address): no oracle.
	if unknown := statuses(func(i int) int { return token(from(t, "127.0.0.4"), "no-such-client", fmt.Sprint("guess", i)) }); unknown != known {
		t.Fatalf("an unknown client id answers %s, a real one %s", unknown, known)
	}
	// The real client, from its own address, still gets tokens and sends events
	// with HTTP Basic; the attacker still cannot, even with the right secret.
	if st := token(victim, h.ClientID, h.Secret); st != 200 {
		t.Fatalf("the real client got %d for a token while an attacker was throttled", st)
	}
	if st := event(victim, h.ClientID, h.Secret); st != 200 {
		t.Fatalf("the real client's Basic-auth event: %d", st)
	}
	if st := token(attacker, h.ClientID, h.Secret); st != 429 {
		t.Fatalf("the throttled address got %d with the right secret", st)
	}
	// The same on the Basic-auth order events API.
	if got := statuses(func(i int) int { return event(from(t, "127.0.0.5"), h.ClientID, fmt.Sprint("guess", i)) }); got != known {
		t.Fatalf("Basic auth, real id: %s", got)
	}
	if got := statuses(func(i int) int { return event(from(t, "127.0.0.6"), "no-such-client", fmt.Sprint("guess", i)) }); got != known {
		t.Fatalf("Basic auth, unknown id: %s", got)
	}

	// Zapier logins: the same rules per e-mail and address.
	zknown := statuses(func(i int) int { return login(attacker, "admin@acme.example", fmt.Sprint("guess-guess", i)) })
	if zknown != known {
		t.Fatalf("Zapier login, real e-mail: %s", zknown)
	}
	if got := statuses(func(i int) int {
		return login(from(t, "127.0.0.7"), "nobody@acme.example", fmt.Sprint("guess-guess", i))
	}); got != zknown {
		t.Fatalf("Zapier login, unknown e-mail: %s, real: %s", got, zknown)
	}
	if st := login(victim, "admin@acme.example", "123456789"); st != 200 {
		t.Fatalf("the real Zapier user got %d while an attacker was throttled", st)
	}

	// One address guessing at many identifiers is throttled as a whole.
	spray := from(t, "127.0.0.8")
	var last int
	for i := range 25 {
		last = token(spray, fmt.Sprint("client-", i), "x")
	}
	if last != 429 {
		t.Fatalf("an address trying 25 client ids: last answer %d, want 429", last)
	}
}
