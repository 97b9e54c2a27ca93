package orderhub

// The operators' side of the store's domain: pages of admin listings, the dashboard,
// console users and sessions, admin tokens' roles, and the audit log's actors and
// changes (moved from package sqlstore, issue 17).

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// Page asks for one page of a listing.
type Page struct {
	Cursor string // from a previous answer's NextCursor; empty: the first page
	Limit  int    // 1..MaxPageLimit; 0: DefaultPageLimit
}

// Page sizes.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// PageOf is one page of a listing.
type PageOf[T any] struct {
	Data []T `json:"data"`
	// NextCursor fetches the next page; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// AdminFilter selects rows of an admin listing. Empty fields match anything; each
// listing documents the fields it reads and refuses the others' values silently
// (they are simply not consulted).
type AdminFilter struct {
	VendorID        string
	CustomerID      string // orders; contracts (as user or payer)
	Email           string // customers; orders and contracts by their customer's e-mail
	ExternalOrderID string // orders, contracts
	Type            string // events
	OrderingKey     string // events
	Status          string // orders, contracts (exact); clients: active | revoked
	From, To        time.Time
}

// TimelineEntry is one thing that happened to a customer.
type TimelineEntry struct {
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"` // customer, order, contract, event, delivery
	ID       string    `json:"id"`
	VendorID string    `json:"vendorId"`
	Title    string    `json:"title"`
	Status   string    `json:"status,omitempty"`
	// Ref is a related record: the event of a delivery, the endpoint it went to.
	Ref string `json:"ref,omitempty"`
}

// Dashboard holds the console's live figures.
type Dashboard struct {
	Now time.Time `json:"now"`
	// Per-minute counts over the last len(...) minutes, oldest first; the last bucket
	// is the current (partial) minute.
	OrdersPerMinute     []int64 `json:"ordersPerMinute"`
	ContractsPerMinute  []int64 `json:"contractsPerMinute"`
	DeliveriesPerMinute []int64 `json:"deliveriesPerMinute"`
	QueueDepth          int64   `json:"queueDepth"` // pending + failed deliveries
	// OldestPending is the creation time of the oldest pending or failed delivery.
	OldestPending *time.Time `json:"oldestPending,omitempty"`
	Dead          int64      `json:"dead"`
	// Failing lists the endpoints and connectors that are failing (since their
	// last success) or disabled.
	Failing []*Endpoint `json:"failing"`
}

// DashboardCache serves DashboardStats from memory for ttl, so that many operators
// polling the console's live counters cost one computation per ttl (the per-minute
// counts read every row of the window through the indexes).
type DashboardCache struct {
	db  DashboardSource
	now func() time.Time
	ttl time.Duration

	mu   sync.Mutex
	at   map[int]time.Time
	last map[int]*Dashboard
}

// DashboardSource computes the dashboard a DashboardCache serves.
type DashboardSource interface {
	DashboardStats(ctx context.Context, minutes int) (*Dashboard, error)
}

// NewDashboardCache returns a cache of db's dashboard; now is the store's clock.
func NewDashboardCache(db DashboardSource, now func() time.Time, ttl time.Duration) *DashboardCache {
	return &DashboardCache{db: db, now: now, ttl: ttl, at: map[int]time.Time{}, last: map[int]*Dashboard{}}
}

// Get returns the dashboard over the last minutes, at most ttl old. Callers wait
// for one computation at a time.
func (c *DashboardCache) Get(ctx context.Context, minutes int) (*Dashboard, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if d, ok := c.last[minutes]; ok && now.Sub(c.at[minutes]) < c.ttl && !now.Before(c.at[minutes]) {
		return d, nil
	}
	d, err := c.db.DashboardStats(ctx, minutes)
	if err != nil {
		return nil, err
	}
	if len(c.last) > 200 {
		clear(c.last)
		clear(c.at)
	}
	c.last[minutes], c.at[minutes] = d, now
	return d, nil
}

// EventEndpointTest is the type of the event "send test event" delivers to one
// endpoint (and to no other).
const EventEndpointTest = "endpoint-test"

// ConsoleUser is an operator of the web console.
type ConsoleUser struct {
	ID         string     `json:"id"`
	Username   string     `json:"username"`
	Role       string     `json:"role"`
	VendorID   string     `json:"vendorId,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	DisabledAt *time.Time `json:"disabledAt,omitempty"`
}

// ConsoleSession is a logged-in console session.
type ConsoleSession struct {
	UserID    string
	Username  string
	Role      string // RoleOperator, or a vendor role of VendorID
	VendorID  string
	CSRFToken string
	ExpiresAt time.Time
}

// MinConsolePassword is the shortest console password accepted.
const MinConsolePassword = 12

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

// Masked stands in for a secret in audit entries.
const Masked = "[masked]"

// AuditFilter selects audit entries; empty fields match anything.
type AuditFilter struct {
	VendorID     string
	Actor        string // an actor's id or name
	Action       string // exact ("endpoint.rotate-secret") or a resource type's prefix ("endpoint.")
	ResourceType string
	ResourceID   string
	From, To     time.Time
}

// DefaultRetainAudit is how long audit entries are kept by default.
const DefaultRetainAudit = 365 * 24 * time.Hour

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
