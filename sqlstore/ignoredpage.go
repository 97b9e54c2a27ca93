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
	return keysetPage(ctx, sub.db, p, keyset{list: "ignored-events", rows: "ignored events", defaultLimit: 50, tcol: "last_seen_at",
		base: `SELECT ` + ignoredColumns + ` FROM ignored_events WHERE vendor_id = $1 AND ($2 = '' OR reason = $2)`, args: []any{f.VendorID, f.Reason}},
		scanIgnored, func(e *orderhub.IgnoredEvent) orderhub.PageKey {
			return orderhub.PageKey{T: micros(e.LastSeenAt), K: e.ID}
		})
}
