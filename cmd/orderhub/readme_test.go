package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeRunItForReal follows the README's "Run it for real" as a newcomer would,
// in an empty directory: every command of the section in order, the server and the
// receiver in terminals of their own, the rest in one shell (whose variables carry
// from one block to the next). Only `go run ./cmd/orderhub` becomes the built binary
// and the two ports free ones. It ends with signed webhooks verified by the receiver.
func TestReadmeRunItForReal(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is not installed, and CI must run the README's commands: install curl in .ci/run")
		}
		t.Skip("SKIPPED LOUDLY: curl is not installed; the README's commands need it")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := readmeSection(t, string(readme), "Run it for real")
	bin := orderhubBinary(t)
	hubAddr, recvAddr := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	state := filepath.Join(dir, ".state")
	if err := os.WriteFile(state, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	subst := strings.NewReplacer("go run ./cmd/orderhub", bin, "127.0.0.1:8080", hubAddr, "127.0.0.1:9000", recvAddr)

	type terminal struct {
		name string
		cmd  *exec.Cmd
		out  *syncBuffer
	}
	var terms []*terminal
	t.Cleanup(func() {
		for _, tm := range terms {
			_ = tm.cmd.Process.Signal(syscall.SIGTERM)
			_ = tm.cmd.Wait()
		}
	})
	var shellOut strings.Builder
	var chunk []string
	runChunk := func() {
		if len(chunk) == 0 {
			return
		}
		script := "set -a\nsource " + state + "\n" + strings.Join(chunk, "\n") + "\nexport -p > " + state + "\n"
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		shellOut.Write(out)
		if err != nil {
			t.Fatalf("README commands failed: %v\n%s\n--- commands:\n%s", err, out, strings.Join(chunk, "\n"))
		}
		chunk = nil
	}
	var receiver *terminal
	var listCmd string // the README's `deliveries list` line, run again while deliveries complete
	for _, l := range lines {
		l = subst.Replace(l)
		long := strings.HasPrefix(l, bin+" serve") || strings.HasPrefix(l, bin+" receive")
		if !long {
			if strings.Contains(l, " deliveries list") && receiver != nil {
				listCmd = l
				// The reader looks at the receiver's terminal before asking the hub.
				runChunk()
				waitFor(t, "three verified deliveries at the receiver", func() bool {
					return strings.Count(receiver.out.String(), "signature verified") >= 3
				}, receiver.out)
			}
			chunk = append(chunk, l)
			continue
		}
		runChunk()
		tm := &terminal{name: strings.Fields(strings.TrimPrefix(l, bin))[0], out: &syncBuffer{}}
		tm.cmd = exec.Command("bash", "-c", "set -a\nsource "+state+"\nexec "+l)
		tm.cmd.Dir, tm.cmd.Stdout, tm.cmd.Stderr = dir, tm.out, tm.out
		if err := tm.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		terms = append(terms, tm)
		addr := hubAddr
		if tm.name == "receive" {
			addr, receiver = recvAddr, tm
		}
		waitFor(t, tm.name+" listening", func() bool {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
			}
			return err == nil
		}, tm.out)
	}
	runChunk()

	if receiver == nil || len(terms) != 2 {
		t.Fatalf("the section should start a server and a receiver:\n%s", strings.Join(lines, "\n"))
	}
	got := receiver.out.String()
	for _, typ := range []string{"customer-created", "contract-created", "contract-confirmed"} {
		if !strings.Contains(got, typ+" webhook-id=evt_") {
			t.Errorf("the receiver did not get %s:\n%s", typ, got)
		}
	}
	if strings.Contains(got, "REJECTED") {
		t.Errorf("the receiver rejected a delivery:\n%s", got)
	}
	shell := shellOut.String()
	// The receiver prints a delivery before the hub has recorded its answer, so
	// the list the reader runs right after may still show one in flight: ask
	// again, as the reader would, until the hub has recorded them.
	delivered := strings.Count(shell, "delivered")
	for deadline := time.Now().Add(30 * time.Second); listCmd != "" && delivered < 3 && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", "set -a\nsource "+state+"\n"+listCmd)
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		shell += string(out)
		delivered = strings.Count(string(out), "delivered")
	}
	if !strings.Contains(shell, "CONTRACT_CREATED_AND_CONFIRMED") || delivered < 3 {
		t.Errorf("the order or its deliveries:\n%s", shell)
	}
}

// readmeSection returns the commands of the indented code blocks from the paragraph
// starting with title up to the next heading, with \ continuations joined.
func readmeSection(t *testing.T, md, title string) []string {
	t.Helper()
	i := strings.Index(md, "\n"+title)
	if i < 0 {
		t.Fatalf("README has no %q", title)
	}
	md = md[i+1:]
	if j := strings.Index(md, "\n## "); j >= 0 {
		md = md[:j]
	}
	var out []string
	cur := ""
	for _, l := range strings.Split(md, "\n") {
		if !strings.HasPrefix(l, "    ") {
			continue
		}
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\")
			continue
		}
		out = append(out, cur+l)
		cur = ""
	}
	if len(out) < 5 {
		t.Fatalf("the README's %q has only %d commands:\n%s", title, len(out), md)
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitFor(t *testing.T, what string, cond func() bool, log *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 90s:\n%s", what, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
