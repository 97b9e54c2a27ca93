package delivery_test

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/delivery"
)

func TestVerifyChecksWhatSignSigns(t *testing.T) {
	const oldSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	const newSecret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"
	now := time.Unix(1_764_662_400, 0)
	body := []byte(`{"id":"evt_1","type":"order-created","timestamp":"2025-12-02T08:00:00Z","data":{}}`)
	header := func(secrets []string, at time.Time) http.Header {
		sig, err := delivery.Sign(secrets, "evt_1", at, body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("webhook-id", "evt_1")
		h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
		h.Set("webhook-signature", sig)
		return h
	}
	ok := header([]string{newSecret, oldSecret}, now)
	if !strings.Contains(ok.Get("webhook-signature"), " ") {
		t.Fatalf("a rotation signs twice: %q", ok.Get("webhook-signature"))
	}
	for _, secrets := range [][]string{{newSecret}, {oldSecret}, {"whsec_b3RoZXItb3RoZXItb3RoZXItb3RoZXI=", oldSecret}} {
		if err := delivery.Verify(secrets, ok, body, now.Add(time.Minute), delivery.DefaultTolerance); err != nil {
			t.Errorf("%v: %v", secrets, err)
		}
	}
	for name, c := range map[string]struct {
		h    http.Header
		body string
		now  time.Time
		want string
	}{
		"tampered body":   {ok, strings.Replace(string(body), "order", "contract", 1), now, "no webhook-signature matches"},
		"other secret":    {header([]string{"whsec_b3RoZXItb3RoZXItb3RoZXItb3RoZXI="}, now), string(body), now, "no webhook-signature matches"},
		"too old":         {ok, string(body), now.Add(6 * time.Minute), "more than 5m0s"},
		"from the future": {ok, string(body), now.Add(-6 * time.Minute), "more than 5m0s"},
		"no headers":      {http.Header{}, string(body), now, "missing"},
	} {
		err := delivery.Verify([]string{newSecret}, c.h, []byte(c.body), c.now, delivery.DefaultTolerance)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// TestWebhooksDocExampleVerifies keeps the signed request in docs/webhooks.md true:
// its signature is the body's under the secret the page names.
func TestWebhooksDocExampleVerifies(t *testing.T) {
	doc, err := os.ReadFile("../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	var body, secret string
	for _, l := range strings.Split(string(doc), "\n") {
		l = strings.TrimSpace(l)
		if name, v, ok := strings.Cut(l, ": "); ok && strings.HasPrefix(name, "webhook-") && h.Get(name) == "" {
			h.Set(name, v)
		}
		if body == "" && strings.HasPrefix(l, `{"id":"evt_`) {
			body = l
		}
		if i := strings.Index(l, "(Signed with the secret `"); i >= 0 && secret == "" {
			secret, _, _ = strings.Cut(l[i+len("(Signed with the secret `"):], "`")
		}
	}
	ts, err := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
	if err != nil || body == "" || secret == "" {
		t.Fatalf("no example request in docs/webhooks.md: headers %v, body %q, secret %q", h, body, secret)
	}
	if err := delivery.Verify([]string{secret}, h, []byte(body), time.Unix(ts, 0), delivery.DefaultTolerance); err != nil {
		t.Fatalf("the documented request does not verify: %v", err)
	}
}
