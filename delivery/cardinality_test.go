package delivery_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/delivery"
)

// Issue 15: the delivery metrics have a bounded number of series whatever vendors
// create: no endpoint (or Zapier channel) id is ever a label value.
func TestMetricsCardinalityIsBounded(t *testing.T) {
	t.Parallel()
	series := func(n int) (int, []string) {
		reg := prometheus.NewRegistry()
		b := setup(t, delivery.Config{AllowPrivateTargets: true, Registry: reg, Schedule: []time.Duration{0, time.Hour}})
		down := newReceiver(t, func(received, int) int { return http.StatusInternalServerError })
		var ids []string
		for range n {
			ids = append(ids, b.endpoint(t, "acme", down.srv.URL).ID)
		}
		ev := b.event(t, "acme", "t", "k", 1)
		waitFor(t, "every endpoint failed once", func() bool {
			for _, id := range ids {
				// With 40 endpoints the fan-out expander writes the deliveries just
				// after the event's commit (docs/fanout.md): wait for them too.
				ds := b.deliveries(t, orderhub.DeliveryFilter{EndpointID: id, EventID: ev.ID})
				if len(ds) != 1 || ds[0].Status != orderhub.DeliveryFailed {
					return false
				}
			}
			return true
		})
		time.Sleep(50 * time.Millisecond) // the batch's report
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				total++
				for _, l := range m.GetLabel() {
					for _, id := range ids {
						if strings.Contains(l.GetValue(), id) {
							t.Fatalf("%s has the endpoint id %s as label %s", mf.GetName(), id, l.GetName())
						}
					}
				}
			}
		}
		return total, ids
	}
	few, _ := series(2)
	many, _ := series(40)
	if many != few {
		t.Fatalf("%d series with 2 failing endpoints, %d with 40", few, many)
	}
}
