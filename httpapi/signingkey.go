package httpapi

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"orderhub"
	"orderhub/sealing"
)

// The token signing key (an Ed25519 seed, hex) lives in the settings row
// orderhub.TokenSigningKeySetting so that every process and restart signs alike.
// With ORDERHUB_SECRET_KEY it is sealed (AES-256-GCM, package sealing); without, it
// is stored as-is (and serve warns). A key found in plain text while a sealing key
// is configured has been readable by whoever could read the database, so it is
// replaced by a fresh, sealed one: tokens signed with the old key stop working and
// clients fetch new ones (docs/security.md).

// NewSigningKeyValue returns the stored form of a fresh signing key.
func NewSigningKeyValue(s *sealing.Sealer) (string, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return "", err
	}
	v := hex.EncodeToString(seed)
	if s.Encrypts() {
		return s.Seal(v, orderhub.TokenSigningKeySetting)
	}
	return v, nil
}

// OpenSigningKeyValue returns the seed of a stored signing key.
func OpenSigningKeyValue(s *sealing.Sealer, stored string) ([]byte, error) {
	v := stored
	if sealing.IsSealed(stored) {
		var err error
		if v, err = s.Open(stored, orderhub.TokenSigningKeySetting); err != nil {
			return nil, fmt.Errorf("the token signing key: %w", err)
		}
	}
	seed, err := hex.DecodeString(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("the stored token signing key is malformed")
	}
	return seed, nil
}

// loadSigningKey reads (or creates) the signing key, sealing a plain one by
// replacing it when s has a key.
func loadSigningKey(ctx context.Context, db orderhub.TenantStore, s *sealing.Sealer, log *slog.Logger) (ed25519.PrivateKey, error) {
	for range 3 {
		stored, err := db.Setting(ctx, orderhub.TokenSigningKeySetting, func() (string, error) { return NewSigningKeyValue(s) })
		if err != nil {
			return nil, err
		}
		if !sealing.IsSealed(stored) && s.Encrypts() {
			nv, err := NewSigningKeyValue(s)
			if err != nil {
				return nil, err
			}
			ok, err := db.ReplaceSetting(ctx, orderhub.TokenSigningKeySetting, stored, nv)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue // another process replaced it first: read its key
			}
			log.Warn("the token signing key was stored unencrypted: replaced by a new key sealed with " + sealing.KeyEnv + "; access tokens issued before are refused, clients fetch new ones")
			stored = nv
		}
		seed, err := OpenSigningKeyValue(s, stored)
		if err != nil {
			return nil, err
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	return nil, errors.New("the token signing key keeps changing under this process")
}
