package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"orderhub"
)

// Admin listings (the admin API, the `orderhub admin` CLI and the web console share
// these), the console's users and sessions, its dashboard figures and a customer's
// timeline.
//
// Every listing is newest first and pages with an opaque cursor (keyset pagination):
// a cursor names the last row of a page by its sort key, and the next page holds the
// rows strictly after it. Rows inserted meanwhile sort before the cursor (they are
// newer), so paging on never repeats or skips a row.

// cursor is the decoded form of Page.Cursor, in the one cursor format of every
// listing (orderhub.EncodeCursor, orderhub.DecodeCursor).
type cursor struct {
	List string
	T    int64
	K    string
	K2   string
}

func (c cursor) encode() string {
	return orderhub.EncodeCursor(c.List, orderhub.PageKey{T: c.T, K: c.K, K2: c.K2})
}

// decodePage parses p's cursor for list and validates the limit. The surfaces check
// the limit of their own arguments first and word a refused cursor (an
// orderhub.CursorRefused) in their terms: the messages about query parameters are the
// admin API's (httpapi), not the store's.
func decodePage(p orderhub.Page, list string) (*cursor, int, error) {
	limit := p.Limit
	if limit == 0 {
		limit = orderhub.DefaultPageLimit
	}
	if limit < 1 || limit > orderhub.MaxPageLimit {
		return nil, 0, orderhub.FieldError(orderhub.EInvalidRequest, "limit", "A page holds 1 to %d rows, not %d.", orderhub.MaxPageLimit, p.Limit)
	}
	if p.Cursor == "" {
		return nil, limit, nil
	}
	k, err := orderhub.DecodeCursor(p.Cursor, list)
	if err != nil {
		return nil, 0, err
	}
	return &cursor{List: list, T: k.T, K: k.K, K2: k.K2}, limit, nil
}

// query builds a WHERE clause with $N placeholders.
type query struct {
	conds []string
	args  []any
}

// add appends a condition; each ? in cond becomes the next $N, bound to args.
func (q *query) add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' {
			q.args = append(q.args, args[i])
			i++
			b.WriteString("$" + strconv.Itoa(len(q.args)))
			continue
		}
		b.WriteRune(r)
	}
	q.conds = append(q.conds, b.String())
}

// given adds cond (as add, each ? bound to v) when the filter value v is given
// (not empty).
func (q *query) given(v, cond string) {
	if v == "" {
		return
	}
	args := make([]any, strings.Count(cond, "?"))
	for i := range args {
		args[i] = v
	}
	q.add(cond, args...)
}

func (q *query) where() string {
	if len(q.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.conds, " AND ")
}

// timeRange adds from <= col < to.
func (q *query) timeRange(col string, f orderhub.AdminFilter) {
	if !f.From.IsZero() {
		q.add(col+" >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		q.add(col+" < ?", micros(f.To))
	}
}

// listPage runs a keyset-paginated query: base selects the columns and joins, q the
// conditions; the rows are ordered by (tcol, kcol) descending, or by tcol alone when
// kcol is empty (tcol is then unique); key extracts a row's cursor.
func listPage[T any](ctx context.Context, db *DB, list, base string, q *query, tcol, kcol string, p orderhub.Page,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) cursor) (*orderhub.PageOf[T], error) {
	c, limit, err := decodePage(p, list)
	if err != nil {
		return nil, err
	}
	order := " ORDER BY " + tcol + " DESC"
	switch {
	case kcol == "" && c != nil: // tcol is unique
		q.add(tcol+" < ?", c.T)
	case c != nil:
		q.add("("+tcol+" < ? OR ("+tcol+" = ? AND "+kcol+" < ?))", c.T, c.T, c.K)
	}
	if kcol != "" {
		order += ", " + kcol + " DESC"
	}
	return readPage(ctx, db, base+q.where()+order, q.args, limit, list, scan, func(v T) orderhub.PageKey {
		c := key(v)
		return orderhub.PageKey{T: c.T, K: c.K, K2: c.K2}
	})
}

