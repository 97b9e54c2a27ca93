package orderhub

import (
	"errors"
	"fmt"
)

// Error codes. They are the machine-readable `error` field of every error body, and
// httpapi/error.go maps each one to an HTTP status in one table. The names of the
// seed documents are kept verbatim (UserEmailRequiredError, ConflictError, …).
const (
	// Request-shape errors (400).
	EInvalidRequest         = "InvalidRequestError"
	EUserEmailRequired      = "UserEmailRequiredError"
	EExternalOrderIDMissing = "ExternalOrderIdRequiredError"
	EInvalidEmail           = "InvalidEmailError"
	EInvalidPhone           = "InvalidPhoneError"
	EInvalidAddress         = "InvalidAddressError"
	EInvalidDate            = "InvalidDateError"
	EInvalidQuantity        = "InvalidQuantityError"
	EInvalidPaymentMethod   = "InvalidPaymentMethodError"
	EInvalidPaymentProvider = "InvalidPaymentProviderError"

	// Authentication and authorisation.
	EUnauthorized = "Unauthorized" // 401
	EForbidden    = "Forbidden"    // 403

	// State errors.
	ENotFound          = "NotFoundError"          // 404
	EPromoCodeNotFound = "PromoCodeNotFoundError" // 404
	EContractNotFound  = "ContractNotFoundError"  // 404
	EConflict          = "ConflictError"          // 409
	EInvalidSMNO       = "InvalidSMNOError"       // 422
	EUnprocessable     = "UnprocessableEntityError"
	EQuotaExceeded     = "QuotaExceededError" // 409: a create would go over a vendor's quota (quota.go)

	// External purchases (seed 000): references in the payload that cannot be
	// resolved (422).
	EProductNotFound  = "ProductNotFoundError"  // unknown productId or unmapped sku+poId
	EProductMismatch  = "ProductMismatchError"  // productId and the sku+poId mapping disagree
	ESourceNotFound   = "SourceNotFoundError"   // unknown source, or a source of another vendor
	EInvalidSource    = "InvalidSourceError"    // the source is not of type HOOK
	ECustomerNotFound = "CustomerNotFoundError" // only userId given, and no such customer

	// Transport and server errors.
	EMethodNotAllowed = "MethodNotAllowedError" // 405
	EPayloadTooLarge  = "PayloadTooLargeError"  // 413
	EUnsupportedMedia = "UnsupportedMediaTypeError"
	ETooManyRequests  = "TooManyRequestsError"    // 429
	EInternal         = "InternalError"           // 500
	EUnavailable      = "ServiceUnavailableError" // 503

	// A third party behind orderhub (SALESmanago) failed or did not answer in time.
	EUpstream        = "UpstreamError"        // 502
	EUpstreamTimeout = "UpstreamTimeoutError" // 504

	// A target URL (webhook, Zapier hook, connector base URL) that the outbound
	// guard refuses: an internal address, or plain http for a connector.
	ETargetRefused = "TargetRefusedError" // 422
)

// Error is orderhub's one error type: a stable machine-readable code and a message
// written for the API client. Any other error reaching an API edge is an internal
// error: logged in full, answered as "Internal error".
type Error struct {
	Code    string
	Message string
	// Field names the request field at fault, when there is one (JSON path).
	Field string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an *Error about one request field.
func FieldError(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-facing message of err: its *Error message, or a
// generic one for anything else (internal details are never shown to clients).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
