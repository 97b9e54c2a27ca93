package sqlstore

import (
	"context"
	"fmt"

	"orderhub"
)

// ListPurchasePage returns one page of a vendor's purchases (f.VendorID, f.SourceID),
// newest first as ListPurchases (created_at descending, then id), with the keyset
// cursor of the other listings (list "purchases"; T the creation time, K the id).
// p.Limit is 1..1000 as ListPurchases' (0: 100); f.Limit is not read.
func (sub Orders) ListPurchasePage(ctx context.Context, f orderhub.PurchaseFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.PurchaseResult], error) {
	return keysetPage(ctx, sub.db, p, keyset{list: "purchases", rows: "purchases", defaultLimit: 100, tcol: "created_at", idAscending: true,
		base: `SELECT ` + purchaseColumns + ` FROM purchases WHERE vendor_id = $1 AND ($2 = '' OR source_id = $2)`, args: []any{f.VendorID, f.SourceID}},
		scanPublicPurchase, func(p *orderhub.PurchaseResult) orderhub.PageKey {
			return orderhub.PageKey{T: micros(p.CreatedAt), K: p.PurchaseID}
		})
}

// keyset is a vendor's list paged by (tcol descending, id): list names its cursor,
// rows its rows in messages; base (its conditions bound to args) is the query
// without the cursor's condition.
type keyset struct {
	list, rows   string
	defaultLimit int
	tcol         string
	idAscending  bool // id ascending among rows of one time (else descending)
	base         string
	args         []any
}

// keysetPage reads one page of k: p.Limit rows, 1..1000 (0: k.defaultLimit), after
// p.Cursor.
func keysetPage[T any](ctx context.Context, db *DB, p orderhub.Page, k keyset,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) orderhub.PageKey) (*orderhub.PageOf[T], error) {
	limit := p.Limit
	if limit == 0 {
		limit = k.defaultLimit
	}
	if limit < 1 || limit > 1000 {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "limit", "A page of %s holds 1 to 1000 rows, not %d.", k.rows, p.Limit)
	}
	cmp, idOrder := "<", " DESC"
	if k.idAscending {
		cmp, idOrder = ">", ""
	}
	q, args := k.base, k.args
	if p.Cursor != "" {
		c, err := orderhub.DecodeCursor(p.Cursor, k.list)
		if err != nil {
			return nil, err
		}
		n := len(args)
		q += fmt.Sprintf(` AND (%[1]s < $%[2]d OR (%[1]s = $%[2]d AND id %[3]s $%[4]d))`, k.tcol, n+1, cmp, n+2)
		args = append(args, c.T, c.K)
	}
	return readPage(ctx, db, q+` ORDER BY `+k.tcol+` DESC, id`+idOrder, args, limit, k.list, scan, key)
}