// readPage runs a keyset query (its ORDER BY last, no LIMIT) for one page of limit
// rows: it reads one row more to know whether another page follows, and names the
// page's last row in NextCursor (listing list, key's place).
func readPage[T any](ctx context.Context, db *DB, sqlText string, args []any, limit int, list string,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) orderhub.PageKey) (*orderhub.PageOf[T], error) {
	data, err := queryAll(ctx, db, sqlText+" LIMIT "+strconv.Itoa(limit+1), scan, args...)
	if err != nil {
		return nil, err
	}
	out := &orderhub.PageOf[T]{Data: data}
	if len(out.Data) > limit {
		out.Data = out.Data[:limit]
		out.NextCursor = orderhub.EncodeCursor(list, key(out.Data[limit-1]))
	}
	return out, nil
}

// readOne scans the row a reader query returns; when there is none, it answers
// the orderhub error of code with the message of format and fargs instead.
func readOne[T any](ctx context.Context, db *DB, scan func(interface{ Scan(...any) error }) (T, error), q string, args []any,
	code, format string, fargs ...any) (T, error) {
	v, err := scan(db.read.QueryRowContext(ctx, q, args...))
	if err != nil {
		var zero T
		return zero, notFound(err, code, format, fargs...)
	}
	return v, nil
}

// scanPart makes of scan a scanner that returns what part picks of each row (a
// record without what only the store reads: a fingerprint, a secret hash).
func scanPart[R, T any](scan func(interface{ Scan(...any) error }) (R, error), part func(R) T) func(interface{ Scan(...any) error }) (T, error) {
	return func(sc interface{ Scan(...any) error }) (T, error) {
		r, err := scan(sc)
		if err != nil {
			var zero T
			return zero, err
		}
		return part(r), nil
	}
}

// queryAll runs a query on the reader pool and returns every row it reads, scanned
// by scan (an empty slice, not nil, when there are none).
func queryAll[T any](ctx context.Context, db *DB, q string, scan func(interface{ Scan(...any) error }) (T, error), args ...any) ([]T, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// AdminListVendors lists vendors, newest first.
func (sub Admin) AdminListVendors(ctx context.Context, p orderhub.Page) (*orderhub.PageOf[*orderhub.Vendor], error) {
	return listPage(ctx, sub.db, "vendors", `SELECT `+vendorColumns+` FROM vendors`, &query{}, "created_at", "id", p,
		scanVendor, func(v *orderhub.Vendor) cursor { return cursor{T: micros(v.CreatedAt), K: v.ID} })
}

// AdminListClients lists OAuth clients (never their secrets), newest first.
// Filter: VendorID, Status (active | revoked).
func (sub Admin) AdminListClients(ctx context.Context, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Client], error) {
	q := &query{}
	q.given(f.VendorID, "vendor_id = ?")
	switch f.Status {
	case "":
	case "active":
		q.add("revoked_at IS NULL")
	case "revoked":
		q.add("revoked_at IS NOT NULL")
	default:
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "status", "status must be active or revoked, got %q.", f.Status)
	}
	q.timeRange("created_at", f)
	return listPage(ctx, sub.db, "clients", `SELECT `+clientColumns+` FROM oauth_clients`, q, "created_at", "id", p,
		scanPublicClient, func(c *orderhub.Client) cursor { return cursor{T: micros(c.CreatedAt), K: c.ID} })
}

// AdminListPromoCodes lists promo codes, newest first. Filter: VendorID.
func (sub Admin) AdminListPromoCodes(ctx context.Context, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.PromoCode], error) {
	q := &query{}
	q.given(f.VendorID, "vendor_id = ?")
	q.timeRange("created_at", f)
	// The key is (vendor, code): vendor ids are slugs (no spaces), so "vendor code"
	// orders like the pair.
	return listPage(ctx, sub.db, "promo-codes", `SELECT `+promoColumns+` FROM promo_codes`, q, "created_at", "(vendor_id || ' ' || code)", p,
		scanPromo, func(pc *orderhub.PromoCode) cursor {
			return cursor{T: micros(pc.CreatedAt), K: pc.VendorID + " " + pc.Code}
		})
}

