package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"orderhub"
)

// appendEvent writes an event to the outbox in the caller's transaction, with the
// vendor's next sequence number. data is marshalled as the event's payload.
func (tx *Tx) appendEvent(vendorID, typ, orderingKey string, data any) (*orderhub.Event, error) {
	raw, ok := data.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			return nil, fmt.Errorf("marshal %s event: %w", typ, err)
		}
	}
	ev := &orderhub.Event{ID: orderhub.NewID("evt"), VendorID: vendorID, Type: typ, OrderingKey: orderingKey, Data: raw, CreatedAt: tx.now}
	seq, err := tx.nextSeq(vendorID)
	if err != nil {
		return nil, err
	}
	ev.Seq = seq
	if tx.bulkOn() {
		tx.bulkEvent(ev)
	} else if _, err := tx.exec(`INSERT INTO events (id, vendor_id, seq, type, ordering_key, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ev.ID, vendorID, ev.Seq, typ, orderingKey, string(raw), micros(tx.now)); err != nil {
		return nil, err
	}
	tx.events++
	for _, f := range eventHooks {
		if err := f(tx, ev); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// nextSeq returns the vendor's next event sequence number. The first use of a
// vendor in a transaction reads (and on PostgreSQL locks) its row; the numbers are
// then counted here and written back by flushSeqs before COMMIT.
func (tx *Tx) nextSeq(vendorID string) (int64, error) { return tx.nextCount(vendorID, "event_seq") }

// orderSeqKey is the key of a vendor's order numbers among the counted sequences.
func orderSeqKey(vendorID string) string { return "order\x00" + vendorID }

// nextOrderNumber returns the vendor's next order number, counted like nextSeq (so
// that optimistic batches number orders without a round trip).
func (tx *Tx) nextOrderNumber(vendorID string) (int64, error) {
	return tx.nextCount(orderSeqKey(vendorID), "order_seq")
}

// seqColumn returns the vendors column and the vendor of a counted-sequence key.
func seqColumn(key string) (column, vendorID string) {
	if v, ok := strings.CutPrefix(key, "order\x00"); ok {
		return "order_seq", v
	}
	return "event_seq", key
}

func (tx *Tx) nextCount(key, column string) (int64, error) {
	if tx.seqs == nil {
		tx.seqs, tx.seqBase = map[string]int64{}, map[string]int64{}
	}
	_, vendorID := seqColumn(key)
	cur, ok := tx.seqs[key]
	if !ok {
		base, known := tx.seqBase[key]
		if !known {
			q := `SELECT ` + column + ` FROM vendors WHERE id = $1`
			if tx.w.db.dialect == Postgres {
				q += ` FOR UPDATE`
			}
			if err := tx.queryRow(q, vendorID).Scan(&base); err != nil {
				return 0, notFound(err, orderhub.ENotFound, "Vendor %q not found.", vendorID)
			}
			tx.seqBase[key] = base
		}
		cur = base
	}
	cur++
	tx.seqs[key] = cur
	return cur, nil
}

// saveSeqs and restoreSeqs keep the counted sequences in step with a savepoint.
func (tx *Tx) saveSeqs() map[string]int64 {
	if len(tx.seqs) == 0 {
		return nil
	}
	return maps.Clone(tx.seqs)
}

func (tx *Tx) restoreSeqs(saved map[string]int64) {
	if len(tx.seqs) == 0 && saved == nil {
		return
	}
	tx.seqs = saved
	if tx.seqs == nil {
		tx.seqs = map[string]int64{}
	}
}

// resetSeqs forgets everything after a rolled-back transaction.
func (tx *Tx) resetSeqs() { tx.seqs, tx.seqBase = nil, nil }

// flushSeqs writes the advanced sequences back, once per vendor.
func (tx *Tx) flushSeqs() error {
	for k, cur := range tx.seqs {
		if cur == tx.seqBase[k] {
			continue
		}
		column, v := seqColumn(k)
		if _, err := tx.exec(`UPDATE vendors SET `+column+` = $2 WHERE id = $1`, v, cur); err != nil {
			return err
		}
	}
	tx.resetSeqs()
	return nil
}

// eventHooks run in the transaction of every appended event (delivery fan-out).
var eventHooks []func(*Tx, *orderhub.Event) error

// EventFilter selects events for ListEvents.
type EventFilter struct {
	VendorID    string
	Type        string
	OrderingKey string
	AfterSeq    int64
	Limit       int
}

// ListEvents returns a vendor's events in sequence order.
func (db *DB) ListEvents(ctx context.Context, f EventFilter) ([]*orderhub.Event, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, vendor_id, seq, type, ordering_key, data, created_at FROM events
		WHERE ($1 = '' OR vendor_id = $1) AND ($2 = '' OR type = $2) AND ($3 = '' OR ordering_key = $3) AND seq > $4
		ORDER BY pos LIMIT $5`, f.VendorID, f.Type, f.OrderingKey, f.AfterSeq, f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*orderhub.Event
	for rows.Next() {
		ev := &orderhub.Event{}
		var data string
		var created int64
		if err := rows.Scan(&ev.ID, &ev.VendorID, &ev.Seq, &ev.Type, &ev.OrderingKey, &data, &created); err != nil {
			return nil, err
		}
		ev.Data = json.RawMessage(data)
		ev.CreatedAt = fromMicros(created)
		out = append(out, ev)
	}
	return out, rows.Err()
}
