package httpapi

import (
	"log/slog"
	"net/http"
	"strings"

	"orderhub"
)

// handler is an HTTP handler that returns its failure instead of writing it. It
// writes its answer itself on success (and returns nil); on failure it writes
// nothing and returns the error, which errorHandler answers through writeError —
// the seed's error body, the status from the statuses table (error.go).
type handler func(w http.ResponseWriter, r *http.Request) error

// errorHandler adapts h to an http.HandlerFunc that answers h's error, logging
// failures (5xx) to log. It allocates nothing per request.
func errorHandler(log *slog.Logger, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, log, err)
		}
	}
}

// wrap adapts h with the server's logger (errorHandler); routes use it for every
// handler that returns its error.
func (s *Server) wrap(h handler) http.HandlerFunc { return errorHandler(s.log, h) }

// readJSON reads the request's JSON body (readJSONBody) into v with the one reader
// (orderhub.ReadJSON) and the surface's options.
func readJSON(w http.ResponseWriter, r *http.Request, v any, opts orderhub.JSONOptions) error {
	body, err := readJSONBody(w, r)
	if err != nil {
		return err
	}
	return orderhub.ReadJSON(body, v, opts)
}

// textField is a request field read as an optional string.
type textField struct {
	name string
	v    *string
}

// requireText fails on the first field that is missing or blank: 422 naming it.
func requireText(fields ...textField) error {
	for _, f := range fields {
		if f.v == nil || strings.TrimSpace(*f.v) == "" {
			return orderhub.FieldError(orderhub.EUnprocessable, f.name, "The %s field is required.", f.name)
		}
	}
	return nil
}

// parseBody reads the request's JSON body and parses it with the surface's parser
// (orderhub.ParseX, which reads it with the one JSON reader).
func parseBody[T any](w http.ResponseWriter, r *http.Request, parse func(body []byte) (T, error)) (T, error) {
	body, err := readJSONBody(w, r)
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(body)
}
