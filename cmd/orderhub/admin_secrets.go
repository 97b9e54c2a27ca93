package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"orderhub"
	"orderhub/httpapi"
	"orderhub/sealing"
	"orderhub/sqlstore"
)

// Secrets at rest (docs/security.md): serve seals what is stored in plain text when
// ORDERHUB_SECRET_KEY is set, and `orderhub admin secrets reseal` moves every
// sealed secret to a new key.

// adminSecretsCommands registers its admin commands (called once, from adminCommands).
func adminSecretsCommands() {
	registerAdmin("secrets", "reseal", "seal every stored secret with ORDERHUB_SECRET_KEY: plain ones, and (--old-key-env NAME) ones sealed with the previous key; prints counts", func(fs *flag.FlagSet) func(*adminEnv) error {
		oldEnv := fs.String("old-key-env", "", "the environment variable holding the previous key (base64 of 32 bytes), when rotating")
		return func(e *adminEnv) error {
			next, err := sealing.FromEnv(e.getenv)
			if err != nil {
				return err
			}
			if !next.Encrypts() {
				return errors.New(sealing.KeyEnv + " is not set: it is the key the secrets are sealed with (openssl rand -base64 32)")
			}
			var prev *sealing.Sealer
			if *oldEnv != "" {
				v := e.getenv(*oldEnv)
				if strings.TrimSpace(v) == "" {
					return fmt.Errorf("the environment variable %s is empty", *oldEnv)
				}
				if prev, err = sealing.New(v); err != nil {
					return fmt.Errorf("--old-key-env %s: %w", *oldEnv, err)
				}
			}
			rep, err := reseal(e.ctx, e.db, prev, next)
			if err != nil {
				return err
			}
			kinds := make([]string, 0, len(rep))
			for k := range rep {
				kinds = append(kinds, k)
			}
			sort.Strings(kinds)
			rows := [][]string{}
			for _, k := range kinds {
				rows = append(rows, []string{k, fmt.Sprint(rep[k])})
			}
			return e.print(rep, []string{"SECRET", "RESEALED"}, rows)
		}
	})
}

// reseal seals every stored secret with next: plain ones, and sealed ones that open
// with prev (or already with next). A plain token signing key or portal link key is
// replaced by a new one (it was readable by whoever could read the database).
func reseal(ctx context.Context, db *sqlstore.DB, prev, next *sealing.Sealer) (orderhub.ResealReport, error) {
	return db.Tenants().ResealSecrets(ctx, func(kind, context, stored string) (string, error) {
		if !sealing.IsSealed(stored) {
			switch kind {
			case orderhub.SecretTokenKey:
				return httpapi.NewSigningKeyValue(next)
			case orderhub.SecretPortalKey:
				return orderhub.NewPortalKeyValue(next)
			}
			return next.Seal(strings.TrimPrefix(stored, "plain:"), context)
		}
		if _, err := next.Open(stored, context); err == nil {
			if prev == nil {
				return stored, nil // sealed with next already
			}
		}
		if prev == nil {
			return "", errors.New("it is sealed with another key: give that key with --old-key-env NAME")
		}
		secret, err := prev.Open(stored, context)
		if err != nil {
			if _, err2 := next.Open(stored, context); err2 == nil {
				return stored, nil // moved already (a run interrupted before)
			}
			return "", err
		}
		return next.Seal(secret, context)
	})
}

// sealAtRest is serve's start: with a key, it seals the secrets stored in plain
// text (webhook signing secrets, connector secrets; a plain portal link key is
// replaced by a sealed one; the token signing key is replaced by httpapi); without
// one, it warns loudly.
func sealAtRest(ctx context.Context, db *sqlstore.DB, s *sealing.Sealer, log *slog.Logger) error {
	db.Tenants().SetSealer(s)
	if !s.Encrypts() {
		log.Warn(sealing.KeyEnv + " is not set: the token signing key, the portal link key, webhook signing secrets and connector secrets are stored UNENCRYPTED; whoever reads the database can mint tokens, forge portal links and sign webhooks (docs/security.md)")
		return nil
	}
	rep, err := db.Tenants().ResealSecrets(ctx, func(kind, context, stored string) (string, error) {
		if sealing.IsSealed(stored) || kind == orderhub.SecretTokenKey {
			return stored, nil
		}
		if kind == orderhub.SecretPortalKey {
			// Replaced, not sealed: the plain key was readable, so links signed
			// with it must stop working.
			return orderhub.NewPortalKeyValue(s)
		}
		return s.Seal(strings.TrimPrefix(stored, "plain:"), context)
	})
	if err != nil {
		return fmt.Errorf("sealing stored secrets: %w", err)
	}
	for kind, n := range rep {
		if kind == orderhub.SecretPortalKey {
			log.Warn("the portal link key was stored unencrypted: replaced by a new key sealed with " + sealing.KeyEnv + "; portal links made before are refused, make new ones")
			continue
		}
		log.Warn("sealed secrets that were stored unencrypted", "secret", kind, "count", n)
	}
	return nil
}