// normalizedEmail lowercases an e-mail filter the way customers are stored.
func normalizedEmail(s string) string {
	if e, ok := orderhub.NormalizeEmail(s); ok {
		return e
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// AdminListCustomers lists customers, newest first. Filter: VendorID, Email, From, To.
func (sub Admin) AdminListCustomers(ctx context.Context, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Customer], error) {
	q := &query{}
	q.given(f.VendorID, "vendor_id = ?")
	if f.Email != "" {
		q.add("email = ?", normalizedEmail(f.Email))
	}
	q.timeRange("created_at", f)
	return listPage(ctx, sub.db, "customers", `SELECT `+customerColumns+` FROM customers`, q, "created_at", "id", p,
		scanCustomer, func(c *orderhub.Customer) cursor { return cursor{T: micros(c.CreatedAt), K: c.ID} })
}

// AdminListOrders lists orders, newest first. Filter: VendorID, CustomerID, Email (the
// customer's), ExternalOrderID, Status, From, To.
func (sub Admin) AdminListOrders(ctx context.Context, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Order], error) {
	q := &query{}
	q.given(f.VendorID, "vendor_id = ?")
	q.given(f.CustomerID, "customer_id = ?")
	if f.Email != "" {
		q.add("customer_id IN (SELECT id FROM customers WHERE email = ?)", normalizedEmail(f.Email))
	}
	q.given(f.ExternalOrderID, "external_order_id = ?")
	q.given(strings.ToUpper(f.Status), "status = ?")
	q.timeRange("created_at", f)
	return listPage(ctx, sub.db, "orders", `SELECT `+orderColumns+` FROM orders`, q, "created_at", "id", p,
		scanOrder, func(o *orderhub.Order) cursor { return cursor{T: micros(o.CreatedAt), K: o.ID} })
}

// AdminListContracts lists contracts, newest first. Filter: VendorID, CustomerID (as
// user or payer), Email (the user's or the payer's), ExternalOrderID, Status, From, To.
func (sub Admin) AdminListContracts(ctx context.Context, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Contract], error) {
	q := &query{}
	q.given(f.VendorID, "c.vendor_id = ?")
	q.given(f.CustomerID, "(c.user_id = ? OR c.payer_id = ?)")
	if f.Email != "" {
		e := normalizedEmail(f.Email)
		q.add("(c.user_id IN (SELECT id FROM customers WHERE email = ?) OR c.payer_id IN (SELECT id FROM customers WHERE email = ?))", e, e)
	}
	q.given(f.ExternalOrderID, "c.external_order_id = ?")
	q.given(strings.ToUpper(f.Status), "c.status = ?")
	q.timeRange("c.created_at", f)
	return listPage(ctx, sub.db, "contracts", `SELECT `+contractColumns+contractFrom, q, "c.created_at", "c.id", p,
		scanPublicContract, func(c *orderhub.Contract) cursor { return cursor{T: micros(c.CreatedAt), K: c.ID} })
}

const eventColumns = `id, vendor_id, seq, type, ordering_key, data, created_at`

func scanEvent(sc interface{ Scan(...any) error }) (*orderhub.Event, error) {
	ev := &orderhub.Event{}
	var data string
	var created int64
	if err := sc.Scan(&ev.ID, &ev.VendorID, &ev.Seq, &ev.Type, &ev.OrderingKey, &data, &created); err != nil {
		return nil, err
	}
	ev.Data = json.RawMessage(data)
	ev.CreatedAt = fromMicros(created)
	return ev, nil
}

// AdminListEvents lists outbox events, newest first. Filter: VendorID, Type,
// OrderingKey, From, To.
func (sub Admin) AdminListEvents(ctx context.Context, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Event], error) {
	q := &query{}
	q.given(f.VendorID, "vendor_id = ?")
	q.given(f.Type, "type = ?")
	q.given(f.OrderingKey, "ordering_key = ?")
	q.timeRange("created_at", f)
	// Events are ordered by their commit position: a vendor's by its seq (unique per
	// vendor; the (vendor_id, seq) indexes give the order), everyone's by pos. The
	// cursor's T is the seq or the pos.
	list, tcol := "events", "pos"
	if f.VendorID != "" {
		list, tcol = "vendor-events", "seq"
	}
	pg, err := listPage(ctx, sub.db, list, `SELECT `+eventColumns+`, pos FROM events`, q, tcol, "", p,
		func(sc interface{ Scan(...any) error }) (*eventWithPos, error) {
			e := &eventWithPos{}
			var data string
			var created int64
			if err := sc.Scan(&e.ID, &e.VendorID, &e.Seq, &e.Type, &e.OrderingKey, &data, &created, &e.pos); err != nil {
				return nil, err
			}
			e.Data = json.RawMessage(data)
			e.CreatedAt = fromMicros(created)
			return e, nil
		}, func(e *eventWithPos) cursor {
			if f.VendorID != "" {
				return cursor{T: e.Seq}
			}
			return cursor{T: e.pos}
		})
	if err != nil {
		return nil, err
	}
	out := &orderhub.PageOf[*orderhub.Event]{Data: make([]*orderhub.Event, len(pg.Data)), NextCursor: pg.NextCursor}
	for i, e := range pg.Data {
		out.Data[i] = &e.Event
	}
	return out, nil
}

