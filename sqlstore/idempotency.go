package sqlstore

import "orderhub"

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"orderhub/sealing"
)

// Idempotency keys of admin API POSTs (httpapi/idempotency.go): a caller's key, the
// fingerprint of the request first sent with it, and the answer once there is one.

// ClaimIdempotencyKey claims key of scope for a request with fingerprint: when the
// key is new, expired, or in progress under a lock that ran out (its process died),
// the caller holds it for lock and must answer it (SaveIdempotentAnswer) or release
// it; claimed is then true. Otherwise it returns the key's state: another
// fingerprint, in progress, or the answer to replay.
func (sub Orders) ClaimIdempotencyKey(ctx context.Context, scope, key, fingerprint string, lock, ttl time.Duration) (a *orderhub.IdempotentAnswer, claimed bool, err error) {
	db := sub.db
	err = db.w.do(ctx, func(tx *Tx) error {
		a, claimed = nil, false
		now := micros(tx.now)
		var st sql.NullInt64
		var fp, ct, body string
		var lockedUntil, expires int64
		err := tx.queryRow(`SELECT fingerprint, status, content_type, body, locked_until, expires_at FROM idempotency_keys WHERE scope = $1 AND idem_key = $2`, scope, key).
			Scan(&fp, &st, &ct, &body, &lockedUntil, &expires)
		noRow := errors.Is(err, sql.ErrNoRows)
		switch {
		case noRow || err == nil && expires <= now:
			if err == nil {
				if _, err := tx.exec(`DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2`, scope, key); err != nil {
					return err
				}
			}
			claimed = true
			_, err := tx.exec(`INSERT INTO idempotency_keys (scope, idem_key, fingerprint, created_at, locked_until, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				scope, key, fingerprint, now, micros(tx.now.Add(lock)), micros(tx.now.Add(ttl)))
			return err
		case err != nil:
			return err
		}
		a = &orderhub.IdempotentAnswer{Fingerprint: fp, Status: int(st.Int64), ContentType: ct}
		if fp == fingerprint && !st.Valid && lockedUntil <= now {
			claimed = true
			_, err := tx.exec(`UPDATE idempotency_keys SET locked_until = $3 WHERE scope = $1 AND idem_key = $2`, scope, key, micros(tx.now.Add(lock)))
			return err
		}
		if st.Valid {
			if sealing.IsSealed(body) || len(body) > 6 && body[:6] == "plain:" {
				a.Sealed = true
				s := db.sealer.Load()
				if s == nil {
					s = &sealing.Sealer{}
				}
				opened, err := s.Open(body, idemContext(scope, key))
				if err != nil {
					return err
				}
				body = opened
			}
			a.Body = []byte(body)
		}
		return nil
	})
	if claimed {
		a = nil
	}
	return a, claimed, err
}

func idemContext(scope, key string) string { return "idempotency:" + scope + ":" + key }

// SaveIdempotentAnswer stores the answer of a claimed key, sealed when it holds a
// one-time secret.
func (sub Orders) SaveIdempotentAnswer(ctx context.Context, scope, key string, status int, contentType string, body []byte, secret bool) error {
	db := sub.db
	stored := string(body)
	if secret {
		s := db.sealer.Load()
		if s == nil {
			s = &sealing.Sealer{}
		}
		var err error
		if stored, err = s.Seal(stored, idemContext(scope, key)); err != nil {
			return err
		}
	}
	return db.w.do(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5, locked_until = 0 WHERE scope = $1 AND idem_key = $2`,
			scope, key, status, contentType, stored)
		return err
	})
}

// ReleaseIdempotencyKey forgets a claimed key (its request failed on the server's
// side: a retry with the key runs again).
func (sub Orders) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	db := sub.db
	return db.w.do(ctx, func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND status IS NULL`, scope, key)
		return err
	})
}
