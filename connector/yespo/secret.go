package yespo

import (
	"errors"

	"orderhub/sealing"
)

// Sealer seals a vendor's Yespo API key (package sealing; the same variable and
// stored format as the SALESmanago connector's).
type Sealer = sealing.Sealer

// SecretKeyEnv names the environment variable with the sealing key.
const SecretKeyEnv = sealing.KeyEnv

// NewSealer returns a sealer for a base64 key of 32 bytes (empty: store as-is).
func NewSealer(keyB64 string) (*Sealer, error) { return sealing.New(keyB64) }

// SealerFromEnv reads the key from ORDERHUB_SECRET_KEY.
func SealerFromEnv(getenv func(string) string) (*Sealer, error) { return sealing.FromEnv(getenv) }

// IsSealed reports whether a stored key is encrypted (not stored as-is).
func IsSealed(stored string) bool { return sealing.IsSealed(stored) }

// keyContext binds a sealed API key to its vendor.
func keyContext(vendorID string) string { return "yespo:" + vendorID }

func sealKey(s *Sealer, apiKey, vendorID string) (string, error) {
	return s.Seal(apiKey, keyContext(vendorID))
}

func openKey(s *Sealer, stored, vendorID string) (string, error) {
	if stored == "" {
		return "", errors.New("no API key is stored")
	}
	return s.Open(stored, keyContext(vendorID))
}
