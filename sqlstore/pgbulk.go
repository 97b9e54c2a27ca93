package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"orderhub"
)

// Optimistic batches on PostgreSQL.
//
// The careful write path (runOnePG) gives every request its own savepoint and sends
// its statements before the next request starts, so that a failing request rolls
// back alone. That costs at least one round trip per request, a subtransaction per
// request (which PostgreSQL tracks per backend: more than 64 in one transaction
// slows every snapshot), and one executor run per row written.
//
// Requests that declare what they will read (writeReq.hint: PlaceVendorOrder) can run
// optimistically instead:
//
//  1. after BEGIN and the writer locks, one round trip reads everything the
//     batch's hints name: the vendors' event sequences (locked), the contracts of
//     the external order ids, the customers of the e-mails, the vendors' endpoints.
//     Under those locks nobody else writes the vendors' rows (postgres.go), so
//     these answers stay true for the
//     rest of the transaction; every write of an optimistic request updates them;
//  2. the requests run without savepoints. Their inserts (customers, contracts,
//     events, deliveries) are collected per table and written as one INSERT …
//     SELECT FROM unnest(…) per table; other statements queue as in the careful
//     path. Nothing is sent until a read misses the cache or the batch commits;
//  3. a request that fails before writing anything (a replay conflict, say) is
//     answered with its error and leaves nothing behind. Anything else — a request
//     that fails after queuing writes, a database error, a failed COMMIT on a live
//     connection — rolls the whole transaction back and runs the batch again on the
//     careful path, which answers each request as it always did. The bulk inserts
//     have no ON CONFLICT clause, so a row the cache did not foresee fails the batch
//     (and goes to the careful path) rather than being skipped silently.
//
// Requests without a hint in an optimistic batch run after the hinted ones, on the
// careful path in the same transaction, with the caches dropped (they may write
// rows the caches describe).

// writeHint names what a request will look up, so that a batch can read it for all
// of its requests in one round trip. A hinted request writes rows of vendorID only:
// on PostgreSQL a batch of hinted requests holds the writer lock slots of their
// vendors, not the global writer lock (postgres.go).
type writeHint struct {
	vendorID         string
	externalOrderIDs []string
	emails           []string
}

// pgCache holds what the batch read up front. A key that is present with a nil
// value is known to be absent.
type pgCache struct {
	contracts map[string]*contractRow       // vendor \x00 external order id
	customers map[string]*orderhub.Customer // vendor \x00 e-mail
}

func cacheKey(vendorID, k string) string { return vendorID + "\x00" + k }

// pgBulk collects an optimistic batch's inserts, column by column.
type pgBulk struct {
	cust struct {
		id, vendor, full, first, last, phone []string
		email, pub, addr, bill, extra        []*string
		at                                   []int64
	}
	con struct {
		id, vendor, product, status, origin, pm, pp, start, delayed, ends, user, payer, fp []string
		ext, promo, source, extra, owner, vdata                                            []*string
		qty, created                                                                       []int64
		confirmed                                                                          []*int64
	}
	ord struct {
		id, vendor, customer, source, status, currency, date, items, pm, dm  []string
		ext, bill, ship, meta, contract                                      []*string
		number, subtotal, shipping, taxes, discount, total, created, updated []int64
	}
	ev struct {
		id, vendor, typ, key, data []string
		seq, at                    []int64
	}
	dlv struct {
		id, vendor, endpoint, event, typ, key []string
		seq                                   []int64
		first                                 []int32
		at                                    []int64
	}
	// heads holds the (endpoint, ordering key) queues that got a delivery in this
	// transaction: a later delivery of the same queue is not its head.
	heads map[string]bool
	n     int // rows collected since the last write-out
}

// ptr is a nullable column's value for a bulk insert. It allocates only for a
// value (taking &s.String would move every s to the heap, NULLs included).
func ptr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	p := new(string)
	*p = s.String
	return p
}

// bulkOn reports whether the running request collects its inserts (an optimistic
// request).
func (p *pgTx) bulkOn() bool { return p.bulk != nil && p.optimistic }

