package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"orderhub"
	"orderhub/delivery"
)

// `orderhub receive`: a webhook receiver for trying orderhub out. It checks each
// request's Standard Webhooks signature with the endpoint's secret and prints the
// delivery; --status answers something else than 204 (500 to watch the retries,
// 410 to watch the endpoint being deleted).
func runReceive(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("receive", stderr)
	addr := fs.String("addr", "127.0.0.1:9000", "listen address")
	secret := fs.String("secret", getenv("ORDERHUB_WEBHOOK_SECRET"), "the endpoint's signing secret whsec_… (env ORDERHUB_WEBHOOK_SECRET; `orderhub admin endpoints secret --id ID` prints it)")
	status := fs.Int("status", http.StatusNoContent, "the HTTP status to answer verified deliveries with")
	if err := parseFlags(fs, args); err != nil {
		return ignoreHelp(err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *status < 200 || *status > 599 {
		return usageErrorf("--status must be an HTTP status from 200 to 599, got %d", *status)
	}
	var secrets []string
	if *secret != "" {
		secrets = strings.Fields(*secret) // several, space-separated, during a rotation
		for _, s := range secrets {
			if _, err := orderhub.SecretKey(s); err != nil {
				return usageErrorf("--secret: %v", err)
			}
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var mu sync.Mutex // one delivery's lines together
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "orderhub receive takes POSTed deliveries", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		verdict, code := "signature not checked (no --secret)", *status
		if secrets != nil {
			if err := delivery.Verify(secrets, r.Header, body, time.Now(), delivery.DefaultTolerance); err != nil {
				verdict, code = "REJECTED: "+err.Error(), http.StatusUnauthorized
			} else {
				verdict = "signature verified"
			}
		}
		var payload struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(body, &payload)
		mu.Lock()
		fmt.Fprintf(stdout, "%s %s webhook-id=%s: %s; answered %d\n%s\n", time.Now().UTC().Format(time.RFC3339), payload.Type, r.Header.Get("Webhook-Id"), verdict, code, body)
		mu.Unlock()
		w.WriteHeader(code)
	})}
	fmt.Fprintf(stdout, "orderhub receive listening on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
