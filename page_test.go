package orderhub

import (
	"fmt"
	"testing"
)

func TestRefusedCursorFindsTheListing(t *testing.T) {
	for _, list := range []string{"vendors", "promo-codes", "audit"} {
		got, ok := RefusedCursor(fmt.Errorf("listing: %w", CursorRefused(list)))
		if !ok || got != list {
			t.Fatalf("%s: %q %v", list, got, ok)
		}
	}
	for _, err := range []error{nil, Errorf(EInvalidRequest, "cursor is bad"), FieldError(EInvalidRequest, "limit", "The cursor is not one of the x listing's;"),
		FieldError(ENotFound, "cursor", cursorRefusal, "x")} {
		if l, ok := RefusedCursor(err); ok {
			t.Fatalf("%v: refused cursor of %q", err, l)
		}
	}
}

func TestAllPagesFollowsTheCursor(t *testing.T) {
	rows := make([]int, 2*MaxPageLimit+7)
	for i := range rows {
		rows[i] = i
	}
	calls := 0
	got, err := AllPages(func(p Page) (*PageOf[int], error) {
		calls++
		start := 0
		if p.Cursor != "" {
			fmt.Sscan(p.Cursor, &start)
		}
		end := min(start+p.Limit, len(rows))
		pg := &PageOf[int]{Data: rows[start:end]}
		if end < len(rows) {
			pg.NextCursor = fmt.Sprint(end)
		}
		return pg, nil
	})
	if err != nil || len(got) != len(rows) || got[len(got)-1] != len(rows)-1 || calls != 3 {
		t.Fatalf("%d rows in %d calls, %v", len(got), calls, err)
	}
}