type eventWithPos struct {
	orderhub.Event
	pos int64
}

// ---- single records, any vendor (ids are global) ----

// AdminGetCustomer returns a customer by id.
func (sub Admin) AdminGetCustomer(ctx context.Context, id string) (*orderhub.Customer, error) {
	return readOne(ctx, sub.db, scanCustomer, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, []any{id},
		orderhub.ENotFound, "Customer %q not found.", id)
}

// AdminGetOrder returns an order by id.
func (sub Admin) AdminGetOrder(ctx context.Context, id string) (*orderhub.Order, error) {
	return readOne(ctx, sub.db, scanOrder, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, []any{id},
		orderhub.ENotFound, "Order %q not found.", id)
}

// AdminGetContract returns a contract by id.
func (sub Admin) AdminGetContract(ctx context.Context, id string) (*orderhub.Contract, error) {
	return readOne(ctx, sub.db, scanPublicContract, `SELECT `+contractColumns+contractFrom+` WHERE c.id = $1`, []any{id},
		orderhub.EContractNotFound, "Contract %q not found.", id)
}

// AdminGetEvent returns an event by id.
func (sub Admin) AdminGetEvent(ctx context.Context, id string) (*orderhub.Event, error) {
	return readOne(ctx, sub.db, scanEvent, `SELECT `+eventColumns+` FROM events WHERE id = $1`, []any{id},
		orderhub.ENotFound, "Event %q not found.", id)
}

// ---- customer timeline ----

