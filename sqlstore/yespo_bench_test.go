package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// BenchmarkApplyOrderEvent applies distinct orderCreated events from parallel
// goroutines (SQLite, group commit): the store side of POST /api/v1/event.
func BenchmarkApplyOrderEvent(b *testing.B) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "b.db"), sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme", Name: "Acme"}); err != nil {
		b.Fatal(err)
	}
	c, _, err := hub.NewOrders(db).UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{PublisherUserID: "AV13760"}})
	if err != nil || c == nil {
		b.Fatal(err)
	}
	tmpl := `{"eventTypeKey":"orderCreated","keyValue":"k","params":[{"name":"externalOrderId","value":"%d"},{"name":"externalCustomerId","value":"AV13760"},
		{"name":"totalCost","value":"990"},{"name":"status","value":"INITIALIZED"},{"name":"date","value":"2020-05-14T10:11:00"},
		{"name":"items","value":[{"externalItemId":"1","name":"n","quantity":1,"cost":990,"url":"http://a.example","imageUrl":"http://a.example/i"}]}]}`
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := []byte(fmt.Sprintf(tmpl, n.Add(1)))
			ev, err := orderhub.ParseOrderEvent(body)
			if err != nil {
				b.Error(err)
				return
			}
			res, err := hub.NewOrders(db).ApplyOrderEvent(ctx, "acme", ev, body)
			if err != nil || !strings.EqualFold(res.Outcome, "created") {
				b.Errorf("%v %+v", err, res)
				return
			}
		}
	})
}
