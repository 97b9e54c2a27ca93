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
// vendor's next sequence number. data is marshalled as the event's payload. Every
// event is written here: a directed one (skipsFanout: a forwarded SALESmanago
// request, an endpoint's test event) gets no fan-out, its caller writes its one
// delivery; any other is fanned out.
func (tx *Tx) appendEvent(vendorID, typ, orderingKey string, data any) (*orderhub.Event, error) {
	var raw json.RawMessage
	var err error
	// The payloads of a vendor order (issue 20) are written by orderhub's
	// appenders: the bytes of json.Marshal, without its reflection and compaction.
	switch v := data.(type) {
	case json.RawMessage:
		raw = v
	case *orderhub.Customer:
		raw, err = orderhub.MarshalCustomerJSON(v)
	case *orderhub.Contract:
		raw, err = orderhub.MarshalContractJSON(v)
	case *orderhub.Order:
		raw, err = orderhub.MarshalOrderJSON(v)
	default:
		raw, err = json.Marshal(data)
	}
	if err != nil {
		return nil, fmt.Errorf("marshal %s event: %w", typ, err)
	}
	ev := &orderhub.Event{ID: orderhub.NewID("evt"), VendorID: vendorID, Type: typ, OrderingKey: orderingKey, Data: raw, CreatedAt: tx.now}
	seq, err := outbox{tx}.nextSeq(vendorID)
	if err != nil {
		return nil, err
	}
	ev.Seq = seq
	if tx.pg.bulkOn() {
		tx.pg.bulkEvent(ev)
	} else if tx.w.d.kind() == SQLite {
		if err := tx.pendEvent(ev.ID, vendorID, ev.Seq, typ, orderingKey, string(raw), micros(tx.now)); err != nil {
			return nil, err
		}
	} else if _, err := tx.exec(`INSERT INTO events (`+eventInsertColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ev.ID, vendorID, ev.Seq, typ, orderingKey, string(raw), micros(tx.now)); err != nil {
		return nil, err
	}
	tx.events++
	if skipsFanout(typ) {
		fanout{tx}.directed(vendorID, ev.Seq) // its caller writes its one delivery
	} else if err := fanOut(tx, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// nextSeq returns the vendor's next event sequence number. The first use of a
// vendor in a transaction reads (and on PostgreSQL locks) its row; the numbers are
// then counted here and written back by flushSeqs before COMMIT.
func (tx outbox) nextSeq(vendorID string) (int64, error) { return tx.nextCount(vendorID, "event_seq") }

// orderSeqKey is the key of a vendor's order numbers among the counted sequences.
func orderSeqKey(vendorID string) string { return "order\x00" + vendorID }

// nextOrderNumber returns the vendor's next order number, counted like nextSeq (so
// that optimistic batches number orders without a round trip).
func (tx *Tx) nextOrderNumber(vendorID string) (int64, error) {
	return outbox{tx}.nextCount(orderSeqKey(vendorID), "order_seq")
}

// seqColumn returns the vendors column and the vendor of a counted-sequence key.
func seqColumn(key string) (column, vendorID string) {
	if v, ok := strings.CutPrefix(key, "order\x00"); ok {
		return "order_seq", v
	}
	return "event_seq", key
}

func (tx outbox) nextCount(key, column string) (int64, error) {
	cur, err := tx.currentCount(key, column)
	if err != nil {
		return 0, err
	}
	cur++
	tx.seqs[key] = cur
	return cur, nil
}

// currentSeq returns the vendor's last event sequence number as this transaction
// sees it (its own appends included).
func (tx *Tx) currentSeq(vendorID string) (int64, error) {
	return outbox{tx}.currentCount(vendorID, "event_seq")
}

// currentCount returns a counted sequence as this transaction sees it. Reading a
// vendor's event sequence also reads its fan-out position (fanout.go).
func (tx outbox) currentCount(key, column string) (int64, error) {
	if tx.seqs == nil {
		tx.seqs, tx.seqBase = map[string]int64{}, map[string]int64{}
	}
	if cur, ok := tx.seqs[key]; ok {
		return cur, nil
	}
	base, known := tx.seqBase[key]
	if !known {
		_, vendorID := seqColumn(key)
		events := column == "event_seq"
		q := `SELECT ` + column + `, 0, '' FROM vendors WHERE id = $1`
		if events {
			q = `SELECT event_seq, fanout_seq, fanout_after FROM vendors WHERE id = $1`
		}
		q += tx.w.d.lockRow()
		var f fanPos
		if err := tx.queryRow(q, vendorID).Scan(&base, &f.seq, &f.after); err != nil {
			return 0, notFound(err, orderhub.ENotFound, "Vendor %q not found.", vendorID)
		}
		tx.seqBase[key] = base
		if events {
			fanout{tx.Tx}.setFanBase(vendorID, f)
		}
	}
	return base, nil
}

// seqState is what a savepoint keeps of the counted sequences.
type seqState struct {
	seqs  map[string]int64
	fan   map[string]fanPos
	quiet int
}

// saveSeqs and restoreSeqs keep the counted sequences (and fan-out positions) in
// step with a savepoint.
func (tx outbox) saveSeqs() seqState {
	s := seqState{quiet: tx.quiet}
	if len(tx.seqs) > 0 {
		s.seqs = maps.Clone(tx.seqs)
	}
	if len(tx.fan) > 0 {
		s.fan = maps.Clone(tx.fan)
	}
	return s
}

func (tx outbox) restoreSeqs(saved seqState) {
	tx.quiet = saved.quiet
	if len(tx.seqs) > 0 || saved.seqs != nil {
		tx.seqs = saved.seqs
		if tx.seqs == nil {
			tx.seqs = map[string]int64{}
		}
	}
	if len(tx.fan) > 0 || saved.fan != nil {
		tx.fan = saved.fan
	}
}

// resetSeqs forgets everything after a rolled-back transaction.
func (tx outbox) resetSeqs() { tx.seqs, tx.seqBase, tx.fan, tx.fanBase = nil, nil, nil, nil }

// flushSeqs writes the advanced sequences back, once per vendor and sequence; a
// vendor's event sequence goes with its fan-out position.
func (tx outbox) flushSeqs() error {
	for k, base := range tx.seqBase {
		cur, ok := tx.seqs[k]
		if !ok {
			cur = base
		}
		column, v := seqColumn(k)
		if column == "event_seq" {
			f := fanout{tx.Tx}.fanAt(v)
			if cur == base && f == tx.fanBase[v] {
				continue
			}
			if _, err := tx.exec(`UPDATE vendors SET event_seq = $2, fanout_seq = $3, fanout_after = $4 WHERE id = $1`, v, cur, f.seq, f.after); err != nil {
				return err
			}
			continue
		}
		if cur == base {
			continue
		}
		if _, err := tx.exec(`UPDATE vendors SET `+column+` = $2 WHERE id = $1`, v, cur); err != nil {
			return err
		}
	}
	tx.resetSeqs()
	return nil
}

// ListEvents returns a vendor's events in sequence order.
func (sub Orders) ListEvents(ctx context.Context, f orderhub.EventFilter) ([]*orderhub.Event, error) {
	db := sub.db
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

// outbox is a write transaction seen as the event log: the events it writes and the
// vendors' counted sequences (event and order numbers) it hands out and writes back.
type outbox struct{ *Tx }
