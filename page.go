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

// AllPages reads every page of a listing, in its order: list is called with the
// largest page and then with each answer's NextCursor until the last page. For the
// lists a surface shows whole (the console's vendor choices, a vendor's promo
// codes), so that none is cut off at one page.
func AllPages[T any](list func(Page) (*PageOf[T], error)) ([]T, error) {
	var all []T
	p := Page{Limit: MaxPageLimit}
	for {
		pg, err := list(p)
		if err != nil {
			return nil, err
		}
		all = append(all, pg.Data...)
		if pg.NextCursor == "" || len(pg.Data) == 0 {
			return all, nil
		}
		p.Cursor = pg.NextCursor
	}
}
