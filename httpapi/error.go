package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"orderhub"
)

// statuses is the one table from error codes to HTTP statuses. A code missing here
// is answered as 500 (and is a bug: TestEveryErrorCodeHasAStatus guards it).
var statuses = map[string]int{
	orderhub.EInvalidRequest:         http.StatusBadRequest,
	orderhub.EUserEmailRequired:      http.StatusBadRequest,
	orderhub.EExternalOrderIDMissing: http.StatusBadRequest,
	orderhub.EInvalidEmail:           http.StatusBadRequest,
	orderhub.EInvalidPhone:           http.StatusBadRequest,
	orderhub.EInvalidAddress:         http.StatusBadRequest,
	orderhub.EInvalidDate:            http.StatusBadRequest,
	orderhub.EInvalidQuantity:        http.StatusBadRequest,
	orderhub.EInvalidPaymentMethod:   http.StatusBadRequest,
	orderhub.EInvalidPaymentProvider: http.StatusBadRequest,
	orderhub.EUnauthorized:           http.StatusUnauthorized,
	orderhub.EForbidden:              http.StatusForbidden,
	orderhub.ENotFound:               http.StatusNotFound,
	orderhub.EPromoCodeNotFound:      http.StatusNotFound,
	orderhub.EContractNotFound:       http.StatusNotFound,
	orderhub.EConflict:               http.StatusConflict,
	orderhub.EQuotaExceeded:          http.StatusConflict,
	orderhub.EInvalidSMNO:            http.StatusUnprocessableEntity,
	orderhub.EUnprocessable:          http.StatusUnprocessableEntity,
	orderhub.ETargetRefused:          http.StatusUnprocessableEntity,
	orderhub.EMethodNotAllowed:       http.StatusMethodNotAllowed,
	orderhub.EPayloadTooLarge:        http.StatusRequestEntityTooLarge,
	orderhub.EUnsupportedMedia:       http.StatusUnsupportedMediaType,
	orderhub.ETooManyRequests:        http.StatusTooManyRequests,
	orderhub.EInternal:               http.StatusInternalServerError,
	orderhub.EUnavailable:            http.StatusServiceUnavailable,
	EIdempotencyMismatch:             http.StatusConflict,
	EIdempotencyInProgress:           http.StatusConflict,
	// External purchases (seed 000).
	orderhub.EProductNotFound:  http.StatusUnprocessableEntity,
	orderhub.EProductMismatch:  http.StatusUnprocessableEntity,
	orderhub.ESourceNotFound:   http.StatusUnprocessableEntity,
	orderhub.EInvalidSource:    http.StatusUnprocessableEntity,
	orderhub.ECustomerNotFound: http.StatusUnprocessableEntity,
	// Order events (seed 004).
	orderhub.EOrderEventParamRequired: http.StatusBadRequest,
	orderhub.EOrderEventParamInvalid:  http.StatusBadRequest,
	orderhub.EOrderTotalMismatch:      http.StatusUnprocessableEntity,
	orderhub.EOrderNotFound:           http.StatusNotFound,
	orderhub.EContactNotFound:         http.StatusUnprocessableEntity,
	orderhub.EUnsupportedEventType:    http.StatusUnprocessableEntity,
	// Calls to SALESmanago and Yespo.
	orderhub.EUpstream:        http.StatusBadGateway,
	orderhub.EUpstreamTimeout: http.StatusGatewayTimeout,
}

// ErrorBody is the error response of every orderhub API except /oauth/token:
// seed 001's `{error, message}`, plus the field at fault when there is one.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// statusOf returns the HTTP status for err.
func statusOf(err error) int {
	if st, ok := statuses[orderhub.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// writeError answers err in the seed's error format. Errors that are not
// *orderhub.Error are logged in full and answered as a generic internal error.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *orderhub.Error
	body := ErrorBody{Error: orderhub.EInternal, Message: "Internal error."}
	status := http.StatusInternalServerError
	if errors.As(err, &e) {
		body = ErrorBody{Error: e.Code, Message: e.Message, Field: e.Field}
		status = statusOf(err)
	}
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()))
	}
	if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(60))
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="orderhub"`)
	}
	writeJSON(w, status, body)
}

// jsonOut is writeJSON's buffer and its encoder.
type jsonOut struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonOuts = sync.Pool{New: func() any {
	o := new(jsonOut)
	o.enc = json.NewEncoder(&o.buf)
	return o
}}

// writeJSON answers v as JSON (json.Marshal's, and a newline) with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	o := jsonOuts.Get().(*jsonOut)
	buf := &o.buf
	buf.Reset()
	if err := o.enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"InternalError","message":"Internal error."}` + "\n")
	}
	// Both headers' values in one allocation (each its own slice, capacity 1).
	hv := make([]string, 2)
	hv[0], hv[1] = "application/json", strconv.Itoa(buf.Len())
	h := w.Header()
	h["Content-Type"], h["Content-Length"] = hv[0:1:1], hv[1:2:2]
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	if buf.Cap() <= 64<<10 {
		jsonOuts.Put(o)
	}
}