// CustomerTimeline returns everything that happened to a customer, newest first, at
// most limit entries (1..1000): the customer record, its orders and contracts (as
// user or payer), the events keyed by it and their deliveries.
func (sub Admin) CustomerTimeline(ctx context.Context, customerID string, limit int) ([]orderhub.TimelineEntry, error) {
	if limit <= 0 || limit > 1000 {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "limit", "limit must be between 1 and 1000, got %d.", limit)
	}
	c, err := sub.AdminGetCustomer(ctx, customerID)
	if err != nil {
		return nil, err
	}
	out := []orderhub.TimelineEntry{{At: c.CreatedAt, Kind: "customer", ID: c.ID, VendorID: c.VendorID, Title: "customer created"}}
	add := func(q string, scan func(sc interface{ Scan(...any) error }) (orderhub.TimelineEntry, error), args ...any) error {
		es, err := queryAll(ctx, sub.db, q, scan, args...)
		out = append(out, es...)
		return err
	}
	lim := strconv.Itoa(limit)
	err = add(`SELECT id, vendor_id, number, COALESCE(external_order_id, ''), status, total, currency, created_at FROM orders
		WHERE customer_id = $1 ORDER BY created_at DESC LIMIT `+lim, func(sc interface{ Scan(...any) error }) (orderhub.TimelineEntry, error) {
		var e orderhub.TimelineEntry
		var number, total, created int64
		var ext, cur string
		if err := sc.Scan(&e.ID, &e.VendorID, &number, &ext, &e.Status, &total, &cur, &created); err != nil {
			return e, err
		}
		e.Kind, e.At = "order", fromMicros(created)
		e.Title = fmt.Sprintf("order #%d %s %s %s", number, ext, orderhub.FormatDecimal(total), cur)
		return e, nil
	}, customerID)
	if err != nil {
		return nil, err
	}
	err = add(`SELECT id, vendor_id, COALESCE(external_order_id, ''), product_name, status, created_at FROM contracts
		WHERE user_id = $1 OR payer_id = $1 ORDER BY created_at DESC LIMIT `+lim, func(sc interface{ Scan(...any) error }) (orderhub.TimelineEntry, error) {
		var e orderhub.TimelineEntry
		var ext, product string
		var created int64
		if err := sc.Scan(&e.ID, &e.VendorID, &ext, &product, &e.Status, &created); err != nil {
			return e, err
		}
		e.Kind, e.At = "contract", fromMicros(created)
		e.Title = strings.TrimSpace("contract " + product + " " + ext)
		return e, nil
	}, customerID)
	if err != nil {
		return nil, err
	}
	err = add(`SELECT id, type, seq, created_at FROM events WHERE vendor_id = $1 AND ordering_key = $2 ORDER BY seq DESC LIMIT `+lim,
		func(sc interface{ Scan(...any) error }) (orderhub.TimelineEntry, error) {
			var e orderhub.TimelineEntry
			var seq, created int64
			if err := sc.Scan(&e.ID, &e.Title, &seq, &created); err != nil {
				return e, err
			}
			e.Kind, e.At, e.VendorID = "event", fromMicros(created), c.VendorID
			e.Title = fmt.Sprintf("event %s (seq %d)", e.Title, seq)
			return e, nil
		}, c.VendorID, c.ID)
	if err != nil {
		return nil, err
	}
	// Through the events' seqs, so that the (vendor_id, seq) index finds them.
	err = add(`SELECT id, endpoint_id, event_type, status, attempts, updated_at FROM deliveries WHERE vendor_id = $1
		AND seq IN (SELECT seq FROM events WHERE vendor_id = $1 AND ordering_key = $2 ORDER BY seq DESC LIMIT `+lim+`)
		ORDER BY seq DESC LIMIT `+lim, func(sc interface{ Scan(...any) error }) (orderhub.TimelineEntry, error) {
		var e orderhub.TimelineEntry
		var typ string
		var attempts int
		var updated int64
		if err := sc.Scan(&e.ID, &e.Ref, &typ, &e.Status, &attempts, &updated); err != nil {
			return e, err
		}
		e.Kind, e.At, e.VendorID = "delivery", fromMicros(updated), c.VendorID
		e.Title = fmt.Sprintf("delivery of %s to %s (%d attempts)", typ, e.Ref, attempts)
		return e, nil
	}, c.VendorID, c.ID)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.After(out[j].At)
		}
		return timelineRank[out[i].Kind] > timelineRank[out[j].Kind]
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// timelineRank orders entries of the same instant: what caused comes before what
// followed (shown newest first, so the higher rank is first).
var timelineRank = map[string]int{"customer": 0, "order": 1, "contract": 1, "event": 2, "delivery": 3}

// ---- dashboard ----

