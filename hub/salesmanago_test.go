package hub

import (
	"context"
	"testing"

	"orderhub"
)

// A forwarded SALESmanago request needs the vendor's live, enabled account; it is
// one event with one delivery, to that account's endpoint.
func TestAppendSalesmanagoRequest(t *testing.T) {
	f := newFake()
	s := NewOrders(f)
	ctx := context.Background()
	f.smOff["acme/sm1"] = ""
	f.smOff["acme/sm2"] = "410 Gone"
	_, err := s.AppendSalesmanagoRequest(ctx, "other", "sm1", orderhub.EventSMContactUpsert, "k", map[string]string{"a": "b"})
	wantError(t, err, orderhub.ENotFound, `SALESmanago account "sm1" not found.`)
	_, err = s.AppendSalesmanagoRequest(ctx, "acme", "sm2", orderhub.EventSMContactUpsert, "k", map[string]string{"a": "b"})
	wantError(t, err, orderhub.EConflict, `Forwarding to SALESmanago account "sm2" is disabled (410 Gone); an operator must enable its endpoint.`)
	if f.writes != 0 {
		t.Fatalf("refusals wrote %d", f.writes)
	}
	req, err := s.AppendSalesmanagoRequest(ctx, "acme", "sm1", orderhub.EventSMContactUpsert, "k", map[string]string{"a": "b"})
	if err != nil || f.dlv[req.DeliveryID] != "sm1" || string(req.Event.Data) != `{"a":"b"}` {
		t.Fatal(req, err)
	}
	wantEvents(t, f, 0, orderhub.EventSMContactUpsert)
}
