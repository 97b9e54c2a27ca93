package console

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"orderhub"
	"orderhub/manage"
)

// Portal links (issue 18): an operator (or the admin API) makes a signed link that
// expires, for one vendor; it opens that vendor's view of its endpoints, recent
// deliveries, dead letters and event types at /portal/{token}/, without a console
// account, embeddable in the vendor's own site (frame-ancestors from the vendor's
// portal settings). A link with access "manage" can also enable or disable the
// vendor's endpoints and replay their dead letters (recorded in the audit log as
// the actor "portal"); "read" only looks.
//
// The token is the link's claims (vendor, access, expiry) and their HMAC-SHA256
// under a key kept in the database (settings, sealed with ORDERHUB_SECRET_KEY like
// the token signing key: orderhub.PortalKey): nothing per link is stored, so a link
// cannot be revoked before it expires (keep lifetimes short; changing the key in
// settings ends every link). The token travels in the path, not in a cookie, so that the
// portal works in a frame where third-party cookies are blocked; pages are sent
// with Referrer-Policy: no-referrer so that it does not leak to other sites.

// The link's rules live in package manage (CreatePortalLink, which the admin API
// and the console's form call); these names stay for the portal's code and tests.
const (
	PortalRead       = manage.PortalRead
	PortalManage     = manage.PortalManage
	DefaultPortalTTL = manage.DefaultPortalTTL
	MaxPortalTTL     = manage.MaxPortalTTL
	// PortalPrefix is where the portal is mounted: manage.PortalPrefix, written out so
	// that the route scan (httpapi's openapi_test) can read the patterns below;
	// TestPortalPrefixIsManages keeps the two equal.
	PortalPrefix = "/portal"
)

// PortalLink is a made link.
type PortalLink = manage.PortalLink

type portalClaims = manage.PortalClaims

// NewPortalLink makes a link to the vendor's portal that works until now + ttl,
// without an audit entry (manage.CreatePortalLink records one when ctx carries a change).
func NewPortalLink(ctx context.Context, st orderhub.Store, vendorID, access string, ttl time.Duration, now time.Time) (*PortalLink, error) {
	return (&manage.Service{Store: st}).Vendors().CreatePortalLink(orderhub.WithChange(ctx, nil), vendorID, access, int64(ttl/time.Second), now)
}

func portalMAC(key, payload string) []byte { return manage.PortalMAC(key, payload) }

var errPortalExpired = errors.New("expired")

// parsePortal checks a token and returns its claims.
func parsePortal(key, tok string, now time.Time) (*portalClaims, error) {
	p, sig, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 1000 {
		return nil, errors.New("malformed")
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, portalMAC(key, p)) {
		return nil, errors.New("bad signature")
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	c := &portalClaims{}
	if err != nil || json.Unmarshal(raw, c) != nil || c.V == "" {
		return nil, errors.New("malformed")
	}
	if !now.Before(time.Unix(c.E, 0)) {
		return c, errPortalExpired
	}
	return c, nil
}

type portal struct {
	store  orderhub.Store
	manage *manage.Service // the changes a manage link makes (the admin API's)
	log    interface{ Error(string, ...any) }
	now    func() time.Time
	page   *template.Template
	mux    *http.ServeMux
}

// Portal returns the handler of the vendor portals; mount it at PortalPrefix + "/".
func Portal(cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := Handler(cfg).(*console) // the same templates and logger
	p := &portal{store: cfg.Store, manage: c.manage, log: c.log, now: cfg.Now, page: c.pages["portal"], mux: http.NewServeMux()}
	p.mux.HandleFunc("GET "+PortalPrefix+"/{token}/{$}", p.handlePage)
	p.mux.HandleFunc("POST "+PortalPrefix+"/{token}/endpoints/{id}/{action}", p.handleAction)
	p.mux.HandleFunc(PortalPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		p.fail(w, r, nil, http.StatusNotFound, "There is no portal page here.")
	})
	return p
}

func (p *portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	p.mux.ServeHTTP(w, r)
}

