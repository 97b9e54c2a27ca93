package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// adminAuth checks admin tokens (orderhub admin token create) with a short cache, so
// that a revoked token stops working within adminCacheTTL.
type adminAuth struct {
	db  *sqlstore.DB
	now func() time.Time

	mu    sync.Mutex
	cache map[string]time.Time
}

const adminCacheTTL = 2 * time.Second

func newAdminAuth(db *sqlstore.DB, now func() time.Time) *adminAuth {
	return &adminAuth{db: db, now: now, cache: map[string]time.Time{}}
}

func (a *adminAuth) check(ctx context.Context, tok string) error {
	now := a.now()
	a.mu.Lock()
	at, ok := a.cache[tok]
	a.mu.Unlock()
	if ok && now.Sub(at) < adminCacheTTL && !now.Before(at) {
		return nil
	}
	if _, err := a.db.CheckAdminToken(ctx, tok); err != nil {
		return err
	}
	a.mu.Lock()
	if len(a.cache) > 10_000 {
		clear(a.cache)
	}
	a.cache[tok] = now
	a.mu.Unlock()
	return nil
}

// requireAdmin wraps h with admin-token authentication (Authorization: Bearer oha_…).
func (s *Server) requireAdmin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok {
			writeError(w, r, s.log, orderhub.Errorf(orderhub.EUnauthorized, "Missing admin token: send Authorization: Bearer <admin token>."))
			return
		}
		if err := s.admins.check(r.Context(), tok); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		h(w, r)
	}
}
