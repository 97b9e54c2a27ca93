// Package sealing encrypts the third-party secrets orderhub must be able to read
// back (connector API secrets and keys) with AES-256-GCM under a key from the
// environment, binding each to a context string (additional data: the record it
// belongs to). Without a key, secrets are stored as-is and marked so.
package sealing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeyEnv names the environment variable with the sealing key: the standard base64
// of 32 random bytes (e.g. `openssl rand -base64 32`).
const KeyEnv = "ORDERHUB_SECRET_KEY"

// Sealer encrypts secrets for storage with AES-256-GCM, binding each to a context
// string (additional data), or — without a key — marks them as stored as-is.
type Sealer struct {
	aead cipher.AEAD
}

const (
	sealedPrefix = "v1:"
	plainPrefix  = "plain:"
)

// New returns a sealer for a base64 key of 32 bytes; an empty key gives a
// sealer that stores secrets as-is.
func New(keyB64 string) (*Sealer, error) {
	keyB64 = strings.TrimSpace(keyB64)
	if keyB64 == "" {
		return &Sealer{}, nil
	}
	key, err := base64.StdEncoding.DecodeString(keyB64)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s must be the standard base64 of 32 bytes (openssl rand -base64 32)", KeyEnv)
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

// FromEnv reads the key from ORDERHUB_SECRET_KEY.
func FromEnv(getenv func(string) string) (*Sealer, error) {
	return New(getenv(KeyEnv))
}

// Encrypts reports whether secrets are encrypted (a key is configured).
func (s *Sealer) Encrypts() bool { return s != nil && s.aead != nil }

// Seal returns the stored form of secret, bound to context.
func (s *Sealer) Seal(secret, context string) (string, error) {
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
	out := s.aead.Seal(nonce, nonce, []byte(secret), []byte(context))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open returns the secret of a stored form sealed with the same context. An empty
// stored form opens to an empty secret.
func (s *Sealer) Open(stored, context string) (string, error) {
	switch {
	case stored == "":
		return "", nil
	case strings.HasPrefix(stored, plainPrefix):
		return strings.TrimPrefix(stored, plainPrefix), nil
	case !strings.HasPrefix(stored, sealedPrefix):
		return "", errors.New("a stored secret has an unknown format")
	case !s.Encrypts():
		return "", fmt.Errorf("the stored secret is encrypted: set %s to the key it was sealed with", KeyEnv)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(stored, sealedPrefix))
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("a stored secret is corrupt")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", fmt.Errorf("a stored secret cannot be decrypted with %s (a different key?)", KeyEnv)
	}
	return string(plain), nil
}

// IsSealed reports whether a stored form is encrypted (not stored as-is).
func IsSealed(stored string) bool { return strings.HasPrefix(stored, sealedPrefix) }