// claims checks the request's token and sets the frame-ancestors of its vendor.
func (p *portal) claims(w http.ResponseWriter, r *http.Request) (*portalClaims, bool) {
	frame := "'none'"
	defer func() {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors "+frame)
		if frame == "'none'" {
			w.Header().Set("X-Frame-Options", "DENY")
		}
	}()
	key, err := p.store.Tenants.PortalKey(r.Context())
	if err != nil {
		p.fail(w, r, nil, http.StatusInternalServerError, "Something went wrong.")
		return nil, false
	}
	c, err := parsePortal(key, r.PathValue("token"), p.now())
	if errors.Is(err, errPortalExpired) {
		p.fail(w, r, nil, http.StatusGone, "This portal link has expired. Ask for a new one.")
		return nil, false
	}
	if err != nil {
		p.fail(w, r, nil, http.StatusNotFound, "This portal link is not valid.")
		return nil, false
	}
	if fa, err := p.store.Tenants.PortalFrameAncestors(r.Context(), c.V); err == nil && len(fa) > 0 {
		frame = strings.Join(fa, " ")
	}
	return c, true
}

// portalEventTypes are the event types a portal lists (docs/webhooks.md).
var portalEventTypes = []string{
	orderhub.EventCustomerCreated, orderhub.EventCustomerUpdated, orderhub.EventContractCreated, orderhub.EventContractConfirmed,
	orderhub.EventContractCanceled, orderhub.EventOrderCreated, orderhub.EventOrderUpdated, orderhub.EventShippingCreated,
	orderhub.EventShippingUpdated, orderhub.EventTransactionApproved, orderhub.EventTransactionDeclined, orderhub.EventSurveyCreated,
}

type portalView struct {
	Base, Vendor, Access, Flash, Error string
	Title                              string
	Manage                             bool
	ExpiresAt                          time.Time
	Endpoints                          []endpointRow
	Deliveries, Dead                   []*orderhub.Delivery
	// NextDeliveries and NextDead link the next page of each list ("" on the last).
	NextDeliveries, NextDead string
	EventTypes               []string
}