// DashboardStats computes the dashboard over the last minutes (1..120).
func (sub Admin) DashboardStats(ctx context.Context, minutes int) (*orderhub.Dashboard, error) {
	if minutes < 1 || minutes > 120 {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "minutes", "minutes must be between 1 and 120, got %d.", minutes)
	}
	now := sub.db.Now().UTC()
	d := &orderhub.Dashboard{Now: now}
	end := now.Truncate(time.Minute).Add(time.Minute)
	start := end.Add(-time.Duration(minutes) * time.Minute)
	// One COUNT per minute over an index range: cheaper than a GROUP BY, which sorts.
	per := func(table, col string) ([]int64, error) {
		counts := make([]int64, minutes)
		q := `SELECT COUNT(*) FROM ` + table + ` WHERE ` + col + ` >= $1 AND ` + col + ` < $2`
		for i := range counts {
			from := start.Add(time.Duration(i) * time.Minute)
			if err := sub.db.read.QueryRowContext(ctx, q, micros(from), micros(from.Add(time.Minute))).Scan(&counts[i]); err != nil {
				return nil, err
			}
		}
		return counts, nil
	}
	var err error
	if d.OrdersPerMinute, err = per("orders", "created_at"); err != nil {
		return nil, err
	}
	if d.ContractsPerMinute, err = per("contracts", "created_at"); err != nil {
		return nil, err
	}
	if d.DeliveriesPerMinute, err = per("deliveries", "delivered_at"); err != nil {
		return nil, err
	}
	qs, err := sub.db.Deliveries().DeliveryQueueStats(ctx)
	if err != nil {
		return nil, err
	}
	d.QueueDepth, d.OldestPending = qs.Active, qs.OldestPending
	if err := sub.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE status = 'dead'`).Scan(&d.Dead); err != nil {
		return nil, err
	}
	d.Failing, err = queryAll(ctx, sub.db, `SELECT `+endpointColumns+` FROM endpoints WHERE deleted_at IS NULL AND (enabled = 0 OR failing_since IS NOT NULL)
		ORDER BY COALESCE(failing_since, updated_at) LIMIT 100`, scanEndpoint)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ---- test events ----

// SendTestEvent appends an endpoint-test event of the endpoint's vendor and queues
// its delivery to that endpoint only. It returns the delivery.
func (sub Admin) SendTestEvent(ctx context.Context, vendorID, endpointID string) (*orderhub.Delivery, error) {
	var deliveryID string
	err := sub.db.Write(ctx, func(tx *Tx) error {
		var vendor string
		var enabled int
		var deleted sql.NullInt64
		err := tx.queryRow(`SELECT vendor_id, enabled, deleted_at FROM endpoints WHERE id = $1 AND ($2 = '' OR vendor_id = $2)`, endpointID, vendorID).
			Scan(&vendor, &enabled, &deleted)
		if err != nil || deleted.Valid {
			return notFound(orNoRows(err), orderhub.ENotFound, "Endpoint %q not found.", endpointID)
		}
		if enabled == 0 {
			return orderhub.Errorf(orderhub.EConflict, "Endpoint %q is disabled; enable it before sending a test event.", endpointID)
		}
		// A directed event: appendEvent writes no fan-out for it, its one
		// delivery is written here.
		ev, err := tx.appendEvent(vendor, orderhub.EventEndpointTest, "", map[string]any{"endpointId": endpointID, "test": true, "sentAt": tx.now})
		if err != nil {
			return err
		}
		if err := (queue{tx}).insertDelivery(endpointID, vendor, ev.ID, orderhub.EventEndpointTest, "", ev.Seq); err != nil {
			return err
		}
		return tx.queryRow(`SELECT id FROM deliveries WHERE endpoint_id = $1 AND seq = $2`, endpointID, ev.Seq).Scan(&deliveryID)
	})
	if err != nil {
		return nil, err
	}
	return sub.db.Deliveries().GetDelivery(ctx, "", deliveryID)
}

func orNoRows(err error) error {
	if err == nil {
		return sql.ErrNoRows
	}
	return err
}

// ---- console users and sessions ----

// CreateConsoleUser creates an operator console user with a password (stored as a
// bcrypt hash).
func (sub Admin) CreateConsoleUser(ctx context.Context, username, password string) (*orderhub.ConsoleUser, error) {
	return sub.CreateScopedConsoleUser(ctx, username, password, orderhub.RoleOperator, "")
}

// CreateScopedConsoleUser creates a console user of a role (vendorID: the vendor of a
// vendor role) with a password (stored as a bcrypt hash).
func (sub Admin) CreateScopedConsoleUser(ctx context.Context, username, password, role, vendorID string) (*orderhub.ConsoleUser, error) {
	if err := ValidateRole(role, vendorID); err != nil {
		return nil, err
	}
	username = strings.TrimSpace(username)
	if err := validSlug("username", username); err != nil {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "username", "username must be 1-64 letters, digits, '.', '_' or '-', got %q.", username)
	}
	hash, err := hashConsolePassword(password)
	if err != nil {
		return nil, err
	}
	u := &orderhub.ConsoleUser{ID: orderhub.NewID("cu"), Username: username, Role: role, VendorID: vendorID}
	err = sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireRoleVendor(vendorID); err != nil {
			return err
		}
		u.CreatedAt = tx.now
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM console_users WHERE username = $1`, username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return orderhub.FieldError(orderhub.EConflict, "username", "Console user %q exists already.", username)
		}
		_, err := tx.exec(`INSERT INTO console_users (id, username, password_hash, created_at, role, vendor_id) VALUES ($1, $2, $3, $4, $5, $6)`,
			u.ID, username, string(hash), micros(tx.now), role, nullString(vendorID))
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ListConsoleUsers lists console users (never their password hashes).
func (sub Admin) ListConsoleUsers(ctx context.Context) ([]*orderhub.ConsoleUser, error) {
	return queryAll(ctx, sub.db, `SELECT `+consoleUserColumns+` FROM console_users ORDER BY username`, scanConsoleUser)
}

