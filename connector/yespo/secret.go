package yespo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretKeyEnv names the environment variable with the key that seals API keys: the
// standard base64 of 32 random bytes (e.g. `openssl rand -base64 32`). It is the
// same variable, and the same stored format, as the SALESmanago connector's.
const SecretKeyEnv = "ORDERHUB_SECRET_KEY"

// Sealer encrypts API keys for storage with AES-256-GCM, binding each to its vendor
// (additional data), or — without a key — stores them as-is ("plain:" prefix).
type Sealer struct {
	aead cipher.AEAD
}

const (
	sealedPrefix = "v1:"
	plainPrefix  = "plain:"
)

// NewSealer returns a sealer for a base64 key of 32 bytes; an empty key gives a
// sealer that stores keys as-is.
func NewSealer(keyB64 string) (*Sealer, error) {
	keyB64 = strings.TrimSpace(keyB64)
	if keyB64 == "" {
		return &Sealer{}, nil
	}
	key, err := base64.StdEncoding.DecodeString(keyB64)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s must be the standard base64 of 32 bytes (openssl rand -base64 32)", SecretKeyEnv)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// SealerFromEnv reads the key from ORDERHUB_SECRET_KEY.
func SealerFromEnv(getenv func(string) string) (*Sealer, error) {
	return NewSealer(getenv(SecretKeyEnv))
}

// Encrypts reports whether keys are encrypted (a key is configured).
func (s *Sealer) Encrypts() bool { return s != nil && s.aead != nil }

func aad(vendorID string) []byte { return []byte("yespo:" + vendorID) }

// Seal returns the stored form of a vendor's API key.
func (s *Sealer) Seal(secret, vendorID string) (string, error) {
	if secret == "" {
		return "", nil
	}
	if !s.Encrypts() {
		return plainPrefix + secret, nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(secret), aad(vendorID))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open returns the API key of a stored form.
func (s *Sealer) Open(stored, vendorID string) (string, error) {
	switch {
	case stored == "":
		return "", errors.New("no API key is stored")
	case strings.HasPrefix(stored, plainPrefix):
		return strings.TrimPrefix(stored, plainPrefix), nil
	case !strings.HasPrefix(stored, sealedPrefix):
		return "", errors.New("the stored API key has an unknown format")
	case !s.Encrypts():
		return "", fmt.Errorf("the API key is encrypted: set %s to the key it was sealed with", SecretKeyEnv)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(stored, sealedPrefix))
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("the stored API key is corrupt")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], aad(vendorID))
	if err != nil {
		return "", fmt.Errorf("the stored API key cannot be decrypted with %s (a different key?)", SecretKeyEnv)
	}
	return string(plain), nil
}

// IsSealed reports whether a stored key is encrypted (not stored as-is).
func IsSealed(stored string) bool { return strings.HasPrefix(stored, sealedPrefix) }
