package main

import (
	"path/filepath"
	"testing"
)

// serve refuses bad fan-out flags before it opens anything.
func TestServeFanoutFlags(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "never.db")
	for _, bad := range [][]string{{"--inline-fanout", "-1"}, {"--fanout-batch", "0"}, {"--fanout-batch", "10001"}} {
		if _, _, err := runCLI(t, append([]string{"serve", "--db", dsn}, bad...)...); err != errUsage {
			t.Errorf("serve %v: %v, want a usage error", bad, err)
		}
	}
}
