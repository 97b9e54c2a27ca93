package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"orderhub"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	principalKey
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// instrument gives every request an id (X-Request-Id, taken from the client when it
// sends a sane one), counts it by route and status, and logs it.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		rec := &statusRecorder{ResponseWriter: w}
		if !orderhub.IsLineTextUnescaped(r.URL.Path) {
			// No record has an id with NUL or invalid UTF-8 (and PostgreSQL text cannot
			// hold NUL): answer such paths before any handler passes them to the database.
			writeError(rec, r, s.log, orderhub.Errorf(orderhub.ENotFound, "Not found: the path contains a control character (NUL, tab, CR, LF, …) or invalid UTF-8, which no id holds."))
		} else {
			next.ServeHTTP(rec, r)
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.observeRequest(route, rec.status, d)
		if s.access || rec.status >= 500 {
			s.log.InfoContext(r.Context(), "request", "request_id", id, "method", r.Method, "route", route,
				"path", r.URL.Path, "status", rec.status, "duration_ms", float64(d.Microseconds())/1000)
		}
	})
}

// recoverer turns a handler panic into a logged 500 with the standard error body.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()), "path", r.URL.Path)
				writeError(w, r, s.log, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// notFound answers unknown paths in the standard error format: 405 with an Allow
// header when the path exists for other methods, else 404.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return orderhub.Errorf(orderhub.EMethodNotAllowed, "%s is not allowed on %s; use %s.", r.Method, r.URL.Path, strings.Join(allow, " or "))
	}
	return orderhub.Errorf(orderhub.ENotFound, "No route for %s %s.", r.Method, r.URL.Path)
}
