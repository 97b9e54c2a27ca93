package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
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

// Actor kinds and surfaces (Actor.Kind, Actor.Via).
const (
	ActorUser   = "user"   // a console user
	ActorToken  = "token"  // an admin API token
	ActorCLI    = "cli"    // orderhub admin on the database's host
	ActorPortal = "portal" // a vendor's portal link

	ViaAPI     = "api"
	ViaConsole = "console"
	ViaCLI     = "cli"
	ViaPortal  = "portal"
)

// Actor is who makes a change.
type Actor struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
	Via  string `json:"via"`
}

// CLIActor is the actor of `orderhub admin` commands: whoever can open the database.
var CLIActor = Actor{Kind: ActorCLI, ID: "cli", Name: "cli", Via: ViaCLI}

// Change is a change about to be made, to be recorded in the audit log.
type Change struct {
	Actor        Actor
	Action       string // resource type and verb, e.g. "endpoint.rotate-secret"
	ResourceType string // e.g. "endpoint"; names the row read before and after
	ResourceID   string
	VendorID     string
	// Request is recorded, as {"request": …}, as the value after the change when no
	// row can be read (a created resource whose id the store generates, a bulk
	// action); secrets masked.
	Request any

	mu       sync.Mutex
	entryID  string
	snapshot bool     // whether the entry holds row snapshots
	keys     []string // the key values of a row named by two columns (setKey)
}

// SetKey names a resource whose row is keyed by two columns (the store's row key
// and a second key column): id is what the entry shows as its resource id.
func (c *Change) SetKey(id string, key, key2 string) {
	c.ResourceID, c.keys = id, []string{key, key2}
}

// Keys returns the two key values SetKey named, or nil.
func (c *Change) Keys() []string { return c.keys }

// Recorded reports whether a write recorded c already.
func (c *Change) Recorded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entryID != ""
}

// MarkRecorded notes the id of the entry that recorded c and whether its after value
// is a row snapshot (the store calls it once the entry is written).
func (c *Change) MarkRecorded(entryID string, snapshot bool) {
	c.mu.Lock()
	c.entryID, c.snapshot = entryID, snapshot
	c.mu.Unlock()
}

// EntryID returns the id of the recorded entry ("" until a write recorded it), and
// whether its after value is a row snapshot.
func (c *Change) EntryID() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entryID, c.snapshot
}

type changeKey struct{}

// WithChange returns ctx carrying c: the first write made with it records c.
func WithChange(ctx context.Context, c *Change) context.Context {
	return context.WithValue(ctx, changeKey{}, c)
}

// ChangeFrom returns the change ctx carries, or nil.
func ChangeFrom(ctx context.Context) *Change {
	c, _ := ctx.Value(changeKey{}).(*Change)
	return c
}

// AuditEntry is one entry of the audit log.
type AuditEntry struct {
	ID           string          `json:"id"`
	At           time.Time       `json:"at"`
	Actor        Actor           `json:"actor"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId,omitempty"`
	VendorID     string          `json:"vendorId,omitempty"`
	Before       json.RawMessage `json:"before"`
	After        json.RawMessage `json:"after"`
}

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

// Masked stands in for a secret in audit entries.
const Masked = "[masked]"

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
				x[k] = Masked
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
func readChangeRow(tx *Tx, c *Change) (map[string]any, error) {
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
				v = Masked
			}
		}
		m[col] = v
	}
	return m, rows.Err()
}

