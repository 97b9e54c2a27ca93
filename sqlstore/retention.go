package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"orderhub"
)

// Retention. Finished deliveries (delivered, or canceled with their endpoint), their
// attempts, and events are deleted once they are older than a configurable age; dead
// letters once they are older than their own (usually longer) limit, unless replayed
// first (a replayed delivery is active again, and its age counts from its new
// delivery). Nothing else is ever deleted: customers, orders, contracts, shipments,
// transactions, endpoints and vendors stay. An event goes only when none of its
// deliveries is left, so an event is never deleted while a delivery of it is pending,
// failed, dead (and kept) or delivered too recently.
//
// Pruning reads on the reader pool what may go, and deletes it through the writer in
// small batches (Retention.Batch deliveries or events per write request), each one
// checking again what it deletes: a delivery replayed or an event fanned out again
// between the read and the delete stays. A batch is a request like any other in the
// writer's group commit, so it holds the writer for about a millisecond, and pruning
// pauses between batches (Retention.Pause) to leave the writer to the traffic.
//
// Space. SQLite puts the pages that deletes free on its free list and reuses them for
// new rows, so at steady load the file stops growing at its high-water mark without
// any vacuum (and without converting existing databases to auto_vacuum, which would
// need a full VACUUM). The file does not shrink; `orderhub backup` writes a compact
// copy (VACUUM INTO) when the space is wanted back. PostgreSQL's autovacuum makes the
// space of deleted rows reusable the same way.

// GetVendorRetention returns a vendor's override (both limits nil when it has none),
// or NotFound.
func (sub Admin) GetVendorRetention(ctx context.Context, vendorID string) (*orderhub.VendorRetention, error) {
	v := &orderhub.VendorRetention{VendorID: vendorID}
	var del, dead, upd sql.NullInt64
	err := sub.db.read.QueryRowContext(ctx, `SELECT r.delivered_s, r.dead_s, r.updated_at FROM vendors v
		LEFT JOIN vendor_retention r ON r.vendor_id = v.id WHERE v.id = $1`, vendorID).Scan(&del, &dead, &upd)
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Vendor %q not found.", vendorID)
	}
	v.Delivered, v.Dead = durPtr(del), durPtr(dead)
	if upd.Valid {
		v.UpdatedAt = fromMicros(upd.Int64)
	}
	return v, nil
}

