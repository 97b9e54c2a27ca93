package sealing_test

import (
	"strings"
	"testing"

	"orderhub/sealing"
)

const key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func TestSealAndOpen(t *testing.T) {
	s, err := sealing.New(key)
	if err != nil || !s.Encrypts() {
		t.Fatalf("New: %v", err)
	}
	sealed, err := s.Seal("top-secret", "account-1")
	if err != nil || !sealing.IsSealed(sealed) || strings.Contains(sealed, "top-secret") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	if again, _ := s.Seal("top-secret", "account-1"); again == sealed {
		t.Fatal("sealing twice gives the same text: the nonce is not random")
	}
	if got, err := s.Open(sealed, "account-1"); err != nil || got != "top-secret" {
		t.Fatalf("open %q %v", got, err)
	}
	// Bound to its context: a secret copied to another record does not open.
	if _, err := s.Open(sealed, "account-2"); err == nil {
		t.Fatal("opened under another context")
	}
	other, _ := sealing.New("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=")
	if _, err := other.Open(sealed, "account-1"); err == nil || !strings.Contains(err.Error(), sealing.KeyEnv) {
		t.Fatalf("other key: %v", err)
	}
	if _, err := s.Open("v1:!!!", "account-1"); err == nil {
		t.Fatal("corrupt text opened")
	}
	if _, err := s.Open("rot13:abc", "account-1"); err == nil {
		t.Fatal("unknown format opened")
	}
	if got, err := s.Open("", "account-1"); err != nil || got != "" {
		t.Fatalf("empty: %q %v", got, err)
	}
}

func TestWithoutKeySecretsAreStoredAsIs(t *testing.T) {
	plain, err := sealing.FromEnv(func(string) string { return "" })
	if err != nil || plain.Encrypts() {
		t.Fatalf("FromEnv without key: %v", err)
	}
	stored, _ := plain.Seal("s3", "x")
	if sealing.IsSealed(stored) || stored != "plain:s3" {
		t.Fatalf("stored %q", stored)
	}
	if got, _ := plain.Open(stored, "x"); got != "s3" {
		t.Fatalf("open %q", got)
	}
	enc, _ := sealing.New(key)
	sealed, _ := enc.Seal("s3", "x")
	if _, err := plain.Open(sealed, "x"); err == nil || !strings.Contains(err.Error(), sealing.KeyEnv) {
		t.Fatalf("sealed without key: %v", err)
	}
	for _, bad := range []string{"short", "not base64!", "MDEyMzQ1Njc4OWFiY2RlZg=="} {
		if _, err := sealing.New(bad); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
}
