package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
)

// demoKey is a fresh random key (16 bytes, hex) for a demo's fake connector account.
func demoKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startDemoFake starts a demo's fake connector server on a loopback port (start is
// the fake's Start) and reads the sealer of the connector's stored secrets from the
// environment (sealerFromEnv is the connector's SealerFromEnv); it returns the
// fake's base URL and the sealer.
func startDemoFake[S any](start func(addr string) (string, error), sealerFromEnv func(getenv func(string) string) (S, error)) (string, S, error) {
	var sealer S
	u, err := start("127.0.0.1:0")
	if err != nil {
		return "", sealer, err
	}
	sealer, err = sealerFromEnv(os.Getenv)
	return u, sealer, err
}
