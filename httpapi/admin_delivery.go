package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/manage"
)

// The admin API of outbound delivery, per vendor (admin token):
//
//	GET, POST   /admin/v1/vendors/{vendorId}/endpoints                  (create answers the secret once)
//	GET, PATCH, DELETE /admin/v1/vendors/{vendorId}/endpoints/{endpointId}
//	POST        /admin/v1/vendors/{vendorId}/endpoints/{endpointId}/rotate-secret   {secret?, overlapSeconds?}
//	POST        /admin/v1/vendors/{vendorId}/endpoints/{endpointId}/disable         {reason?}
//	POST        /admin/v1/vendors/{vendorId}/endpoints/{endpointId}/enable
//	POST        /admin/v1/vendors/{vendorId}/endpoints/{endpointId}/replay          {dead: true} or {since}
//	GET         /admin/v1/vendors/{vendorId}/deliveries                 (?endpointId, eventId, status, orderingKey, since, cursor, limit; beforeSeq deprecated)
//	GET         /admin/v1/vendors/{vendorId}/deliveries/{deliveryId}    (with its attempts)
//	POST        /admin/v1/vendors/{vendorId}/deliveries/{deliveryId}/replay
//	POST        /admin/v1/vendors/{vendorId}/replay                     {since}: every enabled endpoint
//
// Lists answer {"data": [...], "next_cursor": "…"} (?cursor=, limit); replays answer {"queued": n}.

func (s *Server) adminDeliveryRoutes(m *http.ServeMux) {
	h := &adminDeliveryAPI{base: &s.base, manage: s.manage}
	const v = "/admin/v1/vendors/{vendorId}"
	const ep = v + "/endpoints/{endpointId}"
	m.HandleFunc("GET "+v+"/endpoints", s.requireAdmin(s.wrap(h.handleAdminListEndpoints)))
	m.HandleFunc("POST "+v+"/endpoints", s.requireAdmin(s.wrap(h.handleAdminCreateEndpoint)))
	m.HandleFunc("GET "+ep, s.requireAdmin(s.wrap(h.handleAdminGetEndpoint)))
	m.HandleFunc("PATCH "+ep, s.requireAdmin(s.wrap(h.handleAdminUpdateEndpoint)))
	m.HandleFunc("DELETE "+ep, s.requireAdmin(s.wrap(h.handleAdminDeleteEndpoint)))
	m.HandleFunc("POST "+ep+"/rotate-secret", s.requireAdmin(s.wrap(h.handleAdminRotateEndpoint)))
	m.HandleFunc("POST "+ep+"/disable", s.requireAdmin(s.wrap(h.handleAdminDisableEndpoint)))
	m.HandleFunc("POST "+ep+"/enable", s.requireAdmin(s.wrap(h.handleAdminEnableEndpoint)))
	m.HandleFunc("POST "+ep+"/replay", s.requireAdmin(s.wrap(h.handleAdminReplayEndpoint)))
	m.HandleFunc("GET "+v+"/deliveries", s.requireAdmin(s.wrap(h.handleAdminListDeliveries)))
	m.HandleFunc("GET "+v+"/deliveries/{deliveryId}", s.requireAdmin(s.wrap(h.handleAdminGetDelivery)))
	m.HandleFunc("POST "+v+"/deliveries/{deliveryId}/replay", s.requireAdmin(s.wrap(h.handleAdminReplayDelivery)))
	m.HandleFunc("POST "+v+"/replay", s.requireAdmin(s.wrap(h.handleAdminReplayVendor)))
}

// adminEndpoint returns the vendor and endpoint of the path.
func (s *adminDeliveryAPI) adminEndpoint(r *http.Request) (vendorID, endpointID string, err error) {
	if vendorID, err = s.adminVendor(r); err != nil {
		return "", "", err
	}
	endpointID, err = pathID(r, "endpointId", "Endpoint")
	return vendorID, endpointID, err
}

// answer writes v with the given status, or returns err.
func answer(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (s *adminDeliveryAPI) handleAdminListEndpoints(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "kind", "deleted", "cursor", "limit"); err != nil {
		return err
	}
	deleted, err := boolQuery(r, "deleted")
	if err != nil {
		return err
	}
	return adminSlicePage(s.base, w, r, "endpoints", func(e *orderhub.Endpoint) orderhub.PageKey { return createdKey(e.CreatedAt, e.ID) }, func(vendorID string) ([]*orderhub.Endpoint, error) {
		return s.store.Deliveries.ListEndpoints(r.Context(), orderhub.EndpointFilter{VendorID: vendorID, Kind: q.Get("kind"), IncludeDeleted: deleted})
	})
}

