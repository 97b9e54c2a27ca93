package orderhub

// Retention and backup settings and reports (moved from package sqlstore, issue 17).

import (
	"encoding/json"
	"time"
)

// BackupOptions tune a backup (sqlstore.Backup).
type BackupOptions struct {
	// Overwrite replaces an existing destination file (never a database that has a
	// WAL beside it: that one is in use).
	Overwrite bool
}

// Default retention limits.
const (
	DefaultRetainDelivered = 30 * 24 * time.Hour
	DefaultRetainDead      = 90 * 24 * time.Hour
	DefaultPruneBatch      = 100
	DefaultPauseFactor     = 4
)

// Retention says what Prune deletes.
type Retention struct {
	// Delivered is the age after which delivered (and canceled) deliveries, their
	// attempts, and events without deliveries are deleted; 0 keeps them for ever.
	Delivered time.Duration
	// Dead is the age (since the delivery died) after which dead letters and their
	// attempts are deleted; 0 keeps them for ever.
	Dead time.Duration
	// Audit is the age after which audit log entries are deleted (audit.go); 0 keeps
	// them for ever. Expired idempotency keys go in every pass.
	Audit time.Duration
	// Batch is how many deliveries or events one write request deletes at most
	// (default DefaultPruneBatch).
	Batch int
	// Pause is the least wait between two write requests of a pass. The wait is also
	// at least PauseFactor times how long the last request took (from queueing to
	// commit), so that pruning takes at most about 1/(1+PauseFactor) of the writer
	// however loaded the machine is.
	Pause time.Duration
	// PauseFactor: see Pause (default DefaultPauseFactor; negative: none).
	PauseFactor float64
}

// PruneStats counts what a pass deleted.
type PruneStats struct {
	Delivered int64 `json:"delivered"` // delivered and canceled deliveries
	Dead      int64 `json:"dead"`      // dead letters
	Attempts  int64 `json:"attempts"`
	Events    int64 `json:"events"`
	Audit     int64 `json:"audit"`           // audit log entries
	IdemKeys  int64 `json:"idempotencyKeys"` // expired idempotency keys
}

// Add adds o to s.
func (s *PruneStats) Add(o PruneStats) {
	s.Delivered += o.Delivered
	s.Dead += o.Dead
	s.Attempts += o.Attempts
	s.Events += o.Events
	s.Audit += o.Audit
	s.IdemKeys += o.IdemKeys
}

// VendorRetention is a vendor's override of the server's retention limits: nil keeps
// the server's default, a zero duration keeps for ever. In JSON the limits are
// deliveredSeconds and deadSeconds (null: the default), and updatedAt is null when
// the vendor has no override.
type VendorRetention struct {
	VendorID  string
	Delivered *time.Duration
	Dead      *time.Duration
	UpdatedAt time.Time
}

// MarshalJSON writes the limits in seconds.
func (v *VendorRetention) MarshalJSON() ([]byte, error) {
	secs := func(d *time.Duration) *int64 {
		if d == nil {
			return nil
		}
		n := int64(*d / time.Second)
		return &n
	}
	var upd *time.Time
	if !v.UpdatedAt.IsZero() {
		upd = &v.UpdatedAt
	}
	return json.Marshal(struct {
		VendorID         string     `json:"vendorId"`
		DeliveredSeconds *int64     `json:"deliveredSeconds"`
		DeadSeconds      *int64     `json:"deadSeconds"`
		UpdatedAt        *time.Time `json:"updatedAt"`
	}{v.VendorID, secs(v.Delivered), secs(v.Dead), upd})
}

// SpaceStats is how much space the database takes.
type SpaceStats struct {
	Bytes     int64 // the database's size (SQLite: the main file; PostgreSQL: pg_database_size)
	FreeBytes int64 // SQLite: the size of the pages on the free list, reused for new rows
}
