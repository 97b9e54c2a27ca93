package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"orderhub"
)

// Idempotency keys on admin API POSTs, with Stripe's semantics. A POST may carry
// `Idempotency-Key: <1-255 printable ASCII characters>`; keys are scoped to the
// caller (an admin token) and live 24 hours.
//
//   - The first request with a key runs; its answer (any status below 500 but 429)
//     is kept with the request's fingerprint (method, path, query and body).
//   - The same key with the same request answers the kept answer again, with the
//     header Idempotent-Replayed: true, and changes nothing.
//   - The same key with another request: 409 IdempotencyKeyMismatchError.
//   - The same key while its first request still runs: 409
//     IdempotencyKeyInProgressError with Retry-After: 1.
//   - An answer of 500 or more, or 429, is not kept: a retry with the key runs again.
//
// An answer holding a one-time secret (Cache-Control: no-store, such as a new
// client's secret) is stored sealed (ORDERHUB_SECRET_KEY) and replayed as it was.

// Error codes of idempotency keys.
const (
	EIdempotencyMismatch   = "IdempotencyKeyMismatchError"
	EIdempotencyInProgress = "IdempotencyKeyInProgressError"
)

// Idempotency key lifetimes.
const (
	IdempotencyTTL  = 24 * time.Hour
	idempotencyLock = time.Minute // a running request's hold on its key (a dead process's runs out)
)

// ReplayedHeader marks a replayed answer.
const ReplayedHeader = "Idempotent-Replayed"

// idempotent runs h under the request's Idempotency-Key, if it has one (scope: the
// caller). body is the request body as read.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, scope string, body []byte, h func(http.ResponseWriter, *http.Request) *capture) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		h(w, r)
		return
	}
	if len(key) > 255 || strings.IndexFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		writeError(w, r, s.log, orderhub.FieldError(orderhub.EInvalidRequest, "Idempotency-Key", "The Idempotency-Key header must be 1 to 255 printable ASCII characters without spaces (a UUID is a good key)."))
		return
	}
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.RequestURI() + "\n" + string(body)))
	fp := hex.EncodeToString(sum[:])
	ctx := context.WithoutCancel(r.Context())
	prev, claimed, err := s.store.Orders.ClaimIdempotencyKey(ctx, scope, key, fp, idempotencyLock, IdempotencyTTL)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	switch {
	case claimed:
	case prev.Fingerprint != fp:
		writeError(w, r, s.log, orderhub.Errorf(EIdempotencyMismatch, "This Idempotency-Key was used with another request (method, path or body) in the last 24 hours; use a new key for a new request."))
		return
	case prev.Status == 0:
		w.Header().Set("Retry-After", "1")
		writeError(w, r, s.log, orderhub.Errorf(EIdempotencyInProgress, "A request with this Idempotency-Key is still running; retry in a moment to get its answer."))
		return
	default:
		hd := w.Header()
		if prev.ContentType != "" {
			hd.Set("Content-Type", prev.ContentType)
		}
		if prev.Sealed {
			hd.Set("Cache-Control", "no-store")
		}
		hd.Set(ReplayedHeader, "true")
		w.WriteHeader(prev.Status)
		_, _ = w.Write(prev.Body)
		return
	}
	rec := h(w, r)
	st := rec.status
	if st == 0 {
		st = http.StatusOK
	}
	if st >= 500 || st == http.StatusTooManyRequests || rec.truncated {
		if err := s.store.Orders.ReleaseIdempotencyKey(ctx, scope, key); err != nil {
			s.log.WarnContext(r.Context(), "idempotency: releasing a key failed", "err", err)
		}
		return
	}
	secret := strings.Contains(rec.Header().Get("Cache-Control"), "no-store")
	if err := s.store.Orders.SaveIdempotentAnswer(ctx, scope, key, st, rec.Header().Get("Content-Type"), rec.body.Bytes(), secret); err != nil {
		s.log.WarnContext(r.Context(), "idempotency: saving the answer failed", "err", err)
		_ = s.store.Orders.ReleaseIdempotencyKey(ctx, scope, key)
	}
}