func (s *adminDeliveryAPI) handleAdminCreateEndpoint(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ID          string   `json:"id"`
		URL         string   `json:"url"`
		Kind        string   `json:"kind"`
		Description string   `json:"description"`
		EventTypes  []string `json:"eventTypes"`
		Secret      string   `json:"secret"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.Endpoint, error) {
		ep := &orderhub.Endpoint{ID: in.ID, VendorID: vendorID, URL: in.URL, Kind: in.Kind, Description: in.Description, EventTypes: in.EventTypes, Secret: in.Secret}
		return ep, s.manage().Endpoints().CreateEndpoint(r.Context(), ep)
	})
}

// manage is the service the admin API and the console's forms share (package manage).
func (s *Server) manage() *manage.Service {
	return &manage.Service{Store: s.store, Guard: s.guard, SMSealer: s.sm.Sealer, Yespo: s.yespo, SMHTTP: s.sm.HTTPClient, SMTestTimeout: 2 * s.smLookupTimeout()}
}

func (s *adminDeliveryAPI) handleAdminGetEndpoint(w http.ResponseWriter, r *http.Request) error {
	vendorID, id, err := s.adminEndpoint(r)
	var ep *orderhub.Endpoint
	if err == nil {
		ep, err = s.store.Deliveries.GetEndpoint(r.Context(), vendorID, id)
	}
	return answer(w, http.StatusOK, ep, err)
}

func (s *adminDeliveryAPI) handleAdminUpdateEndpoint(w http.ResponseWriter, r *http.Request) error {
	var in orderhub.EndpointUpdate
	vendorID, id, err := s.adminEndpoint(r)
	if err == nil {
		err = decodeAdmin(w, r, &in)
	}
	var ep *orderhub.Endpoint
	if err == nil {
		ep, err = s.manage().Endpoints().UpdateEndpoint(r.Context(), vendorID, id, in)
	}
	return answer(w, http.StatusOK, ep, err)
}

func (s *adminDeliveryAPI) handleAdminDeleteEndpoint(w http.ResponseWriter, r *http.Request) error {
	vendorID, id, err := s.adminEndpoint(r)
	if err == nil {
		err = s.manage().Endpoints().DeleteEndpoint(r.Context(), vendorID, id)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decodeOptional decodes a JSON body when there is one.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeAdmin(w, r, v)
}

func (s *adminDeliveryAPI) handleAdminRotateEndpoint(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Secret         string `json:"secret"`
		OverlapSeconds *int64 `json:"overlapSeconds"`
	}
	vendorID, id, err := s.adminEndpoint(r)
	if err == nil {
		err = decodeOptional(w, r, &in)
	}
	var ep *orderhub.Endpoint
	if err == nil {
		ep, err = s.manage().Endpoints().RotateEndpointSecret(r.Context(), vendorID, id, in.Secret, in.OverlapSeconds)
	}
	return answer(w, http.StatusOK, ep, err)
}

func (s *adminDeliveryAPI) handleAdminDisableEndpoint(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	vendorID, id, err := s.adminEndpoint(r)
	if err == nil {
		err = decodeOptional(w, r, &in)
	}
	var ep *orderhub.Endpoint
	if err == nil {
		ep, err = s.manage().Endpoints().DisableEndpoint(r.Context(), vendorID, id, in.Reason)
	}
	return answer(w, http.StatusOK, ep, err)
}

func (s *adminDeliveryAPI) handleAdminEnableEndpoint(w http.ResponseWriter, r *http.Request) error {
	vendorID, id, err := s.adminEndpoint(r)
	var ep *orderhub.Endpoint
	if err == nil {
		ep, err = s.manage().Endpoints().EnableEndpoint(r.Context(), vendorID, id)
	}
	return answer(w, http.StatusOK, ep, err)
}

// Replayed says how many deliveries a replay queued.
type Replayed struct {
	Queued int `json:"queued"`
}

type replayRequest struct {
	Dead  bool   `json:"dead"`
	Since string `json:"since"` // RFC 3339
}

func (in *replayRequest) since() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, in.Since)
	if err != nil {
		return time.Time{}, orderhub.FieldError(orderhub.EInvalidRequest, "since", "since must be an RFC 3339 time such as 2026-11-23T08:00:00Z.")
	}
	return t, nil
}

func (s *adminDeliveryAPI) handleAdminReplayEndpoint(w http.ResponseWriter, r *http.Request) error {
	var in replayRequest
	vendorID, id, err := s.adminEndpoint(r)
	if err == nil {
		err = decodeAdmin(w, r, &in)
	}
	n := 0
	if err == nil {
		switch {
		case in.Dead && in.Since == "":
			n, err = s.manage().Endpoints().ReplayDead(r.Context(), vendorID, id)
		case !in.Dead && in.Since != "":
			var t time.Time
			if t, err = in.since(); err == nil {
				n, err = s.manage().Endpoints().ReplaySince(r.Context(), vendorID, id, t)
			}
		default:
			err = orderhub.Errorf(orderhub.EInvalidRequest, `Send {"dead": true} to replay the endpoint's dead deliveries, or {"since": "<RFC 3339 time>"} to replay everything since then.`)
		}
	}
	return answer(w, http.StatusOK, Replayed{Queued: n}, err)
}