// SetConsoleUserDisabled disables (ending its sessions) or enables a console user;
// the last active operator is not disabled (keepAnOperator).
func (sub Admin) SetConsoleUserDisabled(ctx context.Context, username string, disabled bool) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		var id string
		if err := tx.queryRow(`SELECT id FROM console_users WHERE username = $1`, username).Scan(&id); err != nil {
			return notFound(err, orderhub.ENotFound, "Console user %q not found.", username)
		}
		if !disabled {
			_, err := tx.exec(`UPDATE console_users SET disabled_at = NULL WHERE id = $1`, id)
			return err
		}
		if err := tx.keepAnOperator(id, username, "disabling it"); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE console_users SET disabled_at = COALESCE(disabled_at, $2) WHERE id = $1`, id, micros(tx.now)); err != nil {
			return err
		}
		_, err := tx.exec(`DELETE FROM console_sessions WHERE user_id = $1`, id)
		return err
	})
}

// dummyHash is compared against when a username is unknown, so that a login takes
// as long for a missing user as for a wrong password (same cost; made on first use).
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("orderhub-no-such-user"), BcryptCost)
	return h
})

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ConsoleLogin checks a username and password and opens a session of the given
// lifetime. It returns the session token (for the cookie; stored only as a hash).
// A wrong username or password is EUnauthorized, without saying which.
func (sub Admin) ConsoleLogin(ctx context.Context, username, password string, ttl time.Duration) (string, *orderhub.ConsoleSession, error) {
	bad := orderhub.Errorf(orderhub.EUnauthorized, "Wrong username or password.")
	if !orderhub.IsLineText(username) || len(username) > 64 {
		return "", nil, bad
	}
	var id, hash string
	var disabled sql.NullInt64
	err := sub.db.read.QueryRowContext(ctx, `SELECT id, password_hash, disabled_at FROM console_users WHERE username = $1`, username).Scan(&id, &hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return "", nil, bad
	}
	if err != nil {
		return "", nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || disabled.Valid {
		return "", nil, bad
	}
	token := randomToken()
	s := &orderhub.ConsoleSession{UserID: id, Username: username, CSRFToken: randomToken()}
	err = sub.db.Write(ctx, func(tx *Tx) error {
		s.ExpiresAt = tx.now.Add(ttl)
		// Expired sessions are swept at each login.
		if _, err := tx.exec(`DELETE FROM console_sessions WHERE expires_at < $1`, micros(tx.now)); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO console_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			orderhub.HashSecret(token), id, s.CSRFToken, micros(tx.now), micros(s.ExpiresAt))
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, s, nil
}

// ConsoleSessionByToken returns the live session of a session token.
func (sub Admin) ConsoleSessionByToken(ctx context.Context, token string) (*orderhub.ConsoleSession, error) {
	s := &orderhub.ConsoleSession{}
	var expires int64
	var disabled sql.NullInt64
	var vendor sql.NullString
	err := sub.db.read.QueryRowContext(ctx, `SELECT s.user_id, u.username, u.role, u.vendor_id, s.csrf_token, s.expires_at, u.disabled_at
		FROM console_sessions s JOIN console_users u ON u.id = s.user_id WHERE s.token_hash = $1`, orderhub.HashSecret(token)).
		Scan(&s.UserID, &s.Username, &s.Role, &vendor, &s.CSRFToken, &expires, &disabled)
	s.VendorID = vendor.String
	if err != nil {
		return nil, notFound(err, orderhub.EUnauthorized, "Not logged in.")
	}
	s.ExpiresAt = fromMicros(expires)
	if disabled.Valid || !sub.db.Now().Before(s.ExpiresAt) {
		return nil, orderhub.Errorf(orderhub.EUnauthorized, "The session has expired; log in again.")
	}
	return s, nil
}

// ConsoleLogout ends a session.
func (sub Admin) ConsoleLogout(ctx context.Context, token string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM console_sessions WHERE token_hash = $1`, orderhub.HashSecret(token))
		return err
	})
}
