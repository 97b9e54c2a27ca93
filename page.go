package orderhub

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// PageKey is a row's place in a listing read whole (PageSlice): rows are ordered by
// K, then T, then K2, ascending (a listing ordered by creation time and id leaves K
// empty; one ordered by two texts leaves T zero).
type PageKey struct {
	T     int64
	K, K2 string
}

func (a PageKey) cmp(b PageKey) int {
	switch {
	case a.K != b.K:
		return strings.Compare(a.K, b.K)
	case a.T != b.T:
		return cmp.Compare(a.T, b.T)
	}
	return strings.Compare(a.K2, b.K2)
}

// pageCursor is the form of every listing's cursor (the store's too): base64url of
// JSON naming the listing and the last row's key.
type pageCursor struct {
	List string `json:"l"`
	T    int64  `json:"t"`
	K    string `json:"k"`
	K2   string `json:"k2,omitempty"`
}

// EncodeCursor is the cursor of the row k of listing list.
func EncodeCursor(list string, k PageKey) string {
	b, _ := json.Marshal(pageCursor{List: list, T: k.T, K: k.K, K2: k.K2})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor of listing list; any other is CursorRefused.
func DecodeCursor(cursor, list string) (PageKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	var c pageCursor
	if err != nil || len(b) > 4096 || json.Unmarshal(b, &c) != nil || c.List != list || !IsLineText(c.K) || !IsLineText(c.K2) {
		return PageKey{}, CursorRefused(list)
	}
	return PageKey{T: c.T, K: c.K, K2: c.K2}, nil
}

// PageSlice answers one page of a listing that is read whole (a vendor's catalog:
// products, purchase options, mappings, sources, endpoints, Zapier users), in the
// order of all, which key must follow (PageKey's order). The page after a cursor
// starts after its row; if that row is gone, after the rows whose key sorts before
// the cursor's. p.Limit is 1..MaxPageLimit, 0: DefaultPageLimit.
func PageSlice[T any](all []T, p Page, list string, key func(T) PageKey) (*PageOf[T], error) {
	limit := p.Limit
	if limit == 0 {
		limit = DefaultPageLimit
	}
	if limit < 1 || limit > MaxPageLimit {
		return nil, FieldError(EInvalidRequest, "limit", "A page holds 1 to %d rows, not %d.", MaxPageLimit, p.Limit)
	}
	start := 0
	if p.Cursor != "" {
		c, err := DecodeCursor(p.Cursor, list)
		if err != nil {
			return nil, err
		}
		start = -1
		for i, v := range all { // the cursor's row itself (exact, whatever the collation)
			if key(v) == c {
				start = i + 1
				break
			}
		}
		if start < 0 {
			start = len(all)
			for i, v := range all {
				if key(v).cmp(c) > 0 {
					start = i
					break
				}
			}
		}
	}
	out := &PageOf[T]{Data: all[start:min(start+limit, len(all))]}
	if start+limit < len(all) {
		out.NextCursor = EncodeCursor(list, key(out.Data[len(out.Data)-1]))
	}
	if out.Data == nil {
		out.Data = []T{}
	}
	return out, nil
}
