package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"orderhub"
)

// The audit log (issue 18). Every change made through the admin API, the CLI or the
// console is recorded with who made it, what it changed and the changed row before
// and after, secrets masked.
//
// A surface describes the change it is about to make as a *Change and puts it in the
// context of its store calls (WithChange). The first write request made with that
// context (db.Write) records it: in the same savepoint as the change, after the
// change succeeded, it reads the named row again and inserts the audit entry. So
// there is no change without its entry and no entry without its change; a change
// that fails (a validation error, a conflict) leaves no entry.

// auditRows names the table row of each resource type, so that an entry can hold the
// row before and after the change. perVendor: the key is unique within a vendor only.
var auditRows = map[string]struct {
	table, key string
	perVendor  bool
}{
	"vendor":              {"vendors", "id", false},
	"client":              {"oauth_clients", "id", false},
	"promo-code":          {"promo_codes", "code", true},
	"product":             {"products", "id", true},
	"purchase-option":     {"purchase_options", "id", true},
	"product-mapping":     {"product_mappings", "sku", true},
	"source":              {"sources", "id", false},
	"endpoint":            {"endpoints", "id", false},
	"delivery":            {"deliveries", "id", false},
	"zapier-user":         {"zapier_users", "id", false},
	"shipping":            {"shippings", "id", false},
	"transaction":         {"transactions", "id", false},
	"survey":              {"surveys", "id", false},
	"salesmanago-account": {"salesmanago_accounts", "id", false},
	"yespo-account":       {"yespo_accounts", "vendor_id", false},
	"admin-token":         {"admin_tokens", "id", false},
	"console-user":        {"console_users", "username", false},
	"retention":           {"vendor_retention", "vendor_id", false},
	"portal":              {"vendor_portal", "vendor_id", false},
}

// auditKey2 names the second key column of the rows keyed by two (Change.setKey).
var auditKey2 = map[string]string{"product-mapping": "po_id"}

// secretName reports whether a field or column name holds a secret.
func secretName(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(name, "_", ""), "-", ""))
	for _, s := range []string{"secret", "password", "token", "hash", "apikey", "privatekey", "credential"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// MaskJSON returns v as JSON with the value of every field whose name looks like a
// secret (secret, password, token, hash, api key …) replaced by "[masked]", at any depth.
func MaskJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		raw = b
	}
	var tree any
	if json.Unmarshal(raw, &tree) != nil {
		return nil
	}
	b, _ := json.Marshal(maskTree(tree))
	return b
}

func maskTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if secretName(k) && e != nil && e != "" {
				x[k] = orderhub.Masked
				continue
			}
			x[k] = maskTree(e)
		}
	case []any:
		for i, e := range x {
			x[i] = maskTree(e)
		}
	}
	return v
}

// readRow reads the row named by c as a map of column to value (secrets masked, times
// as RFC 3339), or nil when there is none or the resource type names no row.
func readChangeRow(tx *Tx, c *orderhub.Change) (map[string]any, error) {
	t, ok := auditRows[c.ResourceType]
	if !ok || c.ResourceID == "" || t.perVendor && c.VendorID == "" {
		return nil, nil
	}
	q := `SELECT * FROM ` + t.table + ` WHERE ` + t.key + ` = $1`
	args := []any{c.ResourceID}
	if key2 := auditKey2[c.ResourceType]; key2 != "" {
		keys := c.Keys()
		if len(keys) != 2 {
			return nil, nil
		}
		q += ` AND ` + key2 + ` = $2`
		args = []any{keys[0], keys[1]}
	}
	if t.perVendor {
		q += ` AND vendor_id = $` + strconv.Itoa(len(args)+1)
		args = append(args, c.VendorID)
	}
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, rows.Err()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	m := make(map[string]any, len(cols))
	for i, col := range cols {
		v := vals[i]
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		switch {
		case v == nil:
		case strings.HasSuffix(col, "_at") || strings.HasSuffix(col, "_until"):
			if n, ok := v.(int64); ok {
				v = fromMicros(n).Format(time.RFC3339Nano)
			}
		case secretName(col):
			if v != "" {
				v = orderhub.Masked
			}
		}
		m[col] = v
	}
	return m, rows.Err()
}

