package httpapi_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
)

// walkPages follows an admin list from its first page through next_cursor with
// ?limit=limit (the path may hold other query parameters) and returns every row's id
// in the order served; a page larger than limit, or more pages than rows, fails t.
func walkPages(t *testing.T, h *testHub, path string, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatalf("%s limit %d: no last page", path, limit)
		}
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var pg struct {
			Data []struct {
				ID         string `json:"id"`
				PurchaseID string `json:"purchaseId"`
			} `json:"data"`
			NextCursor string `json:"next_cursor"`
		}
		res := h.jsonReq("GET", path+sep(path)+q.Encode(), h.Admin, nil).expect(200, "")
		if err := json.Unmarshal(res.Body, &pg); err != nil {
			t.Fatal(err)
		}
		if len(pg.Data) > limit {
			t.Fatalf("%s limit %d: a page of %d", path, limit, len(pg.Data))
		}
		for _, r := range pg.Data {
			id := r.ID
			if id == "" {
				id = r.PurchaseID
			}
			ids = append(ids, id)
		}
		if cursor = pg.NextCursor; cursor == "" {
			return ids
		}
	}
}

func sep(path string) string {
	for _, c := range path {
		if c == '?' {
			return "&"
		}
	}
	return "?"
}

// samePages checks that walking path at every limit from 1 to len(all) serves the
// rows of all, each once, in all's order.
func samePages(t *testing.T, h *testHub, path string, all []string) {
	t.Helper()
	for limit := 1; limit <= len(all); limit++ {
		got := walkPages(t, h, path, limit)
		if len(got) != len(all) {
			t.Fatalf("%s limit %d: %v, want %v", path, limit, got, all)
		}
		for i := range got {
			if got[i] != all[i] {
				t.Fatalf("%s limit %d: row %d is %s, want %s", path, limit, i, got[i], all[i])
			}
		}
	}
}

// wholeList walks path in one page of up to limit, expects n records, and checks
// that every smaller limit pages the same records in the same order (samePages).
func wholeList(t *testing.T, h *testHub, path string, limit, n int) {
	t.Helper()
	all := walkPages(t, h, path, limit)
	if len(all) != n {
		t.Fatalf("%s whole list: %v", path, all)
	}
	samePages(t, h, path, all)
}
