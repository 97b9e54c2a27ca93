package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"orderhub"
	"orderhub/manage"
)

// adminAuth checks admin tokens (orderhub admin token create) with a short cache, so
// that a revoked token stops working within adminCacheTTL.
type adminAuth struct {
	db interface {
		CheckAdminToken(ctx context.Context, token string) (*orderhub.AdminToken, error)
	}
	now func() time.Time

	mu    sync.Mutex
	cache map[string]cachedAdmin
}

type cachedAdmin struct {
	at  time.Time
	tok *orderhub.AdminToken
}

const adminCacheTTL = 2 * time.Second

func newAdminAuth(db interface {
	CheckAdminToken(ctx context.Context, token string) (*orderhub.AdminToken, error)
}, now func() time.Time) *adminAuth {
	return &adminAuth{db: db, now: now, cache: map[string]cachedAdmin{}}
}

func (a *adminAuth) check(ctx context.Context, tok string) (*orderhub.AdminToken, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[tok]
	a.mu.Unlock()
	if ok && now.Sub(c.at) < adminCacheTTL && !now.Before(c.at) {
		return c.tok, nil
	}
	t, err := a.db.CheckAdminToken(ctx, tok)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) > 10_000 {
		clear(a.cache)
	}
	a.cache[tok] = cachedAdmin{at: now, tok: t}
	a.mu.Unlock()
	return t, nil
}

// The admin API's handlers, by area (issue 17: no type carries every handler). Each
// returns its failure through the handler adapter (handler.go) and makes its
// changes through package manage, as the console and the CLI do.
type (
	// adminCoreAPI: vendors, OAuth clients, promo codes, customers, orders,
	// contracts, events, the dashboard, quotas and retention (admin_core.go,
	// admin_vendor.go, admin_quota.go, admin_retention.go).
	adminCoreAPI struct {
		*base
		manage func() *manage.Service // Server.manage
	}
	// adminCatalogAPI: products, purchase options, mappings, sources, purchases,
	// Zapier users and the fulfilment records (admin_catalog.go, admin_zapier.go).
	adminCatalogAPI struct {
		*base
		manage func() *manage.Service
	}
	// adminDeliveryAPI: endpoints, deliveries and replays (admin_delivery.go).
	adminDeliveryAPI struct {
		*base
		manage func() *manage.Service
	}
)

type adminTokenKey struct{}

// adminToken returns the admin token of an authenticated admin request.
func adminToken(ctx context.Context) *orderhub.AdminToken {
	t, _ := ctx.Value(adminTokenKey{}).(*orderhub.AdminToken)
	return t
}

// requireAdmin wraps h with admin-token authentication (Authorization: Bearer oha_…)
// and, for a change (any method but GET and HEAD), with the audit log: the change's
// store writes record who made it and the resource before and after (audit.go).
func (s *Server) requireAdmin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok {
			writeError(w, r, s.log, orderhub.Errorf(orderhub.EUnauthorized, "Missing admin token: send Authorization: Bearer <admin token>."))
			return
		}
		t, err := s.admins.check(r.Context(), tok)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), adminTokenKey{}, t))
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		var body []byte
		if !read {
			body, _ = io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		}
		handle := h
		if t.Role != orderhub.RoleOperator {
			// A vendor token: only its vendor (roles.go).
			handle = func(w http.ResponseWriter, r *http.Request) { s.scoped(w, r, t, body, h) }
		}
		if read {
			handle(w, r)
			return
		}
		actor := orderhub.Actor{Kind: orderhub.ActorToken, ID: t.ID, Name: t.Name, Via: orderhub.ViaAPI}
		run := func(w http.ResponseWriter, r *http.Request) *capture { return s.audited(w, r, actor, body, handle) }
		if r.Method != http.MethodPost {
			run(w, r)
			return
		}
		s.idempotent(w, r, "token:"+t.ID, body, run)
	}
}

// audited runs the change h makes under an audit record of actor. The request body is
// read up front (and given to h unchanged) for what the record names: the vendor and
// the resource id when the path does not hold them, and the request itself when no
// row can be read after the change (a bulk action).
func (s *Server) audited(w http.ResponseWriter, r *http.Request, actor orderhub.Actor, body []byte, h http.HandlerFunc) *capture {
	var req map[string]any
	if len(body) <= MaxBodyBytes {
		_ = json.Unmarshal(body, &req)
	}
	c := &orderhub.Change{Actor: actor}
	c.Action, c.ResourceType, c.ResourceID = orderhub.DescribeRoute(r.Method, r.Pattern, r.PathValue)
	c.VendorID = r.PathValue("vendorId")
	if c.VendorID == "" {
		c.VendorID, _ = req["vendorId"].(string)
	}
	if c.ResourceID == "" && r.Method != http.MethodDelete {
		c.ResourceID = idField(req, c.ResourceType)
	}
	if req != nil {
		c.Request = req
	}
	rec := &capture{ResponseWriter: w}
	h(rec, r.WithContext(orderhub.WithChange(r.Context(), c)))
	id, snapshot := c.EntryID()
	if id == "" || snapshot || rec.status >= 300 {
		return rec
	}
	// A create whose id the store chose: the entry takes its id and the answer.
	var out map[string]any
	if json.Unmarshal(rec.body.Bytes(), &out) != nil {
		return rec
	}
	vendor, _ := out["vendorId"].(string)
	if err := s.store.Admin.CompleteAuditEntry(context.WithoutCancel(r.Context()), id, idField(out, c.ResourceType), vendor, out); err != nil {
		s.log.WarnContext(r.Context(), "audit: completing the entry failed", "entry", id, "err", err)
	}
	return rec
}

// idField finds a resource's id in a JSON object: id, <type>Id (clientId), code.
func idField(m map[string]any, resourceType string) string {
	if m == nil {
		return ""
	}
	camel := []byte{}
	up := false
	for _, b := range []byte(resourceType) {
		if b == '-' {
			up = true
			continue
		}
		if up && b >= 'a' && b <= 'z' {
			b -= 'a' - 'A'
		}
		up = false
		camel = append(camel, b)
	}
	for _, k := range []string{"id", string(camel) + "Id", "code"} {
		if v, ok := m[k].(string); ok && v != "" {
			return v
		}
	}
	return ""
}

// capture passes a response through and keeps a copy of it (its status and up to
// MaxBodyBytes of its body).
type capture struct {
	http.ResponseWriter
	status    int
	body      bytes.Buffer
	truncated bool // the body was longer than MaxBodyBytes: only its start is kept
}

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.body.Len()+len(b) <= MaxBodyBytes {
		c.body.Write(b)
	} else {
		c.truncated = true
	}
	return c.ResponseWriter.Write(b)
}

func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }
