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

func TestPageSliceAcrossPageEdges(t *testing.T) {
	type row struct{ k, id string }
	var all []row
	for _, k := range []string{"a", "b", "c"} {
		for _, id := range []string{"1", "2", "3"} {
			all = append(all, row{k, id})
		}
	}
	key := func(r row) PageKey { return PageKey{K: r.k, K2: r.id} }
	for limit := 1; limit <= 10; limit++ {
		var got []row
		p := Page{Limit: limit}
		for n := 0; ; n++ {
			if n > 20 {
				t.Fatalf("limit %d: no end", limit)
			}
			pg, err := PageSlice(all, p, "rows", key)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, pg.Data...)
			if pg.NextCursor == "" {
				break
			}
			p.Cursor = pg.NextCursor
		}
		if len(got) != len(all) {
			t.Fatalf("limit %d: %v", limit, got)
		}
		for i := range all {
			if got[i] != all[i] {
				t.Fatalf("limit %d: %v", limit, got)
			}
		}
	}
	// The cursor's row deleted meanwhile: the page starts at the next key.
	pg, _ := PageSlice(all, Page{Limit: 4}, "rows", key)
	rest := append(append([]row{}, all[:3]...), all[4:]...) // b/1, the cursor's row, is gone
	pg2, err := PageSlice(rest, Page{Limit: 2, Cursor: pg.NextCursor}, "rows", key)
	if err != nil || len(pg2.Data) != 2 || pg2.Data[0] != (row{"b", "2"}) {
		t.Fatalf("after a deleted row: %+v %v", pg2, err)
	}
	// Refusals: another listing's cursor, nonsense, a limit out of range.
	for _, c := range []string{EncodeCursor("other", PageKey{}), "nonsense"} {
		if _, err := PageSlice(all, Page{Cursor: c}, "rows", key); err == nil {
			t.Fatalf("cursor %q accepted", c)
		} else if l, ok := RefusedCursor(err); !ok || l != "rows" {
			t.Fatalf("cursor %q: %v", c, err)
		}
	}
	if _, err := PageSlice(all, Page{Limit: MaxPageLimit + 1}, "rows", key); ErrorCode(err) != EInvalidRequest {
		t.Fatalf("limit: %v", err)
	}
	if pg, err := PageSlice([]row(nil), Page{}, "rows", key); err != nil || pg.Data == nil || len(pg.Data) != 0 || pg.NextCursor != "" {
		t.Fatalf("empty: %+v %v", pg, err)
	}
}
