package salesmanago

import "orderhub/sealing"

// Sealer seals an account's secrets, bound to the account id (package sealing).
type Sealer = sealing.Sealer

// SecretKeyEnv names the environment variable with the sealing key.
const SecretKeyEnv = sealing.KeyEnv

// NewSealer returns a sealer for a base64 key of 32 bytes (empty: store as-is).
func NewSealer(keyB64 string) (*Sealer, error) { return sealing.New(keyB64) }

// SealerFromEnv reads the key from ORDERHUB_SECRET_KEY.
func SealerFromEnv(getenv func(string) string) (*Sealer, error) { return sealing.FromEnv(getenv) }

// credentials opens the account record's secrets.
func credentials(s *Sealer, id, baseURL, v3, clientID, owner, sealedSecret, sealedKey string) (Credentials, error) {
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