func (s *adminDeliveryAPI) handleAdminReplayVendor(w http.ResponseWriter, r *http.Request) error {
	var in replayRequest
	return adminAnswer(s.base, w, r, http.StatusOK, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (Replayed, error) {
		t, err := in.since()
		n := 0
		if err == nil {
			n, err = s.manage().Endpoints().ReplaySince(r.Context(), vendorID, "", t)
		}
		return Replayed{Queued: n}, err
	})
}

// onlyParams refuses query parameters other than the allowed ones (a misspelt filter
// must not silently list everything).
func onlyParams(q url.Values, allowed ...string) error {
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			return orderhub.FieldError(orderhub.EInvalidRequest, name, "Unknown query parameter %q; this list takes %s.", name, strings.Join(allowed, ", "))
		}
		if len(vs) > 1 || !orderhub.IsLineText(vs[0]) || len(vs[0]) > 1000 {
			return orderhub.FieldError(orderhub.EInvalidRequest, name, "Query parameter %s must be given once, as text of at most 1000 characters.", name)
		}
	}
	return nil
}

func (s *adminDeliveryAPI) handleAdminListDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	err := onlyParams(q, "endpointId", "eventId", "status", "orderingKey", "since", "cursor", "beforeSeq", "limit")
	f := orderhub.DeliveryFilter{EndpointID: q.Get("endpointId"), EventID: q.Get("eventId"), Status: q.Get("status"), OrderingKey: q.Get("orderingKey")}
	p := orderhub.Page{Cursor: q.Get("cursor")}
	if err == nil && q.Get("since") != "" {
		if f.Since, err = time.Parse(time.RFC3339Nano, q.Get("since")); err != nil {
			err = orderhub.FieldError(orderhub.EInvalidRequest, "since", "since must be an RFC 3339 time such as 2026-11-23T08:00:00Z.")
		}
	}
	// beforeSeq is the deprecated way to page (it skips the deliveries of an event
	// split across two pages); it still bounds the seq, with or without a cursor.
	for _, pr := range []struct {
		name string
		max  int64
		set  func(int64)
	}{{"beforeSeq", 1<<62 - 1, func(n int64) { f.BeforeSeq = n }}, {"limit", orderhub.MaxDeliveryPageLimit, func(n int64) { p.Limit = int(n) }}} {
		if v := q.Get(pr.name); err == nil && v != "" {
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || n < 1 || n > pr.max {
				err = orderhub.FieldError(orderhub.EInvalidRequest, pr.name, "%s must be a whole number from 1 to %d.", pr.name, pr.max)
				break
			}
			pr.set(n)
		}
	}
	if err != nil {
		return err
	}
	vendorID, err := s.adminVendor(r)
	if err != nil {
		return err
	}
	f.VendorID = vendorID
	pg, err := s.store.Deliveries.ListDeliveryPage(r.Context(), f, p)
	if err != nil {
		return PageError(err)
	}
	writeJSON(w, http.StatusOK, pg)
	return nil
}

// DeliveryWithAttempts is a delivery and every attempt made for it.
type DeliveryWithAttempts struct {
	Delivery *orderhub.Delivery  `json:"delivery"`
	Attempts []*orderhub.Attempt `json:"attempts"`
}

func (s *adminDeliveryAPI) handleAdminGetDelivery(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	var id string
	if err == nil {
		id, err = pathID(r, "deliveryId", "Delivery")
	}
	out := DeliveryWithAttempts{}
	if err == nil {
		out.Delivery, err = s.store.Deliveries.GetDelivery(r.Context(), vendorID, id)
	}
	if err == nil {
		out.Attempts, err = s.store.Deliveries.ListAttempts(r.Context(), vendorID, id)
	}
	return answer(w, http.StatusOK, out, err)
}

func (s *adminDeliveryAPI) handleAdminReplayDelivery(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	var id string
	if err == nil {
		id, err = pathID(r, "deliveryId", "Delivery")
	}
	var d *orderhub.Delivery
	if err == nil {
		d, err = s.manage().Endpoints().ReplayDelivery(r.Context(), vendorID, id)
	}
	return answer(w, http.StatusOK, d, err)
}
