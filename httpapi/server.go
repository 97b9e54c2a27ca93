// Package httpapi serves orderhub's HTTP surfaces: the OAuth2 token endpoint, the
// seed-compatible APIs, the admin API and the ops endpoints. NewServer takes every
// dependency explicitly; routes.go lists every route.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/netguard"
	"orderhub/sealing"
)

// MaxBodyBytes bounds request bodies (1 MiB).
const MaxBodyBytes = 1 << 20

// Config holds a Server's dependencies.
type Config struct {
	// Store is the store by domain (cmd wires sqlstore's, db.Store(), with package
	// hub's services where they apply).
	Store    orderhub.Store
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Now returns the current time (tests inject a clock). Default time.Now.
	Now func() time.Time
	// TokenTTL is the lifetime of access tokens (default 1 hour, as seed 001 says).
	TokenTTL time.Duration
	// OpenAPIJSON is served at /openapi.json when set.
	OpenAPIJSON []byte
	// AccessLog logs every request at info level (default: only failures).
	AccessLog bool
	// Yespo serves the Yespo account admin API (connector/yespo); nil: not configured.
	Yespo YespoAdmin
	// Salesmanago configures the SALESmanago surface (seed 002).
	Salesmanago SalesmanagoOptions
	// Guard checks target URLs when they are registered (webhook endpoints, Zapier
	// hooks, connector base URLs) and carries the API's own outbound calls
	// (connector lookups and tests). Default: private targets refused.
	Guard *netguard.Guard
	// Sealer seals the token signing key at rest (ORDERHUB_SECRET_KEY; nil: stored
	// as-is).
	Sealer *sealing.Sealer
	// MetricsToken, when set, is the bearer token /metrics requires.
	MetricsToken string
}

// base is what the handlers of every surface share: the store, the logger and the
// clock. Server embeds it; each surface's handler type (vendorAPI, salesmanagoAPI,
// zapierAPI, …) points to the Server's.
type base struct {
	store orderhub.Store // the store by domain
	log   *slog.Logger
	now   func() time.Time
}

// Server is orderhub's HTTP handler: it builds the surfaces' handler types, routes
// to them (routes.go) and runs the middleware every request passes through.
type Server struct {
	base
	mux     *http.ServeMux
	handler http.Handler
	tokens  *tokenService
	promos  *promoCache
	admins  *adminAuth
	metrics *httpMetrics
	openapi []byte
	access  bool
	yespo   YespoAdmin
	sm      SalesmanagoOptions
	reg     *prometheus.Registry
	guard   *netguard.Guard
	// metricsToken guards /metrics when set.
	metricsToken string
}

// NewServer builds the handler. It loads (or creates on first start) the token
// signing key from the database, so every process and restart signs alike.
func NewServer(ctx context.Context, cfg Config) (*Server, error) {
	if st := cfg.Store; st.Orders == nil || st.Catalog == nil || st.Tenants == nil || st.Connectors == nil || st.Deliveries == nil || st.Admin == nil || st.Ops == nil {
		return nil, errors.New("httpapi: no database (Config.Store has an unset domain)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.Guard == nil {
		cfg.Guard = netguard.Default()
	}
	if cfg.Salesmanago.HTTPClient == nil {
		cfg.Salesmanago.HTTPClient = cfg.Guard.Client()
	}
	if cfg.Sealer == nil {
		cfg.Sealer = &sealing.Sealer{}
	}
	st := cfg.Store
	key, err := loadSigningKey(ctx, st.Tenants, cfg.Sealer, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	s := &Server{
		base: base{store: st, log: cfg.Logger, now: cfg.Now}, mux: http.NewServeMux(),
		openapi: cfg.OpenAPIJSON, access: cfg.AccessLog, reg: cfg.Registry, yespo: cfg.Yespo,
		sm: cfg.Salesmanago, guard: cfg.Guard, metricsToken: cfg.MetricsToken,
	}
	s.tokens = newTokenService(st.Tenants, key, cfg.TokenTTL, cfg.Now)
	s.admins = newAdminAuth(st.Tenants, cfg.Now)
	s.promos = &promoCache{db: st.Tenants, now: cfg.Now}
	s.metrics = newHTTPMetrics(cfg.Registry)
	st.Ops.SetBatchObserver(s.metrics.observeBatch)
	st.Tenants.SetQuotaObserver(func(quota string) { s.metrics.quotas.WithLabelValues(quota).Inc() })
	cfg.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "orderhub_db_optimistic_fallbacks_total",
		Help: "PostgreSQL: optimistic write batches rolled back and run again request by request (a request failed after writing, or a statement failed).",
	}, func() float64 { return float64(st.Ops.OptimisticFallbacks()) }))
	cfg.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "orderhub_fanout_backlog_events",
		Help: "Events waiting for the fan-out expander to write their deliveries (vendors with more endpoints than a request fans out to).",
	}, func() float64 {
		n, _ := st.Deliveries.FanoutBacklog(context.Background())
		return float64(n)
	}))
	cfg.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "orderhub_fanout_expanded_deliveries_total",
		Help: "Deliveries written by this process's fan-out expander.",
	}, func() float64 { return float64(st.Deliveries.FanoutExpanded()) }))
	cfg.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "orderhub_fanout_writer_seconds_total",
		Help: "Time this process's fan-out expander steps held the writer (their transactions, commit included).",
	}, func() float64 { return st.Deliveries.FanoutWriterTime().Seconds() }))
	s.routes()
	s.handler = s.recoverer(s.instrument(s.mux))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Middleware wraps h in what every request of the API passes through (request id,
// metrics by route, failure log, panic recovery). The bench's ceiling handler
// uses it, so that the ceiling pays what every API request pays (cmd/orderhub).
func (s *Server) Middleware(h http.Handler) http.Handler { return s.recoverer(s.instrument(h)) }

// readJSONBody reads a request body of at most MaxBodyBytes that is (or claims to
// be) JSON.
func readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/plain") {
			return nil, orderhub.Errorf(orderhub.EUnsupportedMedia, "Content-Type %q is not supported; send application/json.", ct)
		}
	}
	return readBody(w, r)
}

// readBody reads a request body of at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, orderhub.Errorf(orderhub.EPayloadTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
	}
	var body []byte
	var err error
	if n := r.ContentLength; n > 0 && n <= MaxBodyBytes {
		// The server reads no more than the Content-Length it checked above: read
		// into a buffer of that size (and one byte, for the end) at once.
		body, err = readAll(r.Body, make([]byte, 0, n+1))
	} else {
		body, err = readAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes), make([]byte, 0, 512))
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, orderhub.Errorf(orderhub.EPayloadTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
		}
		return nil, orderhub.Errorf(orderhub.EInvalidRequest, "The request body could not be read: %v.", err)
	}
	return body, nil
}

// readAll is io.ReadAll into buf.
func readAll(rd io.Reader, buf []byte) ([]byte, error) {
	for {
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// queryValue is r.URL.Query().Get(name), without parsing the whole query (and
// allocating its map) when nothing in it is escaped.
func queryValue(r *http.Request, name string) string {
	raw := r.URL.RawQuery
	if strings.ContainsAny(raw, "%+;") {
		return r.URL.Query().Get(name)
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if k, v, _ := strings.Cut(pair, "="); k == name {
			return v
		}
	}
	return ""
}

// boolQuery parses an optional boolean query parameter.
func boolQuery(r *http.Request, name string) (bool, error) {
	v := queryValue(r, name)
	switch strings.ToLower(v) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, orderhub.FieldError(orderhub.EInvalidRequest, name, "Query parameter %s must be true or false, got %q.", name, v)
}