func (p *pgTx) bulkCustomer(c *orderhub.Customer) {
	b := &p.bulk.cust
	b.id = append(b.id, c.ID)
	b.vendor = append(b.vendor, c.VendorID)
	b.email = append(b.email, ptr(nullString(c.Email)))
	b.full = append(b.full, c.FullName)
	b.first = append(b.first, c.FirstName)
	b.last = append(b.last, c.LastName)
	b.phone = append(b.phone, c.Phone)
	b.pub = append(b.pub, ptr(nullString(c.PublisherUserID)))
	b.addr = append(b.addr, ptr(addressJSON(c.Address)))
	b.bill = append(b.bill, ptr(addressJSON(c.BillingAddress)))
	b.extra = append(b.extra, ptr(nullString(string(c.ExtraData))))
	b.at = append(b.at, micros(p.tx.now))
	p.bulk.n++
	p.writes++
}

func (p *pgTx) bulkContract(c *orderhub.Contract, fingerprint string) {
	b := &p.bulk.con
	b.id = append(b.id, c.ID)
	b.vendor = append(b.vendor, c.VendorID)
	b.ext = append(b.ext, ptr(nullString(c.ExternalOrderID)))
	b.promo = append(b.promo, ptr(nullString(c.PromoCode)))
	b.product = append(b.product, c.ProductName)
	b.status = append(b.status, c.Status)
	b.origin = append(b.origin, c.Origin)
	b.source = append(b.source, ptr(nullString(c.SourceID)))
	b.qty = append(b.qty, int64(c.Quantity))
	b.pm = append(b.pm, c.PaymentMethod)
	b.pp = append(b.pp, c.PaymentProvider)
	b.start = append(b.start, c.StartDate)
	b.delayed = append(b.delayed, c.DelayedContractStartsAt)
	b.ends = append(b.ends, c.EndsAt)
	b.user = append(b.user, c.UserID)
	b.payer = append(b.payer, c.PayerID)
	b.fp = append(b.fp, fingerprint)
	b.extra = append(b.extra, ptr(nullString(string(c.ExtraData))))
	b.owner = append(b.owner, ptr(nullString(string(c.OwnerData))))
	b.vdata = append(b.vdata, ptr(nullString(string(c.VendorData))))
	b.created = append(b.created, micros(c.CreatedAt))
	var conf *int64
	if c.ConfirmedAt != nil {
		v := micros(*c.ConfirmedAt)
		conf = &v
	}
	b.confirmed = append(b.confirmed, conf)
	p.bulk.n++
	p.writes++
}

// bulkOrder collects an order, column by column as orderArgs gives them.
func (p *pgTx) bulkOrder(o *orderhub.Order) {
	b := &p.bulk.ord
	items, _ := orderhub.MarshalOrderItemsJSON(o.Items) // json.Marshal(o.Items)'s bytes
	b.id = append(b.id, o.ID)
	b.vendor = append(b.vendor, o.VendorID)
	b.number = append(b.number, o.Number)
	b.ext = append(b.ext, ptr(nullString(o.ExternalOrderID)))
	b.customer = append(b.customer, o.CustomerID)
	b.source = append(b.source, o.Source)
	b.status = append(b.status, o.Status)
	b.currency = append(b.currency, o.Currency)
	b.date = append(b.date, o.Date)
	b.subtotal = append(b.subtotal, int64(o.Subtotal))
	b.shipping = append(b.shipping, int64(o.Shipping))
	b.taxes = append(b.taxes, int64(o.Taxes))
	b.discount = append(b.discount, int64(o.Discount))
	b.total = append(b.total, int64(o.Total))
	b.items = append(b.items, string(items))
	b.bill = append(b.bill, ptr(addressJSON(o.BillingAddress)))
	b.ship = append(b.ship, ptr(addressJSON(o.ShippingAddress)))
	b.pm = append(b.pm, o.PaymentMethod)
	b.dm = append(b.dm, o.DeliveryMethod)
	b.meta = append(b.meta, ptr(nullString(string(o.Metadata))))
	b.created = append(b.created, micros(o.CreatedAt))
	b.updated = append(b.updated, micros(o.UpdatedAt))
	b.contract = append(b.contract, ptr(nullString(o.ContractID)))
	p.bulk.n++
	p.writes++
}

func (p *pgTx) bulkEvent(ev *orderhub.Event) {
	b := &p.bulk.ev
	b.id = append(b.id, ev.ID)
	b.vendor = append(b.vendor, ev.VendorID)
	b.seq = append(b.seq, ev.Seq)
	b.typ = append(b.typ, ev.Type)
	b.key = append(b.key, ev.OrderingKey)
	b.data = append(b.data, string(ev.Data))
	b.at = append(b.at, micros(p.tx.now))
	p.bulk.n++
	p.writes++
}

