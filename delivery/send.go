package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/netguard"
)

// Payload is the JSON body of every webhook delivery (Standard Webhooks' {type,
// timestamp, data} plus the event id, which receivers deduplicate on, and the
// ordering key and sequence number receivers order by). docs/events.md and the
// webhooks section of docs/openapi.yaml describe it per event type.
type Payload struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"` // the event's time, RFC 3339 UTC
	// OrderingKey is the queue the event belongs to (a customer id for everything a
	// customer does); empty for events outside any queue (endpoint-test).
	OrderingKey string `json:"orderingKey"`
	// Seq is the event's sequence number: the vendor's, so it increases from one
	// event of an ordering key to the next (and never repeats within the vendor).
	Seq  int64           `json:"seq"`
	Data json.RawMessage `json:"data"`
}

// Body returns the request body of a claimed delivery.
func Body(c *orderhub.ClaimedDelivery) ([]byte, error) {
	data := c.EventData
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return json.Marshal(Payload{ID: c.EventID, Type: c.EventType, Timestamp: c.EventTime.UTC().Format(time.RFC3339Nano),
		OrderingKey: c.OrderingKey, Seq: c.Seq, Data: data})
}

// Sign returns the webhook-signature header value for a message: one "v1,<base64
// HMAC-SHA256(key, id.timestamp.body)>" per secret, space-separated (several during a
// secret rotation's overlap).
func Sign(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	prefix := msgID + "." + strconv.FormatInt(ts.Unix(), 10) + "."
	var sb strings.Builder
	for i, s := range secrets {
		key, err := orderhub.SecretKey(s)
		if err != nil {
			return "", fmt.Errorf("signing secret %d: %w", i, err)
		}
		h := hmac.New(sha256.New, key)
		h.Write([]byte(prefix))
		h.Write(body)
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString("v1,")
		sb.WriteString(base64.StdEncoding.EncodeToString(h.Sum(nil)))
	}
	return sb.String(), nil
}

const maxResponseKept = 1024

// attempt sends one claimed delivery and classifies the answer.
func (e *Engine) attempt(ctx context.Context, c *orderhub.ClaimedDelivery) *orderhub.AttemptResult {
	r := &orderhub.AttemptResult{Claim: c, StartedAt: e.cfg.Clock()}
	start := time.Now()
	var status int
	var respBody string
	var retryAfter time.Duration
	var err error
	permanent := false
	if s := e.cfg.Senders[c.Kind]; s != nil {
		// Timeout bounds the whole attempt, however many calls the Sender makes:
		// a job's later deliveries start only while one Timeout of the lease is left.
		sctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		res := s.Send(sctx, c)
		cancel()
		status, respBody, retryAfter, err, permanent = res.StatusCode, res.Response, res.RetryAfter, res.Err, res.Permanent
		if err == nil && status == 0 {
			status = http.StatusNoContent // nothing to send: done
		}
		if len(respBody) > maxResponseKept {
			respBody = respBody[:maxResponseKept]
		}
	} else {
		status, respBody, retryAfter, err = e.send(ctx, c, r.StartedAt)
	}
	r.Latency = time.Since(start)
	r.StatusCode, r.ResponseBody = status, respBody
	class := "error"
	switch {
	case err != nil:
		r.Error = err.Error()
	case status >= 200 && status < 300:
		class = "2xx"
	default:
		class = strconv.Itoa(status/100) + "xx"
		r.Error = "HTTP " + strconv.Itoa(status)
	}
	e.m.latency.WithLabelValues(class).Observe(r.Latency.Seconds())

	n := c.Attempts + 1 // this attempt's number
	switch {
	case err == nil && status >= 200 && status < 300:
		r.Outcome = orderhub.OutcomeDelivered
	case err == nil && status == http.StatusGone && e.cfg.Senders[c.Kind] == nil:
		r.Outcome = orderhub.OutcomeGone
	case permanent, n >= len(e.cfg.Schedule), isPermanent(err):
		r.Outcome = orderhub.OutcomeDead
	default:
		r.Outcome = orderhub.OutcomeRetry
		r.RetryIn = e.retryDelay(n, retryAfter)
	}
	return r
}

// permanentError is a failure retrying cannot fix (a malformed endpoint URL).
type permanentError struct{ error }

func (p permanentError) Unwrap() error { return p.error }

// isPermanent reports whether an attempt's error makes the delivery dead at once,
// whatever the schedule: a target the outbound guard refuses (an internal
// address, or a host resolving to no allowed address: the same next time), or a
// malformed endpoint URL. A receiver's 410 Gone removes the endpoint instead, and
// a connector's Sender flags its protocol's permanent answers (SendResult.Permanent).
func isPermanent(err error) bool {
	var p permanentError
	return err != nil && (netguard.IsRefused(err) || errors.As(err, &p))
}

// retryDelay is the wait before attempt n+1: the schedule's step with up to Jitter of
// it added, or the receiver's Retry-After (capped) when that is longer.
func (e *Engine) retryDelay(n int, retryAfter time.Duration) time.Duration {
	d := e.cfg.Schedule[n]
	if d > 0 && e.cfg.Jitter > 0 {
		d += time.Duration(rand.Float64() * e.cfg.Jitter * float64(d))
	}
	if retryAfter > e.cfg.MaxRetryAfter {
		retryAfter = e.cfg.MaxRetryAfter
	}
	return max(d, retryAfter)
}

// send POSTs the delivery and returns the status, the first KiB of the response body
// and the Retry-After it asked for.
func (e *Engine) send(ctx context.Context, c *orderhub.ClaimedDelivery, now time.Time) (int, string, time.Duration, error) {
	build := Body
	if b := e.cfg.Bodies[c.Kind]; b != nil {
		build = b
	}
	body, err := build(c)
	if err != nil {
		return 0, "", 0, err
	}
	if c.SecretError != "" {
		return 0, "", 0, errors.New(c.SecretError) // fixed by configuration: retried
	}
	sig, err := Sign(c.Secrets, c.EventID, now, body)
	if err != nil {
		return 0, "", 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", 0, permanentError{fmt.Errorf("bad endpoint URL: %w", unwrapURLError(err))}
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return 0, "", 0, permanentError{errors.New("the endpoint URL is not http or https")}
	}
	h := req.Header
	h["Content-Type"] = []string{"application/json"}
	h["User-Agent"] = []string{e.cfg.UserAgent}
	h["Webhook-Id"] = []string{c.EventID}
	h["Webhook-Timestamp"] = []string{strconv.FormatInt(now.Unix(), 10)}
	h["Webhook-Signature"] = []string{sig}
	resp, err := e.client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return 0, "", 0, fmt.Errorf("no response within %s", e.cfg.Timeout)
		}
		return 0, "", 0, unwrapURLError(err)
	}
	defer resp.Body.Close()
	kept, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseKept))
	// Read a little more so that the connection can be reused; a receiver sending
	// more than that gets its connection closed.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(kept), parseRetryAfter(resp.Header.Get("Retry-After"), now), nil
}

// unwrapURLError drops net/http's "Post \"URL\": " prefix: endpoint URLs may carry
// tokens and attempt errors are shown to operators and logged.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var refused *netguard.RefusedError
	if errors.As(err, &refused) {
		return refused
	}
	return err
}

// parseRetryAfter reads a Retry-After header (orderhub.ParseRetryAfter).
func parseRetryAfter(v string, now time.Time) time.Duration { return orderhub.ParseRetryAfter(v, now) }
