package sqlstore

import (
	"context"

	"orderhub"
)

// ListPurchasePage returns one page of a vendor's purchases (f.VendorID, f.SourceID),
// newest first as ListPurchases (created_at descending, then id), with the keyset
// cursor of the other listings (list "purchases"; T the creation time, K the id).
// p.Limit is 1..1000 as ListPurchases' (0: 100); f.Limit is not read.
func (sub Orders) ListPurchasePage(ctx context.Context, f orderhub.PurchaseFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.PurchaseResult], error) {
	limit := p.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "limit", "A page of purchases holds 1 to 1000 rows, not %d.", p.Limit)
	}
	q := `SELECT ` + purchaseColumns + ` FROM purchases WHERE vendor_id = $1 AND ($2 = '' OR source_id = $2)`
	args := []any{f.VendorID, f.SourceID}
	if p.Cursor != "" {
		k, err := orderhub.DecodeCursor(p.Cursor, "purchases")
		if err != nil {
			return nil, err
		}
		q += ` AND (created_at < $3 OR (created_at = $3 AND id > $4))`
		args = append(args, k.T, k.K)
	}
	return readPage(ctx, sub.db, q+` ORDER BY created_at DESC, id`, args, limit, "purchases",
		scanPublicPurchase,
		func(p *orderhub.PurchaseResult) orderhub.PageKey {
			return orderhub.PageKey{T: micros(p.CreatedAt), K: p.PurchaseID}
		})
}