func (p *pgTx) bulkDelivery(endpointID, vendorID, eventID, eventType, key string, seq int64) {
	b := &p.bulk.dlv
	first := int32(1)
	if key != "" {
		q := endpointID + "\x00" + key
		if p.bulk.heads[q] {
			first = 0
		}
		if p.bulk.heads == nil {
			p.bulk.heads = map[string]bool{}
		}
		p.bulk.heads[q] = true
	}
	b.id = append(b.id, sortableID("dlv", p.tx.now))
	b.vendor = append(b.vendor, vendorID)
	b.endpoint = append(b.endpoint, endpointID)
	b.event = append(b.event, eventID)
	b.typ = append(b.typ, eventType)
	b.key = append(b.key, key)
	b.seq = append(b.seq, seq)
	b.first = append(b.first, first)
	b.at = append(b.at, micros(p.tx.now))
	p.bulk.n++
	p.writes++
}

// The columns the write path inserts, one list per table, shared by the row INSERT
// and its bulk form (customers: customerColumns, orders: orderColumns).
const (
	contractInsertColumns = `id, vendor_id, external_order_id, promo_code, product_name, status, origin, source_id, quantity,
		payment_method, payment_provider, start_date, delayed_starts_at, ends_at, user_id, payer_id, fingerprint, extra_data, owner_data, vendor_data,
		created_at, confirmed_at`
	eventInsertColumns    = `id, vendor_id, seq, type, ordering_key, data, created_at`
	deliveryInsertColumns = `id, vendor_id, endpoint_id, event_id, event_type, ordering_key, seq, status, ready, next_attempt_at, created_at, updated_at`
)

// bulkInsert builds the bulk form of a table's row INSERT from the same column
// list: INSERT INTO table (columns) SELECT … FROM unnest($1::type[], …) WITH
// ORDINALITY … ORDER BY the ordinality, so that rows are inserted in the order they
// were collected (events get their pos in sequence order). Each column takes the
// next array parameter, of the PostgreSQL type types names for it, unless exprs
// gives it an expression (over u.column and the extra arrays, named "name type",
// which come last).
func bulkInsert(table, columns string, types []string, exprs map[string]string, extra ...string) string {
	cols := strings.Split(columns, ",")
	var sel, arrays, names []string
	param := 0
	add := func(name, typ string) {
		param++
		arrays = append(arrays, fmt.Sprintf("$%d::%s[]", param, typ))
		names = append(names, name)
	}
	t := 0
	for _, c := range cols {
		c = strings.TrimSpace(c)
		if e, ok := exprs[c]; ok {
			sel = append(sel, e)
			continue
		}
		if t >= len(types) {
			panic(fmt.Sprintf("sqlstore: bulk insert into %s: no type for column %s", table, c))
		}
		add(c, types[t])
		t++
		sel = append(sel, "u."+c)
	}
	if t != len(types) || len(exprs)+t != len(cols) {
		panic(fmt.Sprintf("sqlstore: bulk insert into %s: %d columns, %d types, %d expressions", table, len(cols), len(types), len(exprs)))
	}
	for _, x := range extra {
		name, typ, _ := strings.Cut(x, " ")
		add(name, typ)
	}
	return "INSERT INTO " + table + " (" + strings.Join(strings.Fields(columns), " ") + ")\n\tSELECT " + strings.Join(sel, ", ") +
		"\n\tFROM unnest(" + strings.Join(arrays, ", ") + ")\n\t\tWITH ORDINALITY AS u(" + strings.Join(names, ", ") + ", ord)\n\tORDER BY u.ord"
}

