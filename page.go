package orderhub

import (
	"errors"
	"fmt"
)

// Paging (issue 17: one pagination for every list): a listing answers a PageOf,
// newest first, and a Page names the next one by the opaque cursor of the last row
// (keyset pagination; store_admin.go). The store refuses a cursor that is not one of
// the listing's with CursorRefused; each surface says so in its own words (the
// admin API about its cursor query parameter and next_cursor field), finding the
// listing with RefusedCursor.

// cursorRefusal is the store's message of a refused cursor (%s: the listing).
const cursorRefusal = "The cursor is not one of the %s listing's; page on with the cursor of the previous page, unchanged."

// CursorRefused is the refusal of a Page whose cursor is not one of the listing's
// (changed, or from another listing): InvalidRequest on the field "cursor".
func CursorRefused(listing string) *Error {
	return FieldError(EInvalidRequest, "cursor", cursorRefusal, listing)
}

// RefusedCursor returns the listing whose cursor err refuses (CursorRefused), if it
// is such a refusal.
func RefusedCursor(err error) (listing string, ok bool) {
	var e *Error
	if !errors.As(err, &e) || e.Code != EInvalidRequest || e.Field != "cursor" {
		return "", false
	}
	if _, err := fmt.Sscanf(e.Message, "The cursor is not one of the %s listing's;", &listing); err != nil {
		return "", false
	}
	return listing, true
}
