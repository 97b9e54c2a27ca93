package salesmanago

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretKeyEnv names the environment variable with the key that seals account
// secrets: the standard base64 of 32 random bytes (e.g. `openssl rand -base64 32`).
const SecretKeyEnv = "ORDERHUB_SECRET_KEY"

// Sealer encrypts account secrets for storage with AES-256-GCM, binding each to its
// account id (additional data), or — without a key — marks them as stored as-is.
type Sealer struct {
	aead cipher.AEAD
}

const (
	sealedPrefix = "v1:"
	plainPrefix  = "plain:"
)

// NewSealer returns a sealer for a base64 key of 32 bytes; an empty key gives a
// sealer that stores secrets as-is.
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

// Encrypts reports whether secrets are encrypted (a key is configured).
func (s *Sealer) Encrypts() bool { return s != nil && s.aead != nil }

// Seal returns the stored form of secret for the account id.
func (s *Sealer) Seal(secret, accountID string) (string, error) {
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
	out := s.aead.Seal(nonce, nonce, []byte(secret), []byte(accountID))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open returns the secret of a stored form.
func (s *Sealer) Open(stored, accountID string) (string, error) {
	switch {
	case stored == "":
		return "", nil
	case strings.HasPrefix(stored, plainPrefix):
		return strings.TrimPrefix(stored, plainPrefix), nil
	case !strings.HasPrefix(stored, sealedPrefix):
		return "", errors.New("a stored secret has an unknown format")
	case !s.Encrypts():
		return "", fmt.Errorf("the account's secrets are encrypted: set %s to the key they were sealed with", SecretKeyEnv)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(stored, sealedPrefix))
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("a stored secret is corrupt")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(accountID))
	if err != nil {
		return "", fmt.Errorf("a stored secret cannot be decrypted with %s (a different key?)", SecretKeyEnv)
	}
	return string(plain), nil
}

// AccountCredentials opens the account record's secrets.
func (s *Sealer) credentials(id, baseURL, v3, clientID, owner, sealedSecret, sealedKey string) (Credentials, error) {
	secret, err := s.Open(sealedSecret, id)
	if err != nil {
		return Credentials{}, err
	}
	key, err := s.Open(sealedKey, id)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{BaseURL: baseURL, V3BaseURL: v3, ClientID: clientID, APISecret: secret, Owner: owner, APIKey: key}, nil
}