// The bulk statements. A delivery that is not the first of its queue in this batch
// is not a head; the first one is the head when the queue has no active delivery
// before this statement (as insertDelivery). That look-up is a scalar subquery with
// LIMIT 1, not NOT EXISTS: PostgreSQL may run an EXISTS as a hashed subplan over
// every active delivery, which it chose on a growing queue (stale statistics) and
// which cost 6.6 ms a statement at 1,000 orders/s with webhooks (issue 20); the
// scalar form is one deliveries_key look-up per row.
var (
	bulkCustomersSQL = bulkInsert("customers", customerColumns,
		[]string{"text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "bigint", "bigint"}, nil)
	bulkContractsSQL = bulkInsert("contracts", contractInsertColumns,
		[]string{"text", "text", "text", "text", "text", "text", "text", "text", "bigint", "text", "text",
			"text", "text", "text", "text", "text", "text", "text", "text", "text", "bigint", "bigint"}, nil)
	bulkOrdersSQL = bulkInsert("orders", orderColumns,
		[]string{"text", "text", "bigint", "text", "text", "text", "text", "text", "text", "bigint", "bigint", "bigint",
			"bigint", "bigint", "text", "text", "text", "text", "text", "text", "bigint", "bigint", "text"}, nil)
	bulkEventsSQL     = bulkInsert("events", eventInsertColumns, []string{"text", "text", "bigint", "text", "text", "text", "bigint"}, nil)
	bulkDeliveriesSQL = bulkInsert("deliveries", deliveryInsertColumns,
		[]string{"text", "text", "text", "text", "text", "text", "bigint", "bigint"},
		map[string]string{
			"status": "'pending'",
			"ready": `CASE WHEN u.ordering_key = '' THEN 1 WHEN u.first = 0 THEN 0
				WHEN (SELECT 1 FROM deliveries x WHERE x.endpoint_id = u.endpoint_id AND x.ordering_key = u.ordering_key AND x.status IN ('pending', 'failed') LIMIT 1) IS NULL THEN 1
				ELSE 0 END`,
			"created_at": "u.next_attempt_at",
			"updated_at": "u.next_attempt_at",
		},
		"first int")
)

// writeOut turns the collected rows into queued statements, in an order that keeps
// the foreign keys happy (customers before the contracts that name them, events
// before their deliveries). It runs before any other statement is queued and before
// anything is sent, so statements keep their order.
func (p *pgTx) writeOut() {
	if p.bulk == nil || p.bulk.n == 0 {
		return
	}
	b := p.bulk
	add := func(q string, args ...any) { p.q = append(p.q, pgStmt{q: q, args: args, res: &pgResult{}}) }
	if c := &b.cust; len(c.id) > 0 {
		add(bulkCustomersSQL, c.id, c.vendor, c.email, c.full, c.first, c.last, c.phone, c.pub, c.addr, c.bill, c.extra, c.at, c.at)
	}
	if c := &b.con; len(c.id) > 0 {
		add(bulkContractsSQL, c.id, c.vendor, c.ext, c.promo, c.product, c.status, c.origin, c.source, c.qty, c.pm, c.pp,
			c.start, c.delayed, c.ends, c.user, c.payer, c.fp, c.extra, c.owner, c.vdata, c.created, c.confirmed)
	}
	if o := &b.ord; len(o.id) > 0 {
		add(bulkOrdersSQL, o.id, o.vendor, o.number, o.ext, o.customer, o.source, o.status, o.currency, o.date, o.subtotal, o.shipping, o.taxes,
			o.discount, o.total, o.items, o.bill, o.ship, o.pm, o.dm, o.meta, o.created, o.updated, o.contract)
	}
	if e := &b.ev; len(e.id) > 0 {
		add(bulkEventsSQL, e.id, e.vendor, e.seq, e.typ, e.key, e.data, e.at)
	}
	if d := &b.dlv; len(d.id) > 0 {
		// Planned for the table as it is each time: a generic plan cached while
		// deliveries was a few pages read the head look-up through the
		// (endpoint_id, seq) key, every delivery of the endpoint per row, for ever
		// after (40-60 ms a statement with one endpoint receiving everything).
		add(`SET LOCAL plan_cache_mode = force_custom_plan`)
		add(bulkDeliveriesSQL, d.id, d.vendor, d.endpoint, d.event, d.typ, d.key, d.seq, d.at, d.first)
		add(`SET LOCAL plan_cache_mode TO DEFAULT`)
	}
	heads := b.heads
	*b = pgBulk{heads: heads} // the slices now belong to the queued statements
}

// prefetch reads, in one round trip, what the hinted requests of a batch will look
// up, and starts the caches with it.
func (p *pgTx) prefetch(batch []*writeReq) error {
	type keys struct{ exts, emails []string }
	byVendor := map[string]*keys{}
	var vendors []string
	for _, r := range batch {
		h := r.hint
		if h == nil {
			continue
		}
		k := byVendor[h.vendorID]
		if k == nil {
			k = &keys{}
			byVendor[h.vendorID] = k
			vendors = append(vendors, h.vendorID)
		}
		k.exts = append(k.exts, h.externalOrderIDs...)
		k.emails = append(k.emails, h.emails...)
	}
	tx := p.tx
	c := &pgCache{contracts: map[string]*contractRow{}, customers: map[string]*orderhub.Customer{}}
	if tx.seqBase == nil {
		tx.seqs, tx.seqBase = map[string]int64{}, map[string]int64{}
	}
	if tx.targets == nil {
		tx.targets = map[string][]endpointTarget{}
	}
	// Each key is looked up on its own (LATERAL … LIMIT 1 keeps the planner from
	// turning the look-ups into one scan with a filter), and the look-ups are planned
	// for their arguments each time: a generic plan made while the tables were empty
	// (a new database, before autovacuum's first ANALYZE) would scan them whole for
	// ever after. Equality on every column of a unique index is then an index look-up
	// whatever the statistics say. Planning costs a few hundred µs per batch.
	b := &pgx.Batch{}
	b.Queue(`SET LOCAL plan_cache_mode = force_custom_plan`)
	for _, v := range vendors {
		k := byVendor[v]
		for _, e := range k.exts {
			c.contracts[cacheKey(v, e)] = nil
		}
		for _, e := range k.emails {
			c.customers[cacheKey(v, e)] = nil
		}
		b.Queue(`SELECT event_seq, order_seq, fanout_seq, fanout_after FROM vendors WHERE id = $1 FOR UPDATE`, v).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var seq, orders int64
				var f fanPos
				if err := rows.Scan(&seq, &orders, &f.seq, &f.after); err != nil {
					return err
				}
				tx.seqBase[v], tx.seqBase[orderSeqKey(v)] = seq, orders
				fanout{tx}.setFanBase(v, f)
			}
			return rows.Err()
		})
		b.Queue(`SELECT l.* FROM unnest($2::text[]) AS k(ext) CROSS JOIN LATERAL (
			SELECT `+contractColumns+contractFrom+` WHERE c.vendor_id = $1 AND c.external_order_id = k.ext LIMIT 1) l`, v, k.exts).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				r, err := scanContract(rows)
				if err != nil {
					return err
				}
				c.contracts[cacheKey(v, r.ExternalOrderID)] = r
			}
			return rows.Err()
		})
		b.Queue(`SELECT l.* FROM unnest($2::text[]) AS k(email) CROSS JOIN LATERAL (
			SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 AND email = k.email LIMIT 1) l`, v, k.emails).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				cu, err := scanCustomer(rows)
				if err != nil {
					return err
				}
				c.customers[cacheKey(v, cu.Email)] = cu
			}
			return rows.Err()
		})
		b.Queue(liveEndpointsSQL, v, tx.w.db.inlineFanout+1).Query(func(rows pgx.Rows) error {
			eps := []endpointTarget{}
			for rows.Next() {
				var e endpointTarget
				if err := rows.Scan(&e.id, &e.types); err != nil {
					return err
				}
				eps = append(eps, e)
			}
			tx.targets[v] = eps
			return rows.Err()
		})
	}
	b.Queue(`SET LOCAL plan_cache_mode TO DEFAULT`)
	err := tx.w.conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: the writer's connection is a %T, not pgx", dc)
		}
		return sc.Conn().SendBatch(tx.ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("prefetch: %w", err)
	}
	p.cache = c
	p.bulk = &pgBulk{}
	return nil
}

