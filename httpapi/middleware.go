package httpapi

import (
	"context"
	"fmt"
	"math/rand/v2"
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
	stateKey
)

// reqState is what instrument keeps of a request, in one allocation: the status
// the handler wrote (it is the ResponseWriter the handlers get), the request id,
// and the caller once a handler authenticated it (withPrincipal), so that neither
// needs a context and a request copy of its own.
type reqState struct {
	statusRecorder
	id        string
	principal *Principal
}

func stateOf(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey).(*reqState)
	return st
}

func requestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// withPrincipal returns r carrying p as its authenticated caller (principalFrom):
// in the request's state when instrument gave it one, else in a new context.
func withPrincipal(r *http.Request, p *Principal) *http.Request {
	if st := stateOf(r.Context()); st != nil && st.principal == nil {
		st.principal = p
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), principalKey, p))
}

// principalFrom returns the authenticated caller of a request.
func principalFrom(r *http.Request) *Principal {
	ctx := r.Context()
	if p, ok := ctx.Value(principalKey).(*Principal); ok {
		return p
	}
	if st := stateOf(ctx); st != nil {
		return st.principal
	}
	return nil
}

// newRequestID is 16 random hex digits. A request id names a request in logs and
// answers; it is no secret, so the runtime's generator (ChaCha8, per thread) makes
// it without a system call.
func newRequestID() string {
	var b [16]byte
	const digits = "0123456789abcdef"
	n := rand.Uint64()
	for i := range b {
		b[i] = digits[n>>60]
		n <<= 4
	}
	return string(b[:])
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
		st := &reqState{statusRecorder: statusRecorder{ResponseWriter: w}, id: id}
		r = r.WithContext(context.WithValue(r.Context(), stateKey, st))
		rec := &st.statusRecorder
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