// SetVendorRetention sets (or, with both limits nil, removes) a vendor's override.
// Limits must not be negative.
func (sub Admin) SetVendorRetention(ctx context.Context, vendorID string, delivered, dead *time.Duration) error {
	for _, d := range []*time.Duration{delivered, dead} {
		if d != nil && *d < 0 {
			return orderhub.Errorf(orderhub.EInvalidRequest, "A retention limit must not be negative.")
		}
	}
	secs := func(d *time.Duration) sql.NullInt64 {
		if d == nil {
			return sql.NullInt64{}
		}
		return sql.NullInt64{Int64: int64(*d / time.Second), Valid: true}
	}
	return sub.db.w.do(ctx, func(tx *Tx) error {
		if err := tx.requireVendor(vendorID); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM vendor_retention WHERE vendor_id = $1`, vendorID); err != nil {
			return err
		}
		if delivered == nil && dead == nil {
			return nil
		}
		_, err := tx.exec(`INSERT INTO vendor_retention (vendor_id, delivered_s, dead_s, updated_at) VALUES ($1, $2, $3, $4)`,
			vendorID, secs(delivered), secs(dead), micros(tx.now))
		return err
	})
}

// ListVendorRetention returns every vendor override, by vendor id.
func (sub Admin) ListVendorRetention(ctx context.Context) ([]*orderhub.VendorRetention, error) {
	rows, err := sub.db.read.QueryContext(ctx, `SELECT vendor_id, delivered_s, dead_s, updated_at FROM vendor_retention ORDER BY vendor_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*orderhub.VendorRetention
	for rows.Next() {
		var v orderhub.VendorRetention
		var del, dead sql.NullInt64
		var upd int64
		if err := rows.Scan(&v.VendorID, &del, &dead, &upd); err != nil {
			return nil, err
		}
		v.Delivered, v.Dead, v.UpdatedAt = durPtr(del), durPtr(dead), fromMicros(upd)
		out = append(out, &v)
	}
	return out, rows.Err()
}

func durPtr(n sql.NullInt64) *time.Duration {
	if !n.Valid {
		return nil
	}
	d := time.Duration(n.Int64) * time.Second
	return &d
}

// Prune makes one retention pass over every vendor and returns what it deleted. It
// stops at the first error (what it deleted before stays deleted) or when ctx ends.
func (sub Admin) Prune(ctx context.Context, r orderhub.Retention) (orderhub.PruneStats, error) {
	if r.Batch <= 0 {
		r.Batch = orderhub.DefaultPruneBatch
	}
	switch {
	case r.PauseFactor == 0:
		r.PauseFactor = orderhub.DefaultPauseFactor
	case r.PauseFactor < 0:
		r.PauseFactor = 0
	}
	var total orderhub.PruneStats
	type vendor struct {
		id              string
		delivered, dead time.Duration
	}
	rows, err := sub.db.read.QueryContext(ctx, `SELECT v.id, r.delivered_s, r.dead_s FROM vendors v
		LEFT JOIN vendor_retention r ON r.vendor_id = v.id ORDER BY v.id`)
	if err != nil {
		return total, err
	}
	var vendors []vendor
	for rows.Next() {
		v := vendor{delivered: r.Delivered, dead: r.Dead}
		var del, dead sql.NullInt64
		if err := rows.Scan(&v.id, &del, &dead); err != nil {
			rows.Close()
			return total, err
		}
		if d := durPtr(del); d != nil {
			v.delivered = *d
		}
		if d := durPtr(dead); d != nil {
			v.dead = *d
		}
		vendors = append(vendors, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return total, err
	}
	now := sub.db.Now()
	for _, v := range vendors {
		p := pruner{db: sub.db, r: r, vendor: v.id}
		if v.delivered > 0 {
			p.delivered = micros(now.Add(-v.delivered))
		}
		if v.dead > 0 {
			p.dead = micros(now.Add(-v.dead))
		}
		err := p.deliveries(ctx)
		if err == nil {
			err = p.events(ctx)
		}
		total.Add(p.stats)
		if err != nil {
			return total, fmt.Errorf("prune vendor %s: %w", v.id, err)
		}
	}
	audit, keys, err := sub.db.pruneAudit(ctx, r.Audit, r.Batch, r.Pause)
	total.Audit, total.IdemKeys = audit, keys
	if err != nil {
		return total, fmt.Errorf("prune audit log: %w", err)
	}
	return total, nil
}

// pruner prunes one vendor. Its cutoffs are times in microseconds; 0 prunes nothing.
type pruner struct {
	db          *DB
	r           orderhub.Retention
	vendor      string
	delivered   int64 // delivered and canceled deliveries finished before, and events created before
	dead        int64 // dead letters that died before
	stats       orderhub.PruneStats
	wroteBefore bool
	lastWrite   time.Duration // how long the last write request took
}

// prunable is the condition, in SQL, for a delivery that may be deleted ($1 the
// delivered cutoff, $2 the dead cutoff).
const prunable = `((status = 'delivered' AND delivered_at < $1) OR (status = 'canceled' AND updated_at < $1) OR (status = 'dead' AND updated_at < $2))`

// seqBound returns the seq of the vendor's first event created at or after t (or
// the largest int64 when there is none): the events walk up to it in seq order (the
// events' (vendor_id, seq) index), which reads only the old events still kept.
// Events are created in seq order; deliveries need not be (replaying since a time
// creates deliveries of old events), so deliveries are bounded by their event's seq.
func (p *pruner) seqBound(ctx context.Context, t int64) (int64, error) {
	bound := int64(math.MaxInt64)
	after := int64(-1)
	page := 4 * p.r.Batch
	for {
		n, found := 0, false
		err := p.readPage(ctx, `SELECT seq, created_at FROM events WHERE vendor_id = $1 AND seq > $2 ORDER BY seq LIMIT `+fmt.Sprint(page),
			[]any{p.vendor, after}, func(rows *sql.Rows) error {
				var seq, created int64
				if err := rows.Scan(&seq, &created); err != nil {
					return err
				}
				n++
				if !found && created >= t {
					bound, found = seq, true
				}
				after = seq
				return nil
			})
		if err != nil || found || n < page {
			return bound, err
		}
	}
}

// deliveries walks the vendor's deliveries of events created before the later cutoff
// in seq order (the deliveries_vendor_seq index), and deletes those that may go. The
// walk reads what is kept (active deliveries, kept dead letters) once per pass, plus
// what it deletes.
func (p *pruner) deliveries(ctx context.Context) error {
	if p.delivered == 0 && p.dead == 0 {
		return nil
	}
	below, err := p.seqBound(ctx, max(p.delivered, p.dead))
	if err != nil {
		return err
	}
	page := 4 * p.r.Batch
	after := int64(-1)
	for {
		var ids []string
		var last int64
		n := 0
		err := p.readPage(ctx, `SELECT id, seq, status, COALESCE(delivered_at, 0), updated_at FROM deliveries
			WHERE vendor_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq LIMIT `+fmt.Sprint(page), []any{p.vendor, after, below},
			func(rows *sql.Rows) error {
				var id, status string
				var seq, delivered, updated int64
				if err := rows.Scan(&id, &seq, &status, &delivered, &updated); err != nil {
					return err
				}
				n++
				last = seq
				if p.deliveryMayGo(status, delivered, updated) {
					ids = append(ids, id)
				}
				return nil
			})
		if err != nil {
			return err
		}
		if n == page {
			// The page may end inside a seq (one event, several endpoints): read the
			// rest of that seq.
			err := p.readPage(ctx, `SELECT id, status, COALESCE(delivered_at, 0), updated_at FROM deliveries
				WHERE vendor_id = $1 AND seq = $2`, []any{p.vendor, last}, func(rows *sql.Rows) error {
				var id, status string
				var delivered, updated int64
				if err := rows.Scan(&id, &status, &delivered, &updated); err != nil {
					return err
				}
				if p.deliveryMayGo(status, delivered, updated) {
					ids = append(ids, id)
				}
				return nil
			})
			if err != nil {
				return err
			}
			ids = dedupe(ids)
		}
		for len(ids) > 0 {
			k := min(len(ids), p.r.Batch)
			if err := p.deleteDeliveries(ctx, ids[:k]); err != nil {
				return err
			}
			ids = ids[k:]
		}
		if n < page {
			return nil
		}
		after = last
	}
}

func (p *pruner) deliveryMayGo(status string, delivered, updated int64) bool {
	switch status {
	case orderhub.DeliveryDelivered:
		return delivered > 0 && delivered < p.delivered
	case orderhub.DeliveryCanceled:
		return updated < p.delivered
	case orderhub.DeliveryDead:
		return updated < p.dead
	}
	return false
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// readPage runs a query on the reader pool and calls f for each row.
func (p *pruner) readPage(ctx context.Context, q string, args []any, f func(*sql.Rows) error) error {
	rows, err := p.db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// inList returns "$from, …" for a batch of ids, padded to the batch size with the
// first id (so that every batch uses the same statement), and the arguments.
func (p *pruner) inList(from int, ids []string) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, p.r.Batch)
	for i := range p.r.Batch {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
		if i < len(ids) {
			args = append(args, ids[i])
		} else {
			args = append(args, ids[0])
		}
	}
	return b.String(), args
}

// pause waits between two write requests of a pass.
func (p *pruner) pause(ctx context.Context) error {
	wait := max(p.r.Pause, time.Duration(p.r.PauseFactor*float64(p.lastWrite)))
	if p.wroteBefore && wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.wroteBefore = true
	return ctx.Err()
}

// deleteDeliveries deletes those of ids that may still go, with their attempts, in
// one write request.
func (p *pruner) deleteDeliveries(ctx context.Context, ids []string) error {
	if err := p.pause(ctx); err != nil {
		return err
	}
	in, args := p.inList(3, ids)
	var st orderhub.PruneStats
	start := time.Now()
	defer func() { p.lastWrite = time.Since(start) }()
	err := p.db.w.do(ctx, func(tx *Tx) error {
		st = orderhub.PruneStats{}
		rows, err := tx.query(`SELECT id, status FROM deliveries WHERE id IN (`+in+`) AND `+prunable,
			append([]any{p.delivered, p.dead}, args...)...)
		if err != nil {
			return err
		}
		var gone []string
		for rows.Next() {
			var id, status string
			if err := rows.Scan(&id, &status); err != nil {
				rows.Close()
				return err
			}
			gone = append(gone, id)
			if status == orderhub.DeliveryDead {
				st.Dead++
			} else {
				st.Delivered++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(gone) == 0 {
			return nil
		}
		in, args := p.inList(1, gone)
		res, err := tx.exec(`DELETE FROM delivery_attempts WHERE delivery_id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		if st.Attempts, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM deliveries WHERE id IN (`+in+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	p.stats.Add(st)
	return nil
}

// events walks the vendor's events in seq order up to the first one created after
// the cutoff, and deletes those without deliveries.
func (p *pruner) events(ctx context.Context) error {
	if p.delivered == 0 {
		return nil
	}
	page := 4 * p.r.Batch
	after := int64(-1)
	for {
		var ids []string
		n, done := 0, false
		err := p.readPage(ctx, `SELECT e.id, e.seq, e.created_at, EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
			FROM events e WHERE e.vendor_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT `+fmt.Sprint(page), []any{p.vendor, after},
			func(rows *sql.Rows) error {
				var id string
				var seq, created int64
				var kept bool
				if err := rows.Scan(&id, &seq, &created, &kept); err != nil {
					return err
				}
				n++
				if created >= p.delivered {
					done = true
				}
				if done {
					return nil
				}
				after = seq
				if !kept {
					ids = append(ids, id)
				}
				return nil
			})
		if err != nil {
			return err
		}
		for len(ids) > 0 {
			k := min(len(ids), p.r.Batch)
			if err := p.deleteEvents(ctx, ids[:k]); err != nil {
				return err
			}
			ids = ids[k:]
		}
		if done || n < page {
			return nil
		}
	}
}

// deleteEvents deletes those of ids that are old enough and have no delivery left,
// in one write request.
func (p *pruner) deleteEvents(ctx context.Context, ids []string) error {
	if err := p.pause(ctx); err != nil {
		return err
	}
	in, args := p.inList(2, ids)
	var n int64
	start := time.Now()
	defer func() { p.lastWrite = time.Since(start) }()
	err := p.db.w.do(ctx, func(tx *Tx) error {
		n = 0
		// An event the fan-out expander has not reached yet has no deliveries
		// either, but it will: it stays.
		rows, err := tx.query(`SELECT id FROM events e WHERE id IN (`+in+`) AND created_at < $1
			AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
			AND e.seq <= (SELECT fanout_seq FROM vendors v WHERE v.id = e.vendor_id)`, append([]any{p.delivered}, args...)...)
		if err != nil {
			return err
		}
		var gone []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			gone = append(gone, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(gone) == 0 {
			return nil
		}
		n = int64(len(gone))
		in, args := p.inList(1, gone)
		_, err = tx.exec(`DELETE FROM events WHERE id IN (`+in+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	p.stats.Events += n
	return nil
}

// RunRetention prunes every interval (a first pass right away) until ctx ends,
// reporting each pass to report (which may be nil).
func (sub Admin) RunRetention(ctx context.Context, r orderhub.Retention, interval time.Duration, report func(orderhub.PruneStats, time.Duration, error)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		st, err := sub.Prune(ctx, r)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return
		}
		if err != nil {
			sub.db.log.Error("retention pass failed", "err", err)
		}
		if report != nil {
			report(st, time.Since(start), err)
		}
		t.Reset(interval)
	}
}

// Space reports the database's size.
func (sub Admin) Space(ctx context.Context) (orderhub.SpaceStats, error) {
	return sub.db.d.space(ctx, sub.db.read)
}