// dropOptimistic forgets the caches before a request on the careful path.
func (p *pgTx) dropOptimistic() {
	p.writeOut()
	p.cache = nil
	if p.bulk != nil {
		p.bulk.heads = nil
	}
}

// cachedContract looks a contract up in the cache: ok reports whether the cache
// knows; r is nil when the contract does not exist.
func (p *pgTx) cachedContract(vendorID, ext string) (r *contractRow, ok bool) {
	if p.cache == nil {
		return nil, false
	}
	r, ok = p.cache.contracts[cacheKey(vendorID, ext)]
	return r, ok
}

func (p *pgTx) cacheContract(r *contractRow) {
	if p.cache != nil && r.ExternalOrderID != "" {
		p.cache.contracts[cacheKey(r.VendorID, r.ExternalOrderID)] = r
	}
}

func (p *pgTx) cachedCustomer(vendorID, email string) (c *orderhub.Customer, ok bool) {
	if p.cache == nil {
		return nil, false
	}
	c, ok = p.cache.customers[cacheKey(vendorID, email)]
	return c, ok
}

// cacheCustomer records a customer as written (prev: as it was, nil when new).
func (p *pgTx) cacheCustomer(prev, c *orderhub.Customer) {
	if p.cache == nil {
		return
	}
	if prev != nil && prev.Email != "" && prev.Email != c.Email {
		p.cache.customers[cacheKey(c.VendorID, prev.Email)] = nil
	}
	if c.Email != "" {
		cp := *c
		// As the database gives it back: a zero address is stored as NULL.
		if cp.Address.IsZero() {
			cp.Address = nil
		}
		if cp.BillingAddress.IsZero() {
			cp.BillingAddress = nil
		}
		p.cache.customers[cacheKey(c.VendorID, c.Email)] = &cp
	}
}