// auditIDs names audit entries so that those written in one transaction — which share
// its time, the listing's first sort key — sort by id in the order they were written
// (the listing's second key), as NewID's random tail would not.
var auditIDs monotonicIDs

// monotonicIDs makes ids like orderhub.NewID's whose tail, within one millisecond,
// counts up from a random start instead of being random each time.
type monotonicIDs struct {
	mu   sync.Mutex
	ms   uint64
	tail uint64
}

func (g *monotonicIDs) next() string {
	g.mu.Lock()
	ms := uint64(time.Now().UnixMilli())
	if ms > g.ms {
		var r [6]byte
		_, _ = rand.Read(r[:])
		g.ms = ms
		g.tail = uint64(r[0])<<40 | uint64(r[1])<<32 | uint64(r[2])<<24 | uint64(r[3])<<16 | uint64(r[4])<<8 | uint64(r[5])
		g.tail &^= 1 << 47 // room to count up without carrying into the time
	} else {
		g.tail++
	}
	ms, tail := g.ms, g.tail
	g.mu.Unlock()
	return fmt.Sprintf("aud_%012x%012x", ms&(1<<48-1), tail&(1<<48-1))
}

// wrapChange returns fn recording c in the same savepoint, unless c was recorded already.
func wrapChange(c *orderhub.Change, fn func(*Tx) error) func(*Tx) error {
	return func(tx *Tx) error {
		if c.Recorded() {
			return fn(tx)
		}
		before, err := readChangeRow(tx, c)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		after, err := readChangeRow(tx, c)
		if err != nil {
			return err
		}
		vendor := c.VendorID
		for _, row := range []map[string]any{after, before} {
			if v, ok := row["vendor_id"].(string); ok && vendor == "" {
				vendor = v
			}
		}
		if vendor == "" && c.ResourceType == "vendor" {
			vendor = c.ResourceID
		}
		var b, a json.RawMessage
		snapshot := before != nil || after != nil
		if before != nil {
			b, _ = json.Marshal(before)
		}
		if after != nil {
			a, _ = json.Marshal(after)
		} else if !snapshot && c.Request != nil {
			a = MaskJSON(map[string]any{"request": c.Request})
		}
		id := auditIDs.next()
		_, err = tx.exec(`INSERT INTO audit_log (id, at, actor_kind, actor_id, actor_name, via, action, resource_type, resource_id, vendor_id, before_json, after_json)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			id, micros(tx.now), c.Actor.Kind, c.Actor.ID, c.Actor.Name, c.Actor.Via, c.Action, c.ResourceType, c.ResourceID, vendor,
			nullJSON(b), nullJSON(a))
		if err != nil {
			return err
		}
		c.MarkRecorded(id, snapshot)
		return nil
	}
}

func nullJSON(b json.RawMessage) sql.NullString {
	return sql.NullString{String: string(b), Valid: len(b) > 0}
}

// CompleteAuditEntry fills in what an entry could not know when it was written: the
// id of a resource the change created and the resource as the change answered it
// (masked). Only an entry without a row snapshot is changed.
func (sub Admin) CompleteAuditEntry(ctx context.Context, entryID, resourceID, vendorID string, after any) error {
	a := MaskJSON(after)
	return sub.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE audit_log SET resource_id = CASE WHEN resource_id = '' THEN $2 ELSE resource_id END,
			vendor_id = CASE WHEN vendor_id = '' THEN $3 ELSE vendor_id END,
			after_json = COALESCE($4, after_json) WHERE id = $1 AND before_json IS NULL`, entryID, resourceID, vendorID, nullJSON(a))
		return err
	})
}

