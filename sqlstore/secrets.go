package sqlstore

import "orderhub"

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"orderhub/sealing"
)

// Secrets at rest (docs/security.md). Webhook signing secrets must sign, so they are
// stored reversibly: sealed with the store's sealer (ORDERHUB_SECRET_KEY, package
// sealing) when it has a key, as they are otherwise. Rows written before a key was
// set, or by an older version, are plain until SealPlainSecrets or ResealSecrets
// seals them; both forms are read.

// SetSealer makes the store seal the webhook signing secrets it writes and open the
// ones it reads with s. Set it before use (nil: store as-is, read plain only).
func (sub Tenants) SetSealer(s *sealing.Sealer) {
	sub.db.sealer.Store(s)
}

// sealSecret is the stored form of an endpoint's signing secret.
func (db *DB) sealSecret(endpointID, secret string) (string, error) {
	s := db.sealer.Load()
	if s == nil || !s.Encrypts() || secret == "" {
		return secret, nil
	}
	return s.Seal(secret, orderhub.EndpointSecretContext(endpointID))
}

// openSecret returns the signing secret of a stored form.
func (db *DB) openSecret(endpointID, stored string) (string, error) {
	if !sealing.IsSealed(stored) {
		return strings.TrimPrefix(stored, "plain:"), nil
	}
	s := db.sealer.Load()
	if s == nil {
		s = &sealing.Sealer{}
	}
	return s.Open(stored, orderhub.EndpointSecretContext(endpointID))
}

// ResealSecrets rewrites every stored secret in one write transaction: fn gets its
// kind (the Secret* constants), the context it is bound to and its stored form
// (sealed, or plain), and returns the new stored form (the same: left alone).
// Used to seal plain rows and to move every sealed row to a new key.
func (sub Tenants) ResealSecrets(ctx context.Context, fn func(kind, context, stored string) (string, error)) (orderhub.ResealReport, error) {
	var rep orderhub.ResealReport
	err := sub.db.Write(ctx, func(tx *Tx) error {
		rep = orderhub.ResealReport{}
		type row struct{ table, col, idCol, id, kind, context, stored string }
		var rows []row
		collect := func(q, table, col, idCol, kind string, context func(id string) string) error {
			rs, err := tx.query(q)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var id string
				var stored sql.NullString
				if err := rs.Scan(&id, &stored); err != nil {
					return err
				}
				if stored.String != "" {
					rows = append(rows, row{table, col, idCol, id, kind, context(id), stored.String})
				}
			}
			return rs.Err()
		}
		same := func(id string) string { return id }
		for _, c := range []struct {
			q, table, col, idCol, kind string
			context                    func(string) string
		}{
			{`SELECT key, value FROM settings WHERE key = '` + orderhub.TokenSigningKeySetting + `'`, "settings", "value", "key", orderhub.SecretTokenKey, same},
			{`SELECT key, value FROM settings WHERE key = '` + orderhub.PortalKeySetting + `'`, "settings", "value", "key", orderhub.SecretPortalKey, same},
			{`SELECT id, secret FROM endpoints`, "endpoints", "secret", "id", orderhub.SecretWebhook, orderhub.EndpointSecretContext},
			{`SELECT id, prev_secret FROM endpoints WHERE prev_secret IS NOT NULL`, "endpoints", "prev_secret", "id", orderhub.SecretWebhook, orderhub.EndpointSecretContext},
			{`SELECT vendor_id, api_key FROM yespo_accounts`, "yespo_accounts", "api_key", "vendor_id", orderhub.SecretYespo, func(v string) string { return "yespo:" + v }},
			{`SELECT id, api_secret FROM salesmanago_accounts`, "salesmanago_accounts", "api_secret", "id", orderhub.SecretSalesmanago, same},
			{`SELECT id, api_key FROM salesmanago_accounts`, "salesmanago_accounts", "api_key", "id", orderhub.SecretSalesmanago, same},
		} {
			if err := collect(c.q, c.table, c.col, c.idCol, c.kind, c.context); err != nil {
				return err
			}
		}
		// Idempotent answers: a two-column key, and only the sealed (or marked
		// plain) bodies hold a secret.
		irs, err := tx.query(`SELECT scope, idem_key, body FROM idempotency_keys WHERE body LIKE 'v1:%' OR body LIKE 'plain:%'`)
		if err != nil {
			return err
		}
		type idem struct{ scope, key, stored string }
		var idems []idem
		for irs.Next() {
			var i idem
			if err := irs.Scan(&i.scope, &i.key, &i.stored); err != nil {
				irs.Close()
				return err
			}
			idems = append(idems, i)
		}
		irs.Close()
		if err := irs.Err(); err != nil {
			return err
		}
		for _, i := range idems {
			nv, err := fn(orderhub.SecretIdempotent, idemContext(i.scope, i.key), i.stored)
			if err != nil {
				return fmt.Errorf("%s of %s: %w", orderhub.SecretIdempotent, i.key, err)
			}
			if nv == i.stored {
				continue
			}
			if _, err := tx.exec(`UPDATE idempotency_keys SET body = $3 WHERE scope = $1 AND idem_key = $2`, i.scope, i.key, nv); err != nil {
				return err
			}
			rep[orderhub.SecretIdempotent]++
		}
		for _, r := range rows {
			nv, err := fn(r.kind, r.context, r.stored)
			if err != nil {
				return fmt.Errorf("%s of %s: %w", r.kind, r.id, err)
			}
			if nv == r.stored {
				continue
			}
			if _, err := tx.exec(`UPDATE `+r.table+` SET `+r.col+` = $2 WHERE `+r.idCol+` = $1`, r.id, nv); err != nil {
				return err
			}
			rep[r.kind]++
		}
		return nil
	})
	return rep, err
}

// ReplaceSetting sets a setting to value when it still holds old, and reports
// whether it did (another process may have replaced it first).
func (sub Tenants) ReplaceSetting(ctx context.Context, key, old, value string) (bool, error) {
	var n int64
	err := sub.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE settings SET value = $3 WHERE key = $1 AND value = $2`, key, old, value)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// newSecret returns the stored form of a fresh signing secret for an endpoint
// (connector and Zapier endpoints, whose secret is never shown).
func (tx *Tx) newSecret(endpointID string) (string, error) {
	return tx.w.db.sealSecret(endpointID, orderhub.NewEndpointSecret())
}
