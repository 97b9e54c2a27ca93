package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Write health, for readiness (/readyz): a database that answers reads may still
// refuse every write (a full disk, a read-only replica after a failover, lost
// permissions). The writer records the outcome of each transaction, and
// WriteHealth runs a tiny probe write at most once per probeEvery, so readiness
// follows the writes: not ready while they fail, ready again by itself once one
// commits.

// probeEvery bounds how often WriteHealth writes.
const probeEvery = time.Second

type writeHealth struct {
	mu     sync.Mutex
	okAt   time.Time // last committed write transaction
	failAt time.Time // last failed one
	err    error     // its error

	probe   sync.Mutex // one probe at a time
	probeAt time.Time
	probeOK bool
	probeEr error
}

// noteBatch records a write transaction's outcome (the writer calls it).
func (db *DB) noteBatch(err error) {
	h := &db.health
	h.mu.Lock()
	if err == nil {
		h.okAt = time.Now()
	} else {
		h.failAt, h.err = time.Now(), err
	}
	h.mu.Unlock()
}

// WriteHealth returns nil when writes succeed: the writer's last transaction did
// not fail (or a later one committed), and a probe write — run here at most once a
// second, the settings row write_probe — commits.
func (sub Ops) WriteHealth(ctx context.Context) error {
	h := &sub.db.health
	h.probe.Lock()
	defer h.probe.Unlock()
	if time.Since(h.probeAt) >= probeEvery {
		err := sub.db.Write(ctx, func(tx *Tx) error {
			_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('write_probe', $1)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, tx.now.UTC().Format(time.RFC3339Nano))
			return err
		})
		h.probeAt, h.probeOK, h.probeEr = time.Now(), err == nil, err
	}
	if !h.probeOK {
		return fmt.Errorf("a probe write failed: %w", h.probeEr)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failAt.After(h.okAt) {
		return fmt.Errorf("the last write transaction failed: %w", h.err)
	}
	return nil
}
