package httpapi_test

import (
	"context"
	"net/http/httptest"
	"orderhub/hub"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/docs"
	"orderhub/httpapi"
)

// Issue 15: /metrics can require a bearer token.
func TestMetricsToken(t *testing.T) {
	h := newTestHub(t)
	h.jsonReq("GET", "/metrics", "", nil).expect(200, "") // open by default
	spec, _ := docs.OpenAPIJSON()
	srv, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: hub.Wrap(h.DB.Store(), h.DB), Now: h.Clock.Now, Registry: prometheus.NewRegistry(), OpenAPIJSON: spec, MetricsToken: "s3cret-metrics"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	h.URL = ts.URL
	h.jsonReq("GET", "/metrics", "", nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", "/metrics", "s3cret-metric", nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", "/metrics", h.token(orderhub.ScopeEvents), nil).expect(401, orderhub.EUnauthorized)
	h.ValidateSpec = false
	res := h.jsonReq("GET", "/metrics", "s3cret-metrics", nil).expect(200, "")
	if !strings.Contains(string(res.Body), "orderhub_http_requests_total") {
		t.Fatalf("metrics: %.200s", res.Body)
	}
	h.jsonReq("GET", "/healthz", "", nil).expect(200, "") // the other ops endpoints stay open
}
