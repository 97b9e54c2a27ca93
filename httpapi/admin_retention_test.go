package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"orderhub"
	"orderhub/httpapi"
)

type retentionBody struct {
	VendorID         string     `json:"vendorId"`
	DeliveredSeconds *int64     `json:"deliveredSeconds"`
	DeadSeconds      *int64     `json:"deadSeconds"`
	UpdatedAt        *time.Time `json:"updatedAt"`
}

func TestAdminVendorRetention(t *testing.T) {
	h := newTestHub(t)
	const p = "/admin/v1/vendors/acme/retention"
	get := func() retentionBody {
		t.Helper()
		var b retentionBody
		h.jsonReq("GET", p, h.Admin, nil).expect(http.StatusOK, "").JSON(&b)
		return b
	}
	put := func(body any) retentionBody {
		t.Helper()
		var b retentionBody
		h.jsonReq("PUT", p, h.Admin, body).expect(http.StatusOK, "").JSON(&b)
		return b
	}
	if b := get(); b.VendorID != "acme" || b.DeliveredSeconds != nil || b.DeadSeconds != nil || b.UpdatedAt != nil {
		t.Fatalf("no override: %+v", b)
	}
	if b := put(map[string]any{"deliveredSeconds": 604800}); b.DeliveredSeconds == nil || *b.DeliveredSeconds != 604800 || b.DeadSeconds != nil || b.UpdatedAt == nil {
		t.Fatalf("after setting deliveredSeconds: %+v", b)
	}
	// A limit not given is unchanged; 0 keeps for ever.
	if b := put(map[string]any{"deadSeconds": 0}); b.DeliveredSeconds == nil || *b.DeliveredSeconds != 604800 || b.DeadSeconds == nil || *b.DeadSeconds != 0 {
		t.Fatalf("after setting deadSeconds: %+v", b)
	}
	if b := get(); b.DeliveredSeconds == nil || b.DeadSeconds == nil || *b.DeadSeconds != 0 {
		t.Fatalf("get: %+v", b)
	}
	// The store (and so pruning) sees it; the other vendor has none.
	vs, err := h.DB.Admin().ListVendorRetention(context.Background())
	if err != nil || len(vs) != 1 || vs[0].VendorID != "acme" || *vs[0].Delivered != 7*24*time.Hour || *vs[0].Dead != 0 {
		t.Fatalf("store: %+v %v", vs, err)
	}
	// null removes a limit; both null removes the override.
	if b := put(map[string]any{"deliveredSeconds": nil}); b.DeliveredSeconds != nil || b.DeadSeconds == nil {
		t.Fatalf("after removing deliveredSeconds: %+v", b)
	}
	if b := put(map[string]any{"deadSeconds": nil}); b.DeliveredSeconds != nil || b.DeadSeconds != nil || b.UpdatedAt != nil {
		t.Fatalf("after removing both: %+v", b)
	}
	if vs, _ := h.DB.Admin().ListVendorRetention(context.Background()); len(vs) != 0 {
		t.Fatalf("override left: %+v", vs)
	}
}

func TestAdminVendorRetentionRefusesBadInput(t *testing.T) {
	h := newTestHub(t)
	const p = "/admin/v1/vendors/acme/retention"
	checkVendorSettingsGuards(h, "retention", map[string]any{"deadSeconds": 1})
	for body, field := range map[string]string{
		`{"deadSeconds": -1}`:               "deadSeconds",
		`{"deadSeconds": 3153600001}`:       "deadSeconds",
		`{"deliveredSeconds": 1.5}`:         "deliveredSeconds",
		`{"deliveredSeconds": "30d"}`:       "deliveredSeconds",
		`{"deliveredSeconds": 1, "ttl": 5}`: "",
		`[1]`:                               "",
		`null`:                              "",
		`{"deliveredSeconds": 1`:            "",
		``:                                  "",
		`{"deliveredSeconds": 99999999999999999}`: "deliveredSeconds",
	} {
		res := h.jsonReq("PUT", p, h.Admin, body).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
		if field != "" {
			var e httpapi.ErrorBody
			res.JSON(&e)
			if e.Field != field {
				t.Errorf("%s: field %q, want %s (%s)", body, e.Field, field, e.Message)
			}
		}
	}
	// Nothing was changed by the refused requests.
	if vs, _ := h.DB.Admin().ListVendorRetention(context.Background()); len(vs) != 0 {
		t.Fatalf("override set by a refused request: %+v", vs)
	}
}