// ListAudit lists audit entries, newest first.
func (sub Admin) ListAudit(ctx context.Context, f orderhub.AuditFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.AuditEntry], error) {
	q := &query{}
	q.given(f.VendorID, "vendor_id = ?")
	q.given(f.Actor, "(actor_id = ? OR actor_name = ?)")
	if strings.HasSuffix(f.Action, ".") {
		q.add("action LIKE ?", strings.NewReplacer("%", "", "_", "\\_").Replace(f.Action)+"%")
		q.conds[len(q.conds)-1] += ` ESCAPE '\'`
	} else if f.Action != "" {
		q.add("action = ?", f.Action)
	}
	q.given(f.ResourceType, "resource_type = ?")
	q.given(f.ResourceID, "resource_id = ?")
	q.timeRange("at", orderhub.AdminFilter{From: f.From, To: f.To})
	return listPage(ctx, sub.db, "audit", `SELECT id, at, actor_kind, actor_id, actor_name, via, action, resource_type, resource_id, vendor_id, before_json, after_json FROM audit_log`,
		q, "at", "id", p, scanAudit, func(e *orderhub.AuditEntry) cursor { return cursor{T: micros(e.At), K: e.ID} })
}

// GetAudit returns one audit entry.
func (sub Admin) GetAudit(ctx context.Context, id string) (*orderhub.AuditEntry, error) {
	return readOne(ctx, sub.db, scanAudit, `SELECT id, at, actor_kind, actor_id, actor_name, via, action, resource_type, resource_id, vendor_id, before_json, after_json FROM audit_log WHERE id = $1`, []any{id},
		orderhub.ENotFound, "Audit entry %q not found.", id)
}

func scanAudit(sc interface{ Scan(...any) error }) (*orderhub.AuditEntry, error) {
	e := &orderhub.AuditEntry{}
	var at int64
	var before, after sql.NullString
	if err := sc.Scan(&e.ID, &at, &e.Actor.Kind, &e.Actor.ID, &e.Actor.Name, &e.Actor.Via, &e.Action, &e.ResourceType, &e.ResourceID, &e.VendorID, &before, &after); err != nil {
		return nil, err
	}
	e.At = fromMicros(at)
	e.Before, e.After = json.RawMessage("null"), json.RawMessage("null")
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return e, nil
}

// pruneAudit deletes audit entries older than age (0: keeps them) and expired
// idempotency keys, batch rows per write request.
func (db *DB) pruneAudit(ctx context.Context, age time.Duration, batch int, pause time.Duration) (audit, keys int64, err error) {
	now := db.Now()
	del := func(sel, table, col string, bound int64) (int64, error) {
		var total int64
		for {
			var n int64
			err := db.Write(ctx, func(tx *Tx) error {
				res, err := tx.exec(`DELETE FROM `+table+` WHERE `+col+` IN (`+sel+` LIMIT `+strconv.Itoa(batch)+`)`, bound)
				if err != nil {
					return err
				}
				n, _ = res.RowsAffected()
				return nil
			})
			total += n
			if err != nil || n < int64(batch) {
				return total, err
			}
			if pause > 0 {
				select {
				case <-ctx.Done():
					return total, ctx.Err()
				case <-time.After(pause):
				}
			}
		}
	}
	if age > 0 {
		audit, err = del(`SELECT id FROM audit_log WHERE at < $1 ORDER BY at`, "audit_log", "id", micros(now.Add(-age)))
		if err != nil {
			return audit, 0, err
		}
	}
	// Expired idempotency keys (few: one per admin POST that sent a key, for 24 h).
	err = db.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM idempotency_keys WHERE expires_at < $1`, micros(now))
		if err != nil {
			return err
		}
		keys, _ = res.RowsAffected()
		return nil
	})
	return audit, keys, err
}
