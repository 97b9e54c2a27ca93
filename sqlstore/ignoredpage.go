package sqlstore

import (
	"context"

	"orderhub"
)

// ListIgnoredEventPage returns one page of a vendor's ignored events (f.VendorID,
// f.Reason), the most recently seen first as ListIgnoredEvents (last_seen_at, then
// id, descending), with the keyset cursor of the other listings (list
// "ignored-events"; T the last-seen time, K the id). An event seen again while
// paging moves before the cursor, as a new row would. p.Limit is 1..1000 as
// ListIgnoredEvents' (0: 50); f.Limit is not read.
func (sub Connectors) ListIgnoredEventPage(ctx context.Context, f orderhub.IgnoredEventFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.IgnoredEvent], error) {
	limit := p.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 1000 {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "limit", "A page of ignored events holds 1 to 1000 rows, not %d.", p.Limit)
	}
	q := `SELECT ` + ignoredColumns + ` FROM ignored_events WHERE vendor_id = $1 AND ($2 = '' OR reason = $2)`
	args := []any{f.VendorID, f.Reason}
	if p.Cursor != "" {
		k, err := orderhub.DecodeCursor(p.Cursor, "ignored-events")
		if err != nil {
			return nil, err
		}
		q += ` AND (last_seen_at < $3 OR (last_seen_at = $3 AND id < $4))`
		args = append(args, k.T, k.K)
	}
	return readPage(ctx, sub.db, q+` ORDER BY last_seen_at DESC, id DESC`, args, limit, "ignored-events", scanIgnored,
		func(e *orderhub.IgnoredEvent) orderhub.PageKey {
			return orderhub.PageKey{T: micros(e.LastSeenAt), K: e.ID}
		})
}