// runOptimistic runs one hinted request without a savepoint. clean reports whether
// the transaction is still good: false when the request wrote something and then
// failed, or a statement failed; the batch then goes to the careful path.
func (w *writer) runOptimistic(tx *Tx, fn func(*Tx) error) (err error, clean bool) {
	p := &tx.pg
	events, seqs, writes := tx.events, outbox{tx}.saveSeqs(), p.writes
	p.err = nil
	p.optimistic = true
	err = safeCall(fn, tx)
	p.optimistic = false
	if p.err != nil {
		return p.err, false
	}
	if err == nil {
		return nil, true
	}
	if p.writes != writes || errors.Is(err, errRetry) {
		return err, false
	}
	tx.events = events
	outbox{tx}.restoreSeqs(seqs)
	return err, true
}

// runPGOptimistic runs a batch with hinted requests optimistically, in the write
// transaction run began. It returns false when the batch has to run again on the
// careful path (the transaction was rolled back, nothing was committed).
func (w *writer) runPGOptimistic(batch []*writeReq, start time.Time) bool {
	tx := w.newTx()
	if err := tx.pg.prefetch(batch); err != nil {
		w.db.log.Debug("optimistic batch: prefetch failed; running it on the careful path", "err", err)
		w.rollback()
		w.db.fallbacks.Add(1)
		if !w.healthy() {
			_ = w.reconnect()
		}
		return false
	}
	// The hinted requests run first, the others after them. Every request of a
	// batch was waiting when it began, none has been answered, so any order is one
	// they could have run in; this one keeps the caches for all hinted requests
	// (a delivery claim lands in nearly every batch under load).
	errs := make([]error, len(batch))
	for i, r := range batch {
		if r.hint == nil {
			continue
		}
		var clean bool
		if errs[i], clean = w.runOptimistic(tx, r.fn); !clean {
			return w.abandon(tx, "a request failed after writing")
		}
	}
	for i, r := range batch {
		if r.hint != nil {
			continue
		}
		// Careful path inside this transaction: send what is queued first, so that
		// its errors are not taken for this request's.
		if err := tx.pg.flush(); err != nil {
			return w.abandon(tx, "a queued write failed")
		}
		tx.pg.dropOptimistic()
		errs[i] = w.runOne(tx, r.fn, false)
	}
	if err := (outbox{tx}).flushSeqs(); err != nil {
		return w.abandon(tx, "event sequence")
	}
	if err := w.commit(tx); err != nil {
		w.rollback()
		if w.healthy() {
			w.db.log.Debug("optimistic batch failed at commit; running it on the careful path", "err", err, "batch", len(batch))
			w.db.fallbacks.Add(1)
			return false
		}
		_ = w.reconnect()
		w.fail(batch, fmt.Errorf("commit: %w", err), start)
		return true
	}
	if tx.wakesDelivery() {
		w.db.committed()
	}
	if tx.deferred {
		w.db.wakeFanout()
	}
	w.observe(len(batch), start, nil)
	for i, r := range batch {
		r.done <- errs[i]
	}
	return true
}

// abandon rolls an optimistic batch back so that it runs again on the careful path.
func (w *writer) abandon(tx *Tx, why string) bool {
	w.db.log.Debug("optimistic batch abandoned; running it on the careful path", "why", why)
	tx.pg.q = tx.pg.q[:0]
	w.rollback()
	w.db.fallbacks.Add(1)
	if !w.healthy() {
		_ = w.reconnect()
	}
	return false
}

// OptimisticFallbacks counts the batches that ran optimistically on PostgreSQL, were
// rolled back and ran again on the careful path (tests, metrics).
func (sub Ops) OptimisticFallbacks() int64 {
	db := sub.db
	return db.fallbacks.Load()
}