// wrapChange returns fn recording c in the same savepoint, unless c was recorded already.
func wrapChange(c *Change, fn func(*Tx) error) func(*Tx) error {
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
		id := orderhub.NewID("aud")
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
func (db *DB) CompleteAuditEntry(ctx context.Context, entryID, resourceID, vendorID string, after any) error {
	a := MaskJSON(after)
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE audit_log SET resource_id = CASE WHEN resource_id = '' THEN $2 ELSE resource_id END,
			vendor_id = CASE WHEN vendor_id = '' THEN $3 ELSE vendor_id END,
			after_json = COALESCE($4, after_json) WHERE id = $1 AND before_json IS NULL`, entryID, resourceID, vendorID, nullJSON(a))
		return err
	})
}

// AuditFilter selects audit entries; empty fields match anything.
type AuditFilter struct {
	VendorID     string
	Actor        string // an actor's id or name
	Action       string // exact ("endpoint.rotate-secret") or a resource type's prefix ("endpoint.")
	ResourceType string
	ResourceID   string
	From, To     time.Time
}

// ListAudit lists audit entries, newest first.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter, p Page) (*PageOf[*AuditEntry], error) {
	q := &query{}
	if f.VendorID != "" {
		q.add("vendor_id = ?", f.VendorID)
	}
	if f.Actor != "" {
		q.add("(actor_id = ? OR actor_name = ?)", f.Actor, f.Actor)
	}
	if strings.HasSuffix(f.Action, ".") {
		q.add("action LIKE ?", strings.NewReplacer("%", "", "_", "\\_").Replace(f.Action)+"%")
		q.conds[len(q.conds)-1] += ` ESCAPE '\'`
	} else if f.Action != "" {
		q.add("action = ?", f.Action)
	}
	if f.ResourceType != "" {
		q.add("resource_type = ?", f.ResourceType)
	}
	if f.ResourceID != "" {
		q.add("resource_id = ?", f.ResourceID)
	}
	q.timeRange("at", AdminFilter{From: f.From, To: f.To})
	return listPage(ctx, db, "audit", `SELECT id, at, actor_kind, actor_id, actor_name, via, action, resource_type, resource_id, vendor_id, before_json, after_json FROM audit_log`,
		q, "at", "id", p, scanAudit, func(e *AuditEntry) cursor { return cursor{T: micros(e.At), K: e.ID} })
}

// GetAudit returns one audit entry.
func (db *DB) GetAudit(ctx context.Context, id string) (*AuditEntry, error) {
	e, err := scanAudit(db.read.QueryRowContext(ctx, `SELECT id, at, actor_kind, actor_id, actor_name, via, action, resource_type, resource_id, vendor_id, before_json, after_json FROM audit_log WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Audit entry %q not found.", id)
	}
	return e, nil
}

func scanAudit(sc interface{ Scan(...any) error }) (*AuditEntry, error) {
	e := &AuditEntry{}
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

// DefaultRetainAudit is how long audit entries are kept by default.
const DefaultRetainAudit = 365 * 24 * time.Hour

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

// verbs are the path segments that name an action on the resource before them.
var verbs = map[string]bool{"revoke": true, "rotate-secret": true, "disable": true, "enable": true, "replay": true,
	"test": true, "mapping": true, "cancel": true, "rotate": true, "reset-password": true}

// singletons are resource types with one row per vendor (keyed by the vendor).
var singletons = map[string]bool{"yespo-account": true, "retention": true, "portal": true, "quota": true}

// DescribeRoute names the change a route makes from its pattern (as net/http's
// Request.Pattern, e.g. "POST /admin/v1/vendors/{vendorId}/endpoints/{endpointId}/disable"):
// the action ("endpoint.disable"), the resource type ("endpoint") and the id of the
// resource when the path holds it (pathValue reads the path's wildcards).
func DescribeRoute(method, pattern string, pathValue func(string) string) (action, resourceType, resourceID string) {
	path := pattern
	if i := strings.IndexByte(path, ' '); i >= 0 {
		path = path[i+1:]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for len(segs) > 0 && (segs[0] == "admin" || segs[0] == "v1" || segs[0] == "console") {
		segs = segs[1:]
	}
	param := func(s string) (string, bool) {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			return strings.TrimSuffix(strings.Trim(s, "{}"), "..."), true
		}
		return "", false
	}
	var coll, prefix, verb string
	for i, s := range segs {
		if name, ok := param(s); ok {
			if i > 0 {
				if _, prevParam := param(segs[i-1]); prevParam {
					verb = pathValue(name) // …/{id}/{action}
					continue
				}
			}
			resourceID = pathValue(name)
			continue
		}
		if i == len(segs)-1 && verbs[s] && i > 0 {
			verb = s
			continue
		}
		if i > 0 {
			if _, prevParam := param(segs[i-1]); !prevParam {
				prefix = coll // a literal after a literal: salesmanago/accounts
			} else {
				prefix = ""
			}
		}
		coll, resourceID = s, ""
	}
	resourceType = singular(coll)
	switch resourceType {
	case "yespo":
		resourceType = "yespo-account"
	}
	if prefix != "" {
		resourceType = singular(prefix) + "-" + resourceType
	}
	if singletons[resourceType] && resourceID == "" {
		resourceID = pathValue("vendorId")
	}
	if verb == "" {
		verb = map[string]string{"POST": "create", "PUT": "set", "PATCH": "update", "DELETE": "delete"}[method]
	}
	return resourceType + "." + verb, resourceType, resourceID
}

func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies"):
		return strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "ss"):
		return s
	}
	return strings.TrimSuffix(s, "s")
}