func (p *portal) handlePage(w http.ResponseWriter, r *http.Request) {
	c, ok := p.claims(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	v := &portalView{Base: PortalPrefix + "/" + r.PathValue("token") + "/", Vendor: c.V, Access: c.A, Manage: c.A == PortalManage,
		ExpiresAt: time.Unix(c.E, 0).UTC(), EventTypes: portalEventTypes, Title: "Webhooks of " + c.V, Flash: flashText(r.URL.Query().Get("done"))}
	eps, err := p.store.Deliveries.ListEndpoints(ctx, orderhub.EndpointFilter{VendorID: c.V})
	if err == nil {
		for _, e := range eps {
			if !isConnector(e.Kind) {
				v.Endpoints = append(v.Endpoints, endpointRow{Endpoint: e, Health: health(e)})
			}
		}
		// Recent deliveries 50 a page (?cursor=), dead letters 100 a page (?deadCursor=).
		var pg *orderhub.PageOf[*orderhub.Delivery]
		pg, err = p.store.Deliveries.ListDeliveryPage(ctx, orderhub.DeliveryFilter{VendorID: c.V}, orderhub.Page{Cursor: r.URL.Query().Get("cursor"), Limit: 50})
		if err == nil {
			v.Deliveries, v.NextDeliveries = pg.Data, portalNext(v.Base, r.URL.Query(), "cursor", pg.NextCursor)
		}
	}
	if err == nil {
		var pg *orderhub.PageOf[*orderhub.Delivery]
		pg, err = p.store.Deliveries.ListDeliveryPage(ctx, orderhub.DeliveryFilter{VendorID: c.V, Status: orderhub.DeliveryDead}, orderhub.Page{Cursor: r.URL.Query().Get("deadCursor"), Limit: 100})
		if err == nil {
			v.Dead, v.NextDead = pg.Data, portalNext(v.Base, r.URL.Query(), "deadCursor", pg.NextCursor)
		}
	}
	if _, refused := orderhub.RefusedCursor(err); refused {
		p.fail(w, r, c, http.StatusBadRequest, "That page link is not valid (changed, or from another list); start again from the first page.")
		return
	}
	if err != nil {
		p.log.Error("portal", "err", err)
		p.fail(w, r, c, http.StatusInternalServerError, "Something went wrong.")
		return
	}
	p.render(w, http.StatusOK, v)
}

// portalNext links the portal page with the next page of one of its lists: name (the
// list's cursor parameter) set to next, the other list's cursor kept; "" on the last
// page.
func portalNext(base string, q url.Values, name, next string) string {
	if next == "" {
		return ""
	}
	nq := url.Values{}
	for _, k := range []string{"cursor", "deadCursor"} {
		if v := q.Get(k); v != "" {
			nq.Set(k, v)
		}
	}
	nq.Set(name, next)
	return base + "?" + nq.Encode()
}

// flashText is the message of a finished action (?done=), from a fixed list so that
// nobody can make a portal page show text of their choosing.
func flashText(done string) string {
	return map[string]string{"enable": "Endpoint enabled.", "disable": "Endpoint disabled.", "replay-dead": "Dead deliveries queued again."}[done]
}

func (p *portal) handleAction(w http.ResponseWriter, r *http.Request) {
	c, ok := p.claims(w, r)
	if !ok {
		return
	}
	if c.A != PortalManage {
		p.fail(w, r, c, http.StatusForbidden, "This portal link can only look.")
		return
	}
	// No Origin check: pages are sent with no-referrer, so browsers post with
	// Origin: null; the secret link in the path is what a forged form cannot know
	// (it works as the CSRF token).
	id, action := r.PathValue("id"), r.PathValue("action")
	if !orderhub.IsLineText(id) || len(id) > 200 {
		p.fail(w, r, c, http.StatusNotFound, "No such endpoint.")
		return
	}
	ch := &orderhub.Change{Actor: orderhub.Actor{Kind: orderhub.ActorPortal, ID: "portal:" + c.V, Name: "portal link", Via: orderhub.ViaPortal},
		Action: "endpoint." + action, ResourceType: "endpoint", ResourceID: id, VendorID: c.V}
	ctx := orderhub.WithChange(r.Context(), ch)
	var err error
	switch action {
	case "enable":
		_, err = p.manage.Endpoints().EnableEndpoint(ctx, c.V, id)
	case "disable":
		_, err = p.manage.Endpoints().DisableEndpoint(ctx, c.V, id, "disabled in the vendor portal")
	case "replay-dead":
		_, err = p.manage.Endpoints().ReplayDead(ctx, c.V, id)
	default:
		p.fail(w, r, c, http.StatusNotFound, "Unknown endpoint action.")
		return
	}
	if err != nil {
		var e *orderhub.Error
		if errors.As(err, &e) {
			st := http.StatusBadRequest
			if e.Code == orderhub.ENotFound {
				st = http.StatusNotFound
			}
			p.fail(w, r, c, st, e.Message)
			return
		}
		p.log.Error("portal", "err", err)
		p.fail(w, r, c, http.StatusInternalServerError, "Something went wrong.")
		return
	}
	http.Redirect(w, r, PortalPrefix+"/"+r.PathValue("token")+"/?done="+action, http.StatusSeeOther)
}

func (p *portal) fail(w http.ResponseWriter, r *http.Request, c *portalClaims, status int, msg string) {
	v := &portalView{Error: msg, Title: "Portal"}
	if c != nil {
		v.Vendor, v.Base = c.V, PortalPrefix+"/"+r.PathValue("token")+"/"
	}
	p.render(w, status, v)
}

func (p *portal) render(w http.ResponseWriter, status int, v *portalView) {
	var b strings.Builder
	if err := p.page.ExecuteTemplate(&b, "portal-page", v); err != nil {
		p.log.Error("portal: render", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}
