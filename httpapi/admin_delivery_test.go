package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"orderhub"
)

func TestAdminDeliveryAPI(t *testing.T) {
	h := newTestHub(t)
	const base = "/admin/v1/vendors/acme"

	h.jsonReq("GET", base+"/endpoints", "", nil).expect(http.StatusUnauthorized, orderhub.EUnauthorized)
	h.jsonReq("POST", base+"/endpoints", h.Admin, map[string]any{"url": "gopher://x"}).expect(http.StatusBadRequest, orderhub.EInvalidRequest)

	var ep orderhub.Endpoint
	h.jsonReq("POST", base+"/endpoints", h.Admin, map[string]any{
		"url": "https://hooks.example.com/orders", "eventTypes": []string{"contract-created"}, "description": "orders",
	}).expect(http.StatusCreated, "").JSON(&ep)
	if ep.ID == "" || !strings.HasPrefix(ep.Secret, "whsec_") || ep.Kind != orderhub.EndpointWebhook || !ep.Enabled {
		t.Fatalf("created: %+v", ep)
	}
	epPath := base + "/endpoints/" + ep.ID

	var got orderhub.Endpoint
	h.jsonReq("GET", epPath, h.Admin, nil).expect(http.StatusOK, "").JSON(&got)
	if got.Secret != "" || got.URL != ep.URL {
		t.Fatalf("get shows the secret or differs: %+v", got)
	}
	// Another vendor's path does not reach the endpoint.
	h.jsonReq("GET", "/admin/v1/vendors/other/endpoints/"+ep.ID, h.Admin, nil).expect(http.StatusNotFound, orderhub.ENotFound)
	var list struct {
		Data []orderhub.Endpoint `json:"data"`
	}
	h.jsonReq("GET", "/admin/v1/vendors/other/endpoints", h.Admin, nil).expect(http.StatusOK, "").JSON(&list)
	if len(list.Data) != 0 {
		t.Fatalf("other vendor lists acme's endpoint: %+v", list.Data)
	}
	h.jsonReq("GET", base+"/endpoints?kinds=webhook", h.Admin, nil).expect(http.StatusBadRequest, orderhub.EInvalidRequest)

	var up orderhub.Endpoint
	h.jsonReq("PATCH", epPath, h.Admin, map[string]any{"eventTypes": []string{}, "kind": "zapier"}).expect(http.StatusOK, "").JSON(&up)
	if len(up.EventTypes) != 0 || up.Kind != orderhub.EndpointZapier || up.Description != "orders" {
		t.Fatalf("updated: %+v", up)
	}
	var rot orderhub.Endpoint
	h.jsonReq("POST", epPath+"/rotate-secret", h.Admin, map[string]any{"overlapSeconds": 3600}).expect(http.StatusOK, "").JSON(&rot)
	if rot.Secret == "" || rot.Secret == ep.Secret || rot.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotated: %+v", rot)
	}

	ev, err := h.DB.Deliveries().AppendEvent(context.Background(), "acme", "contract-created", "cus_1", json.RawMessage(`{"contractId":"c1"}`))
	if err != nil {
		t.Fatal(err)
	}
	var ds struct {
		Data []orderhub.Delivery `json:"data"`
	}
	h.jsonReq("GET", base+"/deliveries?status=pending&endpointId="+ep.ID, h.Admin, nil).expect(http.StatusOK, "").JSON(&ds)
	if len(ds.Data) != 1 || ds.Data[0].EventID != ev.ID || ds.Data[0].NextAttemptAt == nil {
		t.Fatalf("deliveries: %+v", ds.Data)
	}
	h.jsonReq("GET", base+"/deliveries?eventId="+ev.ID, h.Admin, nil).expect(http.StatusOK, "").JSON(&ds)
	if len(ds.Data) != 1 {
		t.Fatalf("deliveries of the event: %+v", ds.Data)
	}
	h.jsonReq("GET", base+"/deliveries?status=lost", h.Admin, nil).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
	h.jsonReq("GET", base+"/deliveries?limit=0", h.Admin, nil).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
	dPath := base + "/deliveries/" + ds.Data[0].ID
	h.jsonReq("GET", "/admin/v1/vendors/other/deliveries/"+ds.Data[0].ID, h.Admin, nil).expect(http.StatusNotFound, orderhub.ENotFound)

	var dis orderhub.Endpoint
	h.jsonReq("POST", epPath+"/disable", h.Admin, map[string]any{"reason": "maintenance"}).expect(http.StatusOK, "").JSON(&dis)
	if dis.Enabled || dis.DisabledReason != "maintenance" {
		t.Fatalf("disabled: %+v", dis)
	}
	h.jsonReq("POST", epPath+"/replay", h.Admin, map[string]any{"dead": true}).expect(http.StatusConflict, orderhub.EConflict)
	h.jsonReq("POST", epPath+"/enable", h.Admin, nil).expect(http.StatusOK, "")
	h.jsonReq("POST", epPath+"/replay", h.Admin, map[string]any{}).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
	var n struct {
		Queued int `json:"queued"`
	}
	h.jsonReq("POST", epPath+"/replay", h.Admin, map[string]any{"dead": true}).expect(http.StatusOK, "").JSON(&n)
	if n.Queued != 1 {
		t.Fatalf("replay dead: %+v", n)
	}
	since := h.Clock.Now().Add(-time.Hour).Format(time.RFC3339)
	h.jsonReq("POST", epPath+"/replay", h.Admin, map[string]any{"since": since}).expect(http.StatusOK, "").JSON(&n)
	h.jsonReq("POST", base+"/replay", h.Admin, map[string]any{"since": "yesterday"}).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
	h.jsonReq("POST", base+"/replay", h.Admin, map[string]any{"since": since}).expect(http.StatusOK, "")

	var rd orderhub.Delivery
	h.jsonReq("POST", dPath+"/replay", h.Admin, nil).expect(http.StatusOK, "").JSON(&rd)
	if rd.Status != orderhub.DeliveryPending {
		t.Fatalf("replayed delivery: %+v", rd)
	}
	var d struct {
		Delivery orderhub.Delivery  `json:"delivery"`
		Attempts []orderhub.Attempt `json:"attempts"`
	}
	h.jsonReq("GET", dPath, h.Admin, nil).expect(http.StatusOK, "").JSON(&d)
	if d.Delivery.ID != ds.Data[0].ID || d.Attempts == nil {
		t.Fatalf("delivery with attempts: %+v", d)
	}

	h.jsonReq("DELETE", epPath, h.Admin, nil).expect(http.StatusNoContent, "")
	h.jsonReq("DELETE", epPath, h.Admin, nil).expect(http.StatusConflict, orderhub.EConflict)
	h.jsonReq("GET", epPath, h.Admin, nil).expect(http.StatusOK, "").JSON(&got)
	if got.DeletedAt == nil {
		t.Fatalf("deleted endpoint: %+v", got)
	}
	h.jsonReq("GET", base+"/endpoints?deleted=true", h.Admin, nil).expect(http.StatusOK, "").JSON(&list)
	if len(list.Data) != 1 {
		t.Fatalf("with deleted: %+v", list.Data)
	}
	h.jsonReq("GET", base+"/deliveries?status=canceled", h.Admin, nil).expect(http.StatusOK, "").JSON(&ds)
	if len(ds.Data) != 1 {
		t.Fatalf("canceled: %+v", ds.Data)
	}
}
