package delivery

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a webhook-timestamp may be from the receiver's clock
// (Standard Webhooks: 5 minutes).
const DefaultTolerance = 5 * time.Minute

// Verify checks a received delivery as a Standard Webhooks receiver does: the
// webhook-id, webhook-timestamp and webhook-signature headers are present, the
// timestamp is within tolerance of now, and one of the space-separated v1
// signatures is the HMAC-SHA256 of "id.timestamp.body" under one of secrets
// (whsec_…; several while a rotation overlaps). It is what `orderhub receive`
// checks, and the reference for docs/webhooks.md.
func Verify(secrets []string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook-id, webhook-timestamp or webhook-signature header")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q is not Unix seconds", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook-timestamp is %s away from this clock (more than %s): a replayed or delayed request", d.Round(time.Second), tolerance)
	}
	for _, s := range secrets {
		want, err := Sign([]string{s}, id, time.Unix(sec, 0), body)
		if err != nil {
			return err
		}
		wantMAC, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(want, "v1,"))
		for _, sig := range strings.Fields(sigs) {
			version, mac, ok := strings.Cut(sig, ",")
			if !ok || version != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(mac)
			if err == nil && hmac.Equal(got, wantMAC) {
				return nil
			}
		}
	}
	return errors.New("no webhook-signature matches the body under the secret")
}
